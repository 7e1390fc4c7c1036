"""The ``offline`` backend: deterministic rules over the OCR layout; no network, key or GPU.

It is the embedded default and the baseline every LLM backend is compared with. Its rules (DESIGN
§2) are the submodules: captions and duo conversations built from the OCR layout alone,
deterministic for a given seed.
"""

from __future__ import annotations

from typing import Any

from llavar2.backends import BACKENDS
from llavar2.backends.offline.caption import compose_caption
from llavar2.backends.offline.conversation import compose_duos
from llavar2.backends.seeding import image_rng
from llavar2.prompts import load_template
from llavar2.records import ConversationSet, EnrichedCaption, ImageRecord, OcrResult, Provenance

ENRICH_TEMPLATE = "offline-enrich@1"
QA_TEMPLATE = "offline-qa@1"
INSTRUCTIONS_TEMPLATE = "caption-instructions@1"


@BACKENDS.register(
    "offline", help="rules over the OCR layout; no network, key or GPU", needs_model=False
)
class OfflineBackend:
    name = "offline"
    model = "offline-rules"

    def __init__(self, seed: int = 0, n_duos: int = 4):
        if n_duos < 1:
            raise ValueError(f"n_duos must be at least 1, got {n_duos}")
        self.seed = seed
        self.n_duos = n_duos
        self._enrich = load_template(ENRICH_TEMPLATE)
        self._qa = load_template(QA_TEMPLATE)
        self._instructions = load_template(INSTRUCTIONS_TEMPLATE).data["instructions"]

    def _provenance(self, stage: str, template: str, params: dict[str, Any]) -> Provenance:
        return Provenance(
            stage=stage, backend=self.name, model=self.model, template=template, params=params
        )

    def enrich(self, image: ImageRecord, ocr: OcrResult) -> EnrichedCaption:
        rng = image_rng(self.seed, "enrich", image.id)
        instruction = rng.choice(self._instructions)
        return EnrichedCaption(
            id=image.id,
            image=image.image,
            human_caption=image.caption,
            caption=compose_caption(image.caption, ocr, self._enrich, rng),
            instruction=instruction,
            provenance=self._provenance(
                "enrich",
                self._enrich.ref,
                {"seed": self.seed, "instructions": INSTRUCTIONS_TEMPLATE},
            ),
        )

    def converse(
        self, image: ImageRecord, ocr: OcrResult, caption: EnrichedCaption
    ) -> ConversationSet:
        # The rules ground every answer in the OCR lines; the caption adds nothing they can cite.
        rng = image_rng(self.seed, "qa", image.id)
        return ConversationSet(
            id=image.id,
            image=image.image,
            duos=compose_duos(ocr, self._qa, rng, self.n_duos),
            provenance=self._provenance(
                "qa", self._qa.ref, {"seed": self.seed, "n_duos": self.n_duos}
            ),
        )
