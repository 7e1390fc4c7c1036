"""What a scorer computes: ``L(X | C)``, the mean cross-entropy of X's tokens given C (DESIGN §4).

A request is a short chat (the scoring model's own chat template formats it). Each message is a
list of parts: text or the image. The text parts marked ``scored`` are X; everything else is the
context C. Only X's tokens are averaged; the template's own tokens (role headers, separators),
C's text and the image tokens never are. A request whose tokens do not all fit the model's
context is *unscorable*: it is reported with a reason, never scored on a fragment.

Scorers are registered by name (``SCORERS``): ``hf`` (transformers), ``openai`` (servers that
return prompt log-probabilities). ``Scorer.losses`` takes many requests at once, so that a scorer
can batch them however it likes; the result is one ``Loss`` per request, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from ..registry import Registry

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Part:
    """Text (``scored``: part of X) or, with ``image`` set, the image (never scored)."""

    text: str = ""
    scored: bool = False
    image: bool = False


@dataclass(frozen=True)
class Message:
    role: Role
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class LossRequest:
    """One ``L(X | C)``: ``messages`` in order; ``image`` is the file an image part stands for."""

    messages: tuple[Message, ...]
    image: Path | None = None

    @property
    def has_image(self) -> bool:
        return any(p.image for m in self.messages for p in m.parts)


@dataclass(frozen=True)
class Loss:
    """``loss`` is the mean over ``n_tokens`` tokens of X of -log p(token | everything before
    it), in nats; ``None`` with ``unscorable`` set (a short code, e.g. ``too_long``) when the
    request could not be scored."""

    loss: float | None
    n_tokens: int
    unscorable: str | None = None
    detail: str = ""


class Scorer(Protocol):
    name: str  # e.g. "hf:/models/qwen2-vl-2b"; recorded with every score
    model: str
    supports_images: bool  # False: image parts must be replaced by the image's facts

    def losses(self, requests: Sequence[LossRequest]) -> list[Loss]: ...

    def close(self) -> None: ...


# Name → factory taking the text after "name:" (a path, or a model name) and keyword options.
SCORERS: Registry[Callable[..., Scorer]] = Registry("scorer")
