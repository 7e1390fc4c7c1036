"""Batched teacher-forced losses over encoded requests: the hot loop of the ``hf`` scorer.

Requests are sorted by length and cut into batches (little padding). Each batch is padded on
the configured side; the attention mask hides the padding and position ids count real tokens
only, so a row's numbers do not depend on its neighbours or its padding. The base model gives
hidden states; the LM head runs only at the positions that predict a token of X (the vocabulary
projection is most of the work for large vocabularies and short answers). Per-item sums of
-log p stay on the device until all batches are done: one copy to the host per call, no sync
inside the loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch

from ._hf_encode import Encoded

PaddingSide = Literal["left", "right"]


@dataclass
class _Batch:
    input_ids: torch.Tensor  # (B, T)
    attention_mask: torch.Tensor  # (B, T)
    position_ids: torch.Tensor  # (B, T)
    predictors: torch.Tensor  # (N,) flat index into (B*T) of the hidden state predicting ...
    targets: torch.Tensor  # (N,) ... this token of X
    owners: torch.Tensor  # (N,) index of the item the token belongs to
    images: dict[str, torch.Tensor]


def batches_by_length(items: Sequence[Encoded], batch_size: int) -> list[list[int]]:
    """Item indices, sorted by length and cut into batches of ``batch_size``."""
    order = sorted(range(len(items)), key=lambda i: len(items[i].input_ids))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def _collate(items: Sequence[Encoded], rows: list[int], pad_id: int, side: PaddingSide) -> _Batch:
    width = max(len(items[i].input_ids) for i in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
    position_ids = torch.zeros((len(rows), width), dtype=torch.long)
    predictors: list[int] = []
    targets: list[int] = []
    owners: list[int] = []
    images: dict[str, list[torch.Tensor]] = {}
    for r, i in enumerate(rows):
        item = items[i]
        n = len(item.input_ids)
        start = width - n if side == "left" else 0
        input_ids[r, start : start + n] = torch.tensor(item.input_ids)
        attention_mask[r, start : start + n] = 1
        position_ids[r, start : start + n] = torch.arange(n)
        # The hidden state at p - 1 predicts the token at p.
        predictors.extend(r * width + start + p - 1 for p in item.scored)
        targets.extend(item.input_ids[p] for p in item.scored)
        owners.extend([i] * len(item.scored))
        for key, value in (item.images or {}).items():
            images.setdefault(key, []).append(value)
    return _Batch(
        input_ids,
        attention_mask,
        position_ids,
        torch.tensor(predictors),
        torch.tensor(targets),
        torch.tensor(owners),
        {key: torch.cat(values) for key, values in images.items()},
    )


def _to(tensor: torch.Tensor, device: torch.device, dtype: torch.dtype | None = None) -> Any:
    if device.type == "cuda":  # pinned: the copy is queued, the host does not wait for it
        tensor = tensor.pin_memory()
    return tensor.to(device, dtype=dtype, non_blocking=True)


class BatchLosses:
    """``model``: a transformers model whose ``.model`` gives hidden states and whose output
    embeddings are the LM head (causal LMs and LLaVA/Qwen2-VL-style models alike)."""

    def __init__(
        self, model: Any, pad_id: int, padding_side: PaddingSide = "right", head_chunk: int = 2048
    ):
        self.model = model
        self.base = model.base_model
        self.head = model.get_output_embeddings()
        self.pad_id = pad_id
        self.padding_side = padding_side
        self.head_chunk = head_chunk  # positions per LM-head call: bounds the logits' memory
        # What some models do to the LM head's output before the softmax (we call the head
        # ourselves, so we must do it too): Cohere scales it, Gemma 2/3 soft-cap it.
        text_config = model.config.get_text_config()
        self.logit_scale = getattr(text_config, "logit_scale", None)
        self.softcap = getattr(text_config, "final_logit_softcapping", None)
        # Models with multimodal rotary positions (Qwen2-VL) derive them from the ids, the
        # image grid and the attention mask themselves.
        self.own_positions = hasattr(self.base, "get_rope_index")

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    @torch.inference_mode()
    def __call__(self, items: Sequence[Encoded], batch_size: int) -> list[float]:
        """The mean -log p over each item's scored tokens (items without any: NaN)."""
        device = self.device
        sums = torch.zeros(len(items), dtype=torch.float64, device=device)
        for rows in batches_by_length(items, batch_size):
            batch = _collate(items, rows, self.pad_id, self.padding_side)
            if not len(batch.targets):
                continue
            inputs: dict[str, Any] = {
                "input_ids": _to(batch.input_ids, device),
                "attention_mask": _to(batch.attention_mask, device),
            }
            if not self.own_positions:
                inputs["position_ids"] = _to(batch.position_ids, device)
            for key, value in batch.images.items():
                floating = value.is_floating_point()
                inputs[key] = _to(value, device, self.dtype if floating else None)
            hidden = self.base(**inputs, use_cache=False)[0]
            hidden = hidden.reshape(-1, hidden.shape[-1])
            predictors, targets = _to(batch.predictors, device), _to(batch.targets, device)
            owners = _to(batch.owners, device)
            for lo in range(0, len(batch.targets), self.head_chunk):
                hi = lo + self.head_chunk
                logits = self.head(hidden.index_select(0, predictors[lo:hi])).float()
                if self.logit_scale is not None:
                    logits = logits * self.logit_scale
                if self.softcap is not None:
                    logits = torch.tanh(logits / self.softcap) * self.softcap
                nll = logits.logsumexp(-1) - logits.gather(1, targets[lo:hi, None])[:, 0]
                sums.index_add_(0, owners[lo:hi], nll.double())
        counts = torch.tensor([len(item.scored) for item in items], dtype=torch.float64)
        return (sums.cpu() / counts).tolist()
