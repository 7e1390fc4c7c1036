"""Generation backends (DESIGN §2): what writes the enriched caption and the duo conversations
of one image. Each backend is one module that registers itself in ``BACKENDS``, with its help
and ``needs_model`` (True: it takes ``--model`` and the OpenAI client settings).

A backend's ``enrich`` and ``converse`` return records (``offline``), or are coroutines
(``openai``); a backend of the second kind also has ``run_ordered(func, items)``, which runs
``func`` over the items concurrently and yields the results in input order, and ``close()``.
The stage functions in ``llavar2.generate.stage`` drive both kinds.

``offline`` holds the rules of the offline backend, ``llm`` what any chat model is asked and
how its replies are checked, ``seeding`` the per-image random choices both make.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from llavar2.records import ConversationSet, EnrichedCaption, ImageRecord, OcrResult
from llavar2.registry import Registry, import_implementations


class Backend(Protocol):
    name: str  # the registry name, recorded in provenance
    model: str

    def enrich(
        self, image: ImageRecord, ocr: OcrResult
    ) -> EnrichedCaption | Awaitable[EnrichedCaption]: ...

    def converse(
        self, image: ImageRecord, ocr: OcrResult, caption: EnrichedCaption
    ) -> ConversationSet | Awaitable[ConversationSet]:
        """The image's duo conversations; an empty ``duos`` list when nothing can be grounded."""
        ...


BACKENDS: Registry[Callable[..., Backend]] = Registry("backend")


def get_backend(name: str, **options: Any) -> Backend:
    return BACKENDS.get(name)(**options)


# Every module is imported, so a new backend is one new file; last, since they import the
# names above.
import_implementations(__name__, __path__)
