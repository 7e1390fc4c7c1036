"""Rules of the ``offline`` backend (DESIGN §2): captions and duo conversations built from the
OCR layout alone, deterministic for a given seed."""

from llavar2.generate.offline.candidates import QUESTION_TYPES
from llavar2.generate.offline.caption import compose_caption
from llavar2.generate.offline.conversation import compose_duos
from llavar2.generate.offline.seeding import image_rng

__all__ = ["QUESTION_TYPES", "compose_caption", "compose_duos", "image_rng"]
