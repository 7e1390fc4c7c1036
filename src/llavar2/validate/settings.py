"""The settings of ``llavar2 validate train`` (no heavy imports: the CLI takes its defaults
from here)."""

from __future__ import annotations

from dataclasses import dataclass

from ..imaging import DEFAULT_MAX_PIXELS

# The language model's attention and MLP projections (LLaVA, Qwen2-VL, Gemma 3 ... in
# transformers 5 name the text model "language_model", Idefics3 and SmolVLM "text_model"); the
# vision tower stays frozen.
LM_LINEAR = (
    r".*(language_model|text_model)\..*\."
    r"(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"
)


@dataclass(frozen=True)
class TrainSettings:
    lora_rank: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: str = LM_LINEAR  # a regular expression over module names
    modules_to_save: tuple[str, ...] = ()  # trained in full beside the adapter (e.g. lm_head)
    learning_rate: float = 2e-4
    epochs: float = 1.0
    batch_size: int = 4
    grad_accum: int = 4
    warmup_ratio: float = 0.03
    max_length: int = 2048
    dtype: str = "auto"  # bfloat16 on a GPU that has it, else float32 (no float16: it would
    # need loss scaling, and a module trained in full would take AdamW steps in half precision)
    gradient_checkpointing: bool = True
    save_steps: int = 200
    max_pixels: int = DEFAULT_MAX_PIXELS
