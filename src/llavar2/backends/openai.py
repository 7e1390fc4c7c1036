"""The ``openai`` backend: any OpenAI-compatible chat endpoint (GPT-4o, vLLM, SGLang, Ollama,
llama.cpp server, LM Studio) writes the enriched captions and the duo conversations
(DESIGN §2).

Per item: messages from the versioned templates (``llm-enrich@1``, ``llm-qa@1``), the image as a
data URL, structured output checked against the stage's schema, one repair round, then a
reject that keeps the raw replies. Requests go through the shared client
(``llavar2.clients.openai``: cache, retries, budget).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from ..clients.openai import ChatReply, ChatSession, image_reference
from ..config import OpenAIConfig
from ..errors import ItemRejected
from ..imaging import DEFAULT_MAX_PIXELS
from ..prompts import Template, load_template
from ..records import (
    QA,
    ConversationSet,
    DroppedDuo,
    DuoConversation,
    EnrichedCaption,
    ImageRecord,
    OcrResult,
    Provenance,
)
from ..text.grounding import evidence_lines
from . import BACKENDS
from .llm.messages import enrich_messages, qa_messages, repair_messages
from .llm.replies import CaptionReply, InvalidReply, QaReply, R, json_schema, parse_reply
from .seeding import image_rng

ENRICH_TEMPLATE = "llm-enrich@1"
QA_TEMPLATE = "llm-qa@1"
INSTRUCTIONS_TEMPLATE = "caption-instructions@1"
T = TypeVar("T")
U = TypeVar("U")


@BACKENDS.register(
    "openai",
    help="any OpenAI-compatible chat endpoint (GPT-4o, vLLM, SGLang, Ollama, ...); needs --model",
    needs_model=True,
)
class OpenAIBackend:
    name = "openai"

    def __init__(
        self,
        config: OpenAIConfig,
        images_dir: Path,
        seed: int = 0,
        n_duos: int = 4,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ):
        if n_duos < 1:
            raise ValueError(f"n_duos must be at least 1, got {n_duos}")
        self.config = config
        self.model = config.model
        self.images_dir = Path(images_dir)
        self.seed = seed
        self.n_duos = n_duos
        self._enrich = load_template(ENRICH_TEMPLATE)
        self._qa = load_template(QA_TEMPLATE)
        self._instructions = load_template(INSTRUCTIONS_TEMPLATE).data["instructions"]
        self._session = ChatSession(config, seed, max_pixels)
        self.usage = self._session.usage
        self._client = self._session.client

    # -- running ------------------------------------------------------------------------

    def run_ordered(
        self, func: Callable[[T], Coroutine[Any, Any, U]], items: Iterable[T]
    ) -> Iterator[U]:
        return self._session.run_ordered(func, items)

    def close(self) -> None:
        self._session.close()

    def report(self) -> dict[str, Any]:
        """This run's requests, tokens and cost, for the summary."""
        return {
            "backend": self.name,
            "model": self.model,
            "response_format": self._client.response_format,
            **self._session.report(),
        }

    def progress(self) -> dict[str, str]:
        return self.usage.progress()

    # -- stages -------------------------------------------------------------------------

    def _image_part(self, image: ImageRecord) -> dict[str, Any]:
        ref = image_reference(image.sha256, self.config.image_max_side)
        return {"type": "image_url", "image_url": {"url": ref, "detail": self.config.image_detail}}

    async def enrich(self, image: ImageRecord, ocr: OcrResult) -> EnrichedCaption:
        messages = enrich_messages(self._enrich, self._image_part(image), image, ocr)
        reply, replies = await self._structured(
            messages, CaptionReply, "enriched_caption", self._enrich, image
        )
        rng = image_rng(self.seed, "enrich", image.id)
        return EnrichedCaption(
            id=image.id,
            image=image.image,
            human_caption=image.caption,
            caption=reply.caption,
            instruction=rng.choice(self._instructions),
            provenance=self._provenance(
                "enrich", self._enrich, replies, instructions=INSTRUCTIONS_TEMPLATE
            ),
        )

    async def converse(
        self, image: ImageRecord, ocr: OcrResult, caption: EnrichedCaption
    ) -> ConversationSet:
        messages = qa_messages(self._qa, self._image_part(image), image, ocr, caption, self.n_duos)
        reply, replies = await self._structured(
            messages, QaReply, "duo_conversations", self._qa, image
        )
        duos = [
            DuoConversation(
                qtype=d.type,
                extractive=QA(question=d.question, answer=d.answer),
                self_explain=QA(question=d.explain_question, answer=d.explain_answer),
                evidence=evidence_lines(d.answer, ocr.lines),  # clean lines, fuzzily
            )
            for d in reply.duos
        ]
        extra = [
            DroppedDuo(
                duo=duo,
                reason="over_n_duos",
                detail=f"the model wrote {len(duos)}, {self.n_duos} were asked for",
            )
            for duo in duos[self.n_duos :]
        ]
        return ConversationSet(
            id=image.id,
            image=image.image,
            duos=duos[: self.n_duos],
            dropped=extra,
            provenance=self._provenance("qa", self._qa, replies, n_duos=self.n_duos),
        )

    async def _structured(
        self,
        messages: list[dict[str, Any]],
        model: type[R],
        name: str,
        template: Template,
        image: ImageRecord,
    ) -> tuple[R, list[ChatReply]]:
        """The reply parsed as ``model``, after at most one repair round; raises ItemRejected
        (with every raw reply) when neither attempt gives a usable one."""
        path = self.images_dir / image.image
        schema = json_schema(model)
        replies: list[ChatReply] = []
        errors: list[str] = []
        for _ in range(2):
            reply = await self._client.complete(messages, name, schema, path)
            replies.append(reply)
            if reply.refusal:
                raise ItemRejected(
                    "model_refused",
                    self._client.redact(reply.refusal),
                    [r.content or (r.refusal or "") for r in replies],
                )
            try:
                return parse_reply(reply.content, model), replies
            except InvalidReply as e:
                errors.append(
                    str(e)
                    + (
                        " (the reply was cut off at the token limit)"
                        if reply.finish_reason == "length"
                        else ""
                    )
                )
                messages = repair_messages(template, messages, reply.content, errors[-1])
        raise ItemRejected(
            "invalid_output",
            "; then, after a repair request: ".join(errors),
            [r.content for r in replies],
        )

    def _provenance(
        self, stage: str, template: Template, replies: list[ChatReply], **params: Any
    ) -> Provenance:
        return Provenance(
            stage=stage,
            backend=self.name,
            model=self.model,
            template=template.ref,
            params={
                "temperature": self.config.temperature,
                "max_reply_tokens": self.config.max_reply_tokens,
                "response_format": replies[-1].response_format,
                "image_max_side": self.config.image_max_side,
                "image_detail": self.config.image_detail,
                "seed": self.seed,
                "requests": len(replies),
                **params,
            },
            prompt_tokens=sum(r.prompt_tokens for r in replies),
            completion_tokens=sum(r.completion_tokens for r in replies),
            # The first reply, when it had to be repaired: what the model got wrong.
            raw_output=replies[0].content if len(replies) > 1 else None,
        )
