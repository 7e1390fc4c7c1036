"""``hf:PATH``: a local transformers vision-language model (AutoModelForImageTextToText and
its processor's chat template: the image, then the prompt, in one user turn), greedy decoding,
one question at a time. The model is loaded at the first question, so that a runner can name
the run (``settings``) without loading it (Ray loads one copy per actor)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ...errors import ItemRejected, UsageError
from ...imaging import TooManyPixels, open_checked
from . import ANSWERERS, AnswererOptions, Question


def add_special_tokens(tokenizer: Any, text: str) -> bool:
    """Whether tokenizing a rendered chat should add the tokenizer's special tokens: not when
    the template already wrote the BOS (Gemma 3, Llama 3), else a second one would lead; yes
    when it did not (llava-1.5), else the model would miss the one it was trained with. As
    transformers' own ``apply_chat_template(tokenize=True)`` decides."""
    bos = tokenizer.bos_token
    return not (bos and text.startswith(bos))


@ANSWERERS.register("hf", help="a local transformers vision-language model folder: hf:PATH")
class HFAnswerer:
    needs_ocr = False

    def __init__(self, path: str, options: AnswererOptions):
        if not path or not Path(path).is_dir():
            raise UsageError(f"--model hf:PATH: {path!r} is not a model folder")
        self.name = f"hf:{path}"
        self._path = path
        self._options = options
        self._max_new_tokens = options.max_new_tokens
        self._model: Any = None

    def _load(self) -> None:
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor

        device = self._options.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype: Any = {
            "auto": "auto",
            "float32": torch.float32,
            "bfloat16": torch.bfloat16,
            "float16": torch.float16,
        }[self._options.dtype]
        self._processor = AutoProcessor.from_pretrained(self._path, local_files_only=True)
        # transformers declares PreTrainedModel.to as functools.wraps(Module.to), which mypy
        # calls unbound (argument 1 = self), so the device is taken for the model.
        self._model = (
            AutoModelForImageTextToText.from_pretrained(
                self._path, local_files_only=True, dtype=dtype
            )
            .to(device)  # type: ignore[arg-type]
            .eval()
        )
        self._device = device

    def settings(self) -> dict[str, Any]:
        return {
            "model": self._path,
            "max_new_tokens": self._max_new_tokens,
            "greedy": True,
            "dtype": self._options.dtype,
        }  # bfloat16 and float32 answer differently

    def _answer(self, q: Question) -> str:
        import torch

        try:  # our limit, not Pillow's process-wide one; before loading a model for nothing
            with open_checked(q.image, self._options.max_pixels) as image:
                rgb = image.convert("RGB")
        except TooManyPixels as e:
            raise ItemRejected("too_many_pixels", f"{q.image}: {e}") from None
        if self._model is None:
            self._load()
        messages = [
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": q.prompt}]}
        ]
        text = self._processor.apply_chat_template(messages, add_generation_prompt=True)
        inputs = self._processor(
            images=[rgb],
            text=text,
            return_tensors="pt",
            add_special_tokens=add_special_tokens(self._processor.tokenizer, text),
        ).to(self._device)
        with torch.inference_mode():
            out = self._model.generate(
                **inputs, max_new_tokens=self._max_new_tokens, do_sample=False
            )
        new = out[0, inputs["input_ids"].shape[1] :]
        return self._processor.decode(new, skip_special_tokens=True).strip()

    def answer_all(self, questions: Iterable[Question]) -> Iterator[str | ItemRejected]:
        for q in questions:
            try:
                yield self._answer(q)
            except ItemRejected as e:
                yield e
            except RuntimeError as e:  # e.g. out of memory on one huge image: this item only
                yield ItemRejected("generation_failed", f"{type(e).__name__}: {e}")

    def report(self) -> dict[str, Any]:
        return {"device": self._device if self._model is not None else None}

    def close(self) -> None:
        pass
