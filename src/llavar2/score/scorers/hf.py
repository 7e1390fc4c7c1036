"""The ``hf`` scorer: ``L(X | C)`` with a transformers model loaded from a local folder.

``hf:PATH`` — a causal LM (text-only: image parts must be replaced by facts) or a
vision-language model (any config with a ``vision_config`` loaded as image-text-to-text with
its processor; tested with LLaVA). Nothing is downloaded: the folder must hold the weights,
config, tokenizer (and processor) as ``save_pretrained`` writes them.

torch and transformers are the ``score`` extra; they are imported when a scorer is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...errors import UsageError
from ...imaging import DEFAULT_MAX_PIXELS, TooManyPixels, open_checked
from ..base import SCORERS, Loss, LossRequest

Dtype = Literal["auto", "float32", "bfloat16", "float16"]


class HFOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_size: int = Field(default=16, ge=1)  # sequences per forward pass
    padding_side: Literal["left", "right"] = "right"
    dtype: Dtype = "auto"  # auto: bfloat16 on a GPU, float32 on the CPU
    device: str = "auto"  # auto: cuda when available, else cpu
    max_length: int | None = Field(default=None, ge=2)  # tokens; None: the model's context
    max_pixels: int = Field(default=DEFAULT_MAX_PIXELS, ge=1)  # larger images are unscorable


def _model_context(config: Any, tokenizer: Any) -> int | None:
    """The longest sequence the model was made for (its position table, or the tokenizer's
    declared maximum when that is a real number)."""
    declared = (
        getattr(config.get_text_config(), "max_position_embeddings", None),
        getattr(tokenizer, "model_max_length", None),
    )
    limits = [n for n in declared if isinstance(n, int) and 0 < n < 10**9]
    return min(limits) if limits else None


class HFScorer:
    """A loaded model and its tokenizer (and processor, for vision-language models)."""

    def __init__(self, name: str, model: Any, tokenizer: Any, processor: Any, options: HFOptions):
        from ._hf_batch import BatchLosses
        from ._hf_encode import ChatEncoder

        self.name, self.model = name, Path(name.partition(":")[2]).name or name
        self.options = options
        self.supports_images = processor is not None
        if (processor or tokenizer).chat_template is None:
            raise UsageError(f"{name}: the tokenizer/processor has no chat_template")
        pad_id = tokenizer.pad_token_id
        if pad_id is None:  # any id will do: padded positions are masked out
            pad_id = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
        self.encoder = ChatEncoder(tokenizer, processor)
        self.forward = BatchLosses(model, pad_id, options.padding_side)
        limits = [
            n
            for n in (_model_context(model.config, tokenizer), options.max_length)
            if n is not None
        ]
        self.max_length = min(limits) if limits else None

    @classmethod
    def load(cls, path: str, options: HFOptions) -> HFScorer:
        """From a folder as ``save_pretrained`` writes it; never from the hub."""
        import torch
        from transformers import (
            AutoConfig,
            AutoModelForCausalLM,
            AutoModelForImageTextToText,
            AutoProcessor,
            AutoTokenizer,
        )

        folder = Path(path)
        if not (folder / "config.json").is_file():
            raise UsageError(
                f"hf:{path}: not a model folder (no config.json); the hf scorer "
                "loads local weights only"
            )
        device = options.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = options.dtype
        if dtype == "auto":
            dtype = "float32" if device == "cpu" else "bfloat16"
        config = AutoConfig.from_pretrained(folder, local_files_only=True)
        if hasattr(config, "vision_config"):
            processor = AutoProcessor.from_pretrained(folder, local_files_only=True)
            tokenizer = processor.tokenizer
            model_class: Any = AutoModelForImageTextToText
        else:
            processor = None
            tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            model_class = AutoModelForCausalLM
        model = model_class.from_pretrained(
            folder, local_files_only=True, dtype=getattr(torch, dtype)
        )
        return cls(f"hf:{path}", model.to(device).eval(), tokenizer, processor, options)

    def _encode(self, request: LossRequest, images: dict[Path | None, Any]) -> Any:
        """The encoded request, or the Loss saying why it cannot be scored."""
        from ._hf_encode import TemplateError

        image = image_inputs = None
        if request.has_image:
            if not self.supports_images:
                raise UsageError(
                    f"{self.name} is a text-only model: replace the image by its "
                    "facts (context 'facts')"
                )
            if request.image not in images:
                images[request.image] = (_load_image(request.image, self.options.max_pixels), {})
            image, image_inputs = images[request.image]
            if isinstance(image, Loss):
                return image
        try:
            encoded = self.encoder.encode(request, image, image_inputs)
        except TemplateError as e:
            raise UsageError(f"{self.name}: {e}") from None
        if not encoded.scored:
            return Loss(None, 0, "empty", "X has no tokens")
        if self.max_length is not None and len(encoded.input_ids) > self.max_length:
            return Loss(
                None,
                len(encoded.scored),
                "too_long",
                f"{len(encoded.input_ids)} tokens > {self.max_length}",
            )
        return encoded

    def losses(self, requests: Sequence[LossRequest]) -> list[Loss]:
        images: dict[Path | None, Any] = {}  # decoded and processed once per call for all its terms
        encoded = [self._encode(r, images) for r in requests]
        todo = [i for i, e in enumerate(encoded) if not isinstance(e, Loss)]
        means = self.forward([encoded[i] for i in todo], self.options.batch_size)
        for i, mean in zip(todo, means):
            encoded[i] = Loss(mean, len(encoded[i].scored))
        return encoded

    def close(self) -> None:
        self.forward = self.encoder = None  # type: ignore[assignment]


def _load_image(path: Path | None, max_pixels: int) -> Any:
    try:
        with open_checked(path, max_pixels) as image:  # type: ignore[arg-type]
            return image.convert("RGB")
    except TooManyPixels as e:
        return Loss(None, 0, "too_many_pixels", f"{path}: {e}")
    except (OSError, ValueError, TypeError) as e:
        return Loss(None, 0, "image_unreadable", f"{path}: {e}")


@SCORERS.register(
    "hf",
    help="a local transformers model folder (a causal LM, or a vision-language model)",
    arg="PATH",
    needs_base_url=False,
)
def hf_scorer(path: str, **options: Any) -> HFScorer:
    try:
        opts = HFOptions(**options)
    except ValueError as e:
        raise UsageError(f"hf scorer options: {e}") from None
    try:
        return HFScorer.load(path, opts)
    except ImportError as e:
        raise UsageError(
            f"the hf scorer needs the 'score' extra (pip install 'llavar2[score]'): {e}"
        ) from None
