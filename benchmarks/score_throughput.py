"""Scoring throughput: the hf scorer (batched) against a one-at-a-time per-token loop.

The same items and model are scored (a) the way the published scripts do it: one item per
forward pass, full logits, then a Python loop over X's tokens, each token's log-softmax taken
and its value summed on the host; and (b) by ``HFScorer.losses`` (length-sorted padded
batches, LM head at X's positions only, per-item sums kept on the device). Both read the same
token ids (our chat encoder's), so they score the same tokens; what differs is how. Times
include tokenization (and image processing) for both.

Items are text-only ``L(A | Q)`` requests (IFD's numerator), or with ``--with-image``
``L(Q, A | I)`` requests over a few shared images. Default: a tiny LLaVA built in memory, float32
on the CPU (``--preset small``: a 4-layer, 256-wide language model with a 32k vocabulary, where
the model's arithmetic rather than Python overhead dominates). ``--preset vlm-3b``: a randomly
initialised LLaVA with a Qwen2.5-3B-sized language model and a CLIP ViT-L/14-336 vision tower
(about 3.4B parameters) in bfloat16 on the GPU, built from the configs below (nothing is
downloaded).

    .venv/bin/python benchmarks/score_throughput.py [--items 300] [--batch-size 32]
        [--with-image] [--preset tiny|vlm-3b] [--loop-items N]

The last line is ``RESULT speedup=<ours/loop items per second> max_abs_diff=<largest score
difference> device=<cpu or the GPU's name>``.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from llavar2.score import LossRequest, Message, Part
from llavar2.score.scorers.hf import HFOptions, HFScorer
from llavar2.testing import tiny_hf

WORDS = (
    "sign store open hours price coffee cup menu board title book sea poster sale off "
    "street name number phone date time ticket train platform exit door floor"
).split()
PRESETS = {
    # image side, patch, vision tower, language model (Qwen2 architecture)
    "tiny": (
        16,
        4,
        dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2),
        dict(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            vocab_size=None,
        ),
    ),
    # Big enough on a CPU for the model, not Python overhead, to be most of the time.
    "small": (
        16,
        4,
        dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2),
        dict(
            hidden_size=256,
            intermediate_size=1024,
            num_hidden_layers=4,
            num_attention_heads=4,
            num_key_value_heads=2,
            vocab_size=32000,
        ),
    ),
    # Qwen2.5-3B's language model and CLIP ViT-L/14-336 (576 image tokens), as LLaVA joins them.
    "vlm-3b": (
        336,
        14,
        dict(
            hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16
        ),
        dict(
            hidden_size=2048,
            intermediate_size=11008,
            num_hidden_layers=36,
            num_attention_heads=16,
            num_key_value_heads=2,
            vocab_size=151936,
        ),
    ),
}


def llava_config(preset: str, tokenizer: Any) -> Any:
    from transformers import CLIPVisionConfig, LlavaConfig, Qwen2Config

    image_side, patch, vision, text = PRESETS[preset]
    # The tiny tokenizer's ids are all below a real vocabulary size; the LM head keeps the
    # real size, since projecting onto the vocabulary is part of the cost.
    text = text | {"vocab_size": text["vocab_size"] or len(tokenizer)}
    return LlavaConfig(
        vision_config=CLIPVisionConfig(image_size=image_side, patch_size=patch, **vision),
        text_config=Qwen2Config(
            **text,
            max_position_embeddings=32768,
            tie_word_embeddings=True,
            pad_token_id=tokenizer.pad_token_id,
        ),
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        vision_feature_select_strategy="default",
    )


def build_scorer(preset: str, device: str, batch_size: int) -> HFScorer:
    from transformers import LlavaForConditionalGeneration

    tokenizer = tiny_hf.train_tokenizer()
    dtype = torch.float32 if device == "cpu" else torch.bfloat16
    torch.manual_seed(0)
    with torch.device(device):
        model = LlavaForConditionalGeneration._from_config(
            llava_config(preset, tokenizer), dtype=dtype
        ).eval()
    image_side, patch = PRESETS[preset][:2]
    processor = tiny_hf.llava_processor(tokenizer, image_side, patch)
    return HFScorer(
        f"hf:{preset}", model, tokenizer, processor, HFOptions(batch_size=batch_size, device=device)
    )


def make_items(n: int, images: list[Path], with_image: bool) -> list[LossRequest]:
    rng = random.Random(0)

    def sentence(lo: int, hi: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi))).capitalize()

    items = []
    for i in range(n):
        question, answer = sentence(4, 16) + "?", sentence(3, 30) + "."
        if with_image:
            items.append(
                LossRequest(
                    (
                        Message("user", (Part(image=True), Part(question, scored=True))),
                        Message("assistant", (Part(answer, scored=True),)),
                    ),
                    images[i % len(images)],
                )
            )
        else:
            items.append(
                LossRequest(
                    (
                        Message("user", (Part(question),)),
                        Message("assistant", (Part(answer, scored=True),)),
                    )
                )
            )
    return items


def make_images(folder: Path, n: int) -> list[Path]:
    rng = random.Random(1)
    paths = []
    for i in range(n):
        image = Image.new("RGB", (64 + 16 * i, 48), tuple(rng.randrange(256) for _ in range(3)))
        paths.append(folder / f"{i}.png")
        image.save(paths[-1])
    return paths


def loop_losses(scorer: HFScorer, items: list[LossRequest]) -> list[float]:
    """One item per forward pass, then a per-token Python loop (the published scripts' way)."""
    model = scorer.forward.model
    device, dtype = scorer.forward.device, scorer.forward.dtype
    out = []
    with torch.no_grad():
        for item in items:
            image = Image.open(item.image).convert("RGB") if item.has_image else None
            encoded = scorer.encoder.encode(item, image)
            inputs: dict[str, Any] = {"input_ids": torch.tensor([encoded.input_ids], device=device)}
            for key, value in (encoded.images or {}).items():
                inputs[key] = value.to(device, dtype if value.is_floating_point() else None)
            logits = model(**inputs).logits
            total = 0.0
            for p in encoded.scored:
                log_probs = torch.log_softmax(logits[0, p - 1].float(), dim=-1)
                total += -log_probs[encoded.input_ids[p]].item()
            out.append(total / len(encoded.scored))
    return out


def _timed(fn: Any, *args: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn(*args)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=None,
        help="default: vlm-3b when a CUDA device is present, else tiny",
    )
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument(
        "--loop-items",
        type=int,
        default=None,
        help="items the slow loop scores (default: all; its rate is per item)",
    )
    parser.add_argument(
        "--batch-size", type=int, default=None, help="default: 32 (tiny), 64 (vlm-3b)"
    )
    parser.add_argument("--with-image", action="store_true", help="score L(Q,A|I) instead")
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    preset = args.preset or ("vlm-3b" if cuda else "tiny")
    device = "cuda" if cuda else "cpu"
    batch_size = args.batch_size or (64 if preset == "vlm-3b" else 32)
    scorer = build_scorer(preset, device, batch_size)
    n_params = sum(p.numel() for p in scorer.forward.model.parameters())
    with tempfile.TemporaryDirectory() as tmp:
        items = make_items(args.items, make_images(Path(tmp), 8), args.with_image)
        n_loop = min(args.loop_items or len(items), len(items))
        loop_losses(scorer, items[:2])  # warm-up: kernels, allocator, caches
        scorer.losses(items[:batch_size])
        loop, loop_s = _timed(loop_losses, scorer, items[:n_loop])
        ours, ours_s = _timed(lambda: [loss.loss for loss in scorer.losses(items)])
    diff = max(abs(a - b) for a, b in zip(loop, ours))
    loop_rate, ours_rate = n_loop / loop_s, len(items) / ours_s
    name = torch.cuda.get_device_name() if cuda else "cpu"
    what = "L(Q,A|I) with the image" if args.with_image else "L(A|Q), text only"
    print(
        f"model: {preset} LLaVA, {n_params / 1e9:.2f}B parameters, "
        f"{scorer.forward.dtype}, on {name}; items: {what}; batch size {batch_size}"
    )
    print(
        f"one at a time, per-token loop: {n_loop} items in {loop_s:.2f} s = {loop_rate:.2f} items/s"
    )
    print(
        f"hf scorer, batched:            {len(items)} items in {ours_s:.2f} s = "
        f"{ours_rate:.2f} items/s"
    )
    print(f"speedup {ours_rate / loop_rate:.1f}x; largest score difference {diff:.2e} nats")
    print(f"RESULT speedup={ours_rate / loop_rate:.2f} max_abs_diff={diff:.3g} device={name}")


if __name__ == "__main__":
    main()
