"""Training examples from an arm's LLaVA JSON, and the batches the trainer reads.

Answer-only loss: only the tokens of the assistant turns (their end-of-turn marker included, so
the model learns to stop) carry labels. They are found without template-specific markers: the
chat template renders the conversation up to turn *j* with the generation prompt (where answer
*j* starts) and up to its end (where it stops); a fast tokenizer's character offsets turn those
two string positions into token positions; the processor's expansion of the image placeholder
(one token into many) shifts every later token by the same amount. TRL's own
``assistant_only_loss`` needs ``{% generation %}`` markers, which most vision-language chat
templates lack.

Nothing is ever truncated: a sample longer than ``max_length`` is dropped before training and
counted, so that no image loses tokens and no answer loses its end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ItemRejected, UsageError
from ..evaluate.answerers.hf import add_special_tokens
from ..imaging import TooManyPixels, open_checked

if TYPE_CHECKING:
    from transformers import BatchFeature

ROLES = {"human": "user", "gpt": "assistant"}
IGNORE = -100  # the label transformers' losses skip


@dataclass(frozen=True)
class Example:
    id: str
    image: Path
    messages: list[dict[str, Any]]  # the first user turn starts with the image


def read_arm(path: Path, images_dir: Path) -> list[Example]:
    """An arm's LLaVA JSON (``llavar2 validate prepare``) as chat messages."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    examples = []
    for row in rows:
        messages = []
        for i, turn in enumerate(row["conversations"]):
            text = turn["value"].removeprefix("<image>").lstrip("\n") if i == 0 else turn["value"]
            content: list[dict[str, Any]] = [{"type": "image"}] if i == 0 else []
            messages.append(
                {"role": ROLES[turn["from"]], "content": content + [{"type": "text", "text": text}]}
            )
        examples.append(Example(row["id"], images_dir / row["image"], messages))
    return examples


class AnswerOnlyCollator:
    """``__call__``: a padded batch (right padding) with labels on the answers only;
    ``length``: a sample's token count, image tokens included."""

    def __init__(self, processor: Any, max_pixels: int):
        self.processor = processor
        self.tokenizer = processor.tokenizer
        self.max_pixels = max_pixels

    def _render(self, messages: list[dict[str, Any]], prompt: bool = False) -> str:
        return str(
            self.processor.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=prompt
            )
        )

    def image(self, example: Example) -> Any:
        try:
            with open_checked(example.image, self.max_pixels) as image:
                return image.convert("RGB")
        except TooManyPixels as e:
            raise ItemRejected("too_many_pixels", f"{example.image}: {e}") from None
        except OSError as e:
            raise ItemRejected("image_unreadable", f"{example.image}: {e}") from None

    def _special(self, text: str) -> bool:
        # As llavar2 evaluate's hf answerer tokenizes prompts: the same BOS in training and use.
        return add_special_tokens(self.tokenizer, text)

    def _encode(self, texts: list[str], images: list[Any]) -> BatchFeature:
        return self.processor(
            text=texts,
            images=[[im] for im in images],
            padding=True,
            padding_side="right",
            add_special_tokens=self._special(texts[0]),
            return_tensors="pt",
        )

    def length(self, example: Example) -> int:
        return int(
            self._encode([self._render(example.messages)], [self.image(example)])[
                "input_ids"
            ].shape[1]
        )

    def answer_spans(self, messages: list[dict[str, Any]]) -> tuple[str, list[tuple[int, int]]]:
        """The rendered conversation and the character span of every assistant turn."""
        full = self._render(messages)
        spans = []
        for j, message in enumerate(messages):
            if message["role"] != "assistant":
                continue
            start, end = self._render(messages[:j], prompt=True), self._render(messages[: j + 1])
            if not (full.startswith(start) and full.startswith(end)):
                raise UsageError(
                    "the model's chat template does not render a conversation's "
                    "beginning as a prefix of the whole: answer-only loss cannot "
                    "find the answers"
                )
            spans.append((len(start), len(end)))
        return full, spans

    def __call__(self, examples: list[Example]) -> BatchFeature:
        rendered = [self.answer_spans(e.messages) for e in examples]
        batch = self._encode([text for text, _ in rendered], [self.image(e) for e in examples])
        labels = batch["input_ids"].clone().fill_(IGNORE)
        for row, (text, spans) in enumerate(rendered):
            # Special tokens added here have empty offsets (0, 0): never inside an answer.
            offsets = self.tokenizer(
                text, add_special_tokens=self._special(text), return_offsets_mapping=True
            )["offset_mapping"]
            shift = int(batch["attention_mask"][row].sum()) - len(offsets)  # image tokens added
            for k, (start, _) in enumerate(offsets):
                if any(a <= start < b for a, b in spans):
                    labels[row, k + shift] = batch["input_ids"][row, k + shift]
        batch["labels"] = labels
        return batch
