"""A ``LossRequest`` as model inputs: the model's own chat template, X's token positions known.

The template is rendered with a sentinel in place of each text part, then the string is
tokenized piecewise: template pieces on their own, each text part on its own. So X's tokens are
exactly the tokens of X's text tokenized alone, whatever C is: changing the context can never
change which tokens are averaged, nor merge a token of X with one of C at a boundary. (The
price: at those boundaries the tokens may differ from tokenizing the whole string at once,
e.g. a BPE merge across "\\n" and the answer's first word; both ratios' terms share it.)

A template piece that holds the image placeholder goes through the model's processor with the
image, which expands the placeholder the way the model expects (LLaVA: one token per patch;
Qwen2-VL: per merged patch of the image's grid) and returns the pixel tensors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..base import LossRequest

# Private-use code points: no template changes them, no text we score contains them.
_OPEN, _CLOSE = "\ue000", "\ue001"
_SENTINEL = re.compile(f"{_OPEN}(\\d+){_CLOSE}")


@dataclass
class Encoded:
    """One request's tokens. ``scored`` are the positions of X's tokens (never position 0,
    which nothing predicts); ``images`` the processor's tensors (pixel values, grids)."""

    input_ids: list[int]
    scored: list[int]
    images: dict[str, Any] | None = None


class TemplateError(ValueError):
    """The chat template does not render each part exactly once, in order."""


def _sentinel(i: int) -> str:
    return f"{_OPEN}{i}{_CLOSE}"


class ChatEncoder:
    """Encodes requests for one model; ``processor`` is None for text-only models."""

    def __init__(self, tokenizer: Any, processor: Any = None):
        self.tokenizer = tokenizer
        self.processor = processor
        self.templater = processor if processor is not None else tokenizer
        self.image_token = getattr(processor, "image_token", None)
        self._tokens = lru_cache(maxsize=4096)(self._tokenize)  # template pieces recur
        # With sentinels for the texts, the rendering depends only on the chat's shape (roles,
        # where the image is), of which a run has a handful.
        self._skeletons: dict[tuple[Any, ...], list[str]] = {}

    def _tokenize(self, text: str) -> tuple[int, ...]:
        return tuple(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _render(self, request: LossRequest) -> tuple[list[str], list[str]]:
        """(template pieces, text parts): the rendered chat is pieces[0] + parts[0] +
        pieces[1] + ... ; a message's text parts are joined with newlines."""
        texts = [p.text for m in request.messages for p in m.parts if not p.image]
        shape = tuple((m.role, tuple(p.image for p in m.parts)) for m in request.messages)
        if shape not in self._skeletons:
            self._skeletons[shape] = self._render_shape(request, len(texts))
        return self._skeletons[shape], texts

    def _render_shape(self, request: LossRequest, n_texts: int) -> list[str]:
        """The template pieces around the text parts of every chat shaped like ``request``."""
        numbers = iter(range(n_texts))
        messages = []
        for message in request.messages:
            joined = "\n".join(_sentinel(next(numbers)) for p in message.parts if not p.image)
            if self.processor is None:
                content: Any = joined
            else:
                content = [{"type": "image"} for p in message.parts if p.image]
                content.append({"type": "text", "text": joined})
            messages.append({"role": message.role, "content": content})
        rendered = self.templater.apply_chat_template(messages, tokenize=False)
        pieces = _SENTINEL.split(rendered)
        order = [int(i) for i in pieces[1::2]]
        if order != list(range(n_texts)):
            raise TemplateError(
                f"the chat template rendered the message texts as {order}, not once each in "
                f"order {list(range(n_texts))}: X's tokens cannot be located"
            )
        return pieces[0::2]

    def encode(
        self, request: LossRequest, image: Any = None, image_inputs: dict[str, Any] | None = None
    ) -> Encoded:
        """``image`` is the decoded image (PIL) when the request has an image part;
        ``image_inputs`` caches the processor's output per template piece for this image, so
        the terms of one image share one pixel tensor."""
        image_inputs = {} if image_inputs is None else image_inputs
        scored_parts = [p.scored for m in request.messages for p in m.parts if not p.image]
        pieces, texts = self._render(request)
        ids: list[int] = []
        scored: list[int] = []
        images = None
        for k, piece in enumerate(pieces):
            if image is not None and self.image_token and self.image_token in piece:
                if images is not None:
                    raise TemplateError("the chat template placed the image more than once")
                if piece not in image_inputs:
                    image_inputs[piece] = self.processor(
                        text=[piece], images=[image], add_special_tokens=False, return_tensors="pt"
                    )
                out = image_inputs[piece]
                ids.extend(out["input_ids"][0].tolist())
                images = {
                    key: value
                    for key, value in out.items()
                    if key not in ("input_ids", "attention_mask")
                }
            else:
                ids.extend(self._tokens(piece))
            if k < len(texts):
                part_ids = self._tokenize(texts[k])
                if scored_parts[k]:
                    scored.extend(range(max(len(ids), 1), len(ids) + len(part_ids)))
                ids.extend(part_ids)
        if image is not None and images is None:
            raise TemplateError(
                f"the chat template has no image placeholder ({self.image_token!r}) for the image"
            )
        return Encoded(ids, scored, images)
