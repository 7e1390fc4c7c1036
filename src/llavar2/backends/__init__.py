"""Generation backends (DESIGN §2): what writes the enriched caption and the duo conversations
of one image. Each backend is one module that registers itself in ``BACKENDS``.

A backend's ``enrich`` and ``converse`` return records (``offline``), or are coroutines
(``openai``); a backend of the second kind also has ``run_ordered(func, items)``, which runs
``func`` over the items concurrently and yields the results in input order, and ``close()``.
The stage functions in ``llavar2.generate`` drive both kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from llavar2.records import ConversationSet, EnrichedCaption, ImageRecord, OcrResult
from llavar2.registry import Registry


class Backend(Protocol):
    name: str  # the registry name, recorded in provenance
    model: str

    def enrich(self, image: ImageRecord, ocr: OcrResult) -> EnrichedCaption: ...

    def converse(
        self, image: ImageRecord, ocr: OcrResult, caption: EnrichedCaption
    ) -> ConversationSet:
        """The image's duo conversations; an empty ``duos`` list when nothing can be grounded."""
        ...


BACKENDS: Registry[Callable[..., Backend]] = Registry("backend")


def get_backend(name: str, **options: Any) -> Backend:
    return BACKENDS.get(name)(**options)


# Imported for their registrations.
from llavar2.backends import offline, openai_api  # noqa: E402,F401
