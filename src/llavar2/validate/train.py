"""``llavar2 validate train``: LoRA fine-tuning of a local vision-language model on one arm.

TRL's ``SFTTrainer`` with a PEFT LoRA adapter on the language model's linear layers, answer-only
loss (``collate``), samples longer than ``max_length`` dropped before training and counted.
Everything is read from the model folder (``local_files_only``): nothing is downloaded.

Writes ``VAL/runs/<arm>/seed-<s>/``: ``checkpoints/`` (kept while training; a killed run
resumes from the last one), ``adapter/``, ``merged/`` (adapter merged into the weights, with
the processor: what ``llavar2 evaluate --model hf:...`` and ``validate evaluate`` load),
``dropped.jsonl`` (sample ids left out, with the reason) and, last, ``train.json`` (settings,
counts, losses). A run whose ``train.json`` exists is done; another model or other settings
for the same arm and seed are refused.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..errors import ItemRejected, UsageError
from ..jsonl import write_json_atomic, write_jsonl_atomic
from .collate import IGNORE, AnswerOnlyCollator, Example, read_arm
from .prepare import PLAN
from .settings import TrainSettings

if TYPE_CHECKING:
    from peft import PeftModel

TRAIN = "train.json"
STARTED = "started.json"  # the record of a run whose checkpoints may be resumed
LOSS_SAMPLE = 64  # training samples whose mean loss is measured before and after training


def run_dir(val: Path, arm: str, seed: int) -> Path:
    return val / "runs" / arm / f"seed-{seed}"


def arm_file(val: Path, arm: str, seed: int) -> tuple[dict[str, Any], Path]:
    """The plan and the arm's training file for this seed (usage errors name what is missing)."""
    if not (val / PLAN).is_file():
        raise UsageError(f"{val / PLAN} not found: run llavar2 validate prepare first")
    plan = json.loads((val / PLAN).read_text(encoding="utf-8"))
    if arm == "base":
        raise UsageError("the base arm is the model without training: nothing to train")
    if arm not in plan["arms"]:
        raise UsageError(f"unknown arm {arm!r}; the plan has {', '.join(plan['arms'])}")
    files = plan["arms"][arm]["train"]
    if str(seed) not in files:
        raise UsageError(f"the plan has no seed {seed} (seeds: {', '.join(files)})")
    if not plan.get("images_dir"):
        raise UsageError(f"{val / PLAN} names no images folder (the build has no build.json)")
    return plan, val / files[str(seed)]


def _fit(
    examples: list[Example], collator: AnswerOnlyCollator, max_length: int
) -> tuple[list[Example], list[dict[str, Any]]]:
    """The examples that fit, and why each other one was left out."""
    kept, dropped = [], []
    for example in examples:
        try:
            length = collator.length(example)
        except ItemRejected as e:
            dropped.append({"id": example.id, "reason": e.reason, "detail": e.detail})
            continue
        except ValueError as e:  # the processor refuses this image (e.g. its aspect ratio)
            dropped.append(
                {
                    "id": example.id,
                    "reason": "processor_refused",
                    "detail": f"{type(e).__name__}: {e}",
                }
            )
            continue
        if length > max_length:
            dropped.append(
                {
                    "id": example.id,
                    "reason": "over_long",
                    "detail": f"{length} tokens > max_length {max_length}",
                }
            )
        else:
            kept.append(example)
    return kept, dropped


def mean_loss(
    model: Any, collator: AnswerOnlyCollator, examples: list[Example], batch_size: int
) -> float:
    """Mean answer-token loss over ``examples`` (no dropout, no gradients)."""
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.inference_mode():
        for i in range(0, len(examples), batch_size):
            # Pixel values in the model's dtype (a bfloat16 model on a GPU); ids stay integers.
            batch = collator(examples[i : i + batch_size]).to(model.device, dtype=model.dtype)
            labels = batch.pop("labels")
            targets = labels[:, 1:]
            answer = targets != IGNORE
            # Only the answer positions in float32: full-vocabulary logits of a whole batch
            # would take gigabytes.
            logits = model(**batch).logits[:, :-1][answer].float()
            total += float(
                torch.nn.functional.cross_entropy(logits, targets[answer], reduction="sum")
            )
            count += int(answer.sum())
    return total / max(count, 1)


def _dtype(name: str, cuda: bool) -> Any:
    import torch

    if name == "auto":
        return torch.bfloat16 if cuda and torch.cuda.is_bf16_supported() else torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16}[name]


def _record(model: Path, arm: str, seed: int, settings: TrainSettings) -> dict[str, Any]:
    record = {
        "model": str(model.resolve()),
        "arm": arm,
        "seed": seed,
        "settings": dataclasses.asdict(settings),
    }
    return dict(json.loads(json.dumps(record)))  # as read back from train.json


def _check_resumable(folder: Path, record: dict[str, Any]) -> bool:
    """Whether there are checkpoints to resume from; refused when another model or other
    settings wrote them."""
    if not any((folder / "checkpoints").glob("checkpoint-*")):
        return False
    started = folder / STARTED
    if not started.is_file() or json.loads(started.read_text(encoding="utf-8")) != record:
        raise UsageError(
            f"{folder} holds checkpoints of a run with another model or other "
            "settings; delete the folder to start over"
        )
    return True


def train(
    val: Path,
    model_path: Path,
    arm: str,
    seed: int,
    settings: TrainSettings = TrainSettings(),
    progress: bool = True,
    callbacks: list[Any] | None = None,
) -> dict[str, Any]:
    """Train (or resume training) one arm with one seed; returns ``train.json``'s content.
    ``callbacks``: more transformers ``TrainerCallback``s (e.g. to watch or stop the run)."""
    import torch
    import transformers
    from peft import LoraConfig
    from transformers import AutoModelForImageTextToText, AutoProcessor
    from trl import SFTConfig, SFTTrainer

    plan, path = arm_file(val, arm, seed)
    if not model_path.is_dir():
        raise UsageError(f"--model {model_path}: not a model folder")
    folder = run_dir(val, arm, seed)
    record = _record(model_path, arm, seed, settings)
    if (folder / TRAIN).is_file():
        done = json.loads((folder / TRAIN).read_text(encoding="utf-8"))
        if {k: done[k] for k in record} != record:
            raise UsageError(
                f"{folder} was trained with another model or other settings; "
                "delete the folder to train again"
            )
        return dict(done)
    resume = _check_resumable(folder, record)

    transformers.set_seed(seed)
    cuda = torch.cuda.is_available()
    if torch.cuda.device_count() > 1:
        # The Trainer would wrap the model in DataParallel: another effective batch size than
        # the settings say, and the saving is not limited to one process.
        raise UsageError(
            f"{torch.cuda.device_count()} GPUs are visible: train on one "
            "(CUDA_VISIBLE_DEVICES=k), and run other arms and seeds on the others"
        )
    processor = AutoProcessor.from_pretrained(model_path, local_files_only=True)
    model = AutoModelForImageTextToText.from_pretrained(
        model_path, local_files_only=True, dtype=_dtype(settings.dtype, cuda)
    )
    if cuda:
        # transformers types .to through a decorator that loses ``self``
        model = model.to("cuda")  # type: ignore[arg-type]
    collator = AnswerOnlyCollator(processor, settings.max_pixels)
    examples, dropped = _fit(
        read_arm(path, Path(plan["images_dir"])), collator, settings.max_length
    )
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl_atomic(folder / "dropped.jsonl", dropped)
    if not examples:
        raise UsageError(f"no sample of {path} fits max_length {settings.max_length}")
    probe = examples[:LOSS_SAMPLE]
    loss_before = mean_loss(model, collator, probe, settings.batch_size)

    from datasets import Dataset

    # The trainer only indexes the rows; the collator reads the examples by their position.
    rows = Dataset.from_dict(
        {"image": [str(e.image) for e in examples], "index": list(range(len(examples)))}
    )
    config = SFTConfig(
        output_dir=str(folder / "checkpoints"),
        seed=seed,
        data_seed=seed,
        num_train_epochs=settings.epochs,
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.batch_size,
        # warmup_steps below 1 is a share of the steps
        gradient_accumulation_steps=settings.grad_accum,
        warmup_steps=settings.warmup_ratio,
        lr_scheduler_type="cosine",
        logging_steps=1,
        save_strategy="steps",
        save_steps=settings.save_steps,
        save_total_limit=2,
        report_to=[],
        remove_unused_columns=False,
        dataset_kwargs={"skip_prepare_dataset": True},
        max_length=None,
        gradient_checkpointing=settings.gradient_checkpointing and cuda,
        bf16=_dtype(settings.dtype, cuda) == torch.bfloat16,
        use_cpu=not cuda,
        disable_tqdm=not progress,
        dataloader_num_workers=0,
    )
    lora = LoraConfig(
        r=settings.lora_rank,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules=settings.target_modules,
        task_type="CAUSAL_LM",
        modules_to_save=list(settings.modules_to_save) or None,
    )
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=rows,
        processing_class=processor,
        peft_config=lora,
        # TRL types collators as returning dict; a BatchFeature is the Mapping it is given
        data_collator=lambda batch: collator(  # type: ignore[arg-type,return-value]
            [examples[row["index"]] for row in batch]
        ),
        callbacks=callbacks,
    )
    write_json_atomic(folder / STARTED, record)
    result = trainer.train(resume_from_checkpoint=True if resume else None)
    adapted = cast("PeftModel", trainer.model)  # SFTTrainer wraps the model in its peft_config
    adapted.save_pretrained(str(folder / "adapter"))
    merged = adapted.merge_and_unload()
    loss_after = mean_loss(merged, collator, probe, settings.batch_size)
    merged.save_pretrained(folder / "merged")
    processor.save_pretrained(folder / "merged")
    losses = [
        {"step": h["step"], "loss": h["loss"]} for h in trainer.state.log_history if "loss" in h
    ]
    summary = {
        **record,
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "dtype": str(merged.dtype).removeprefix("torch."),
        "samples": {
            "arm": len(examples) + len(dropped),
            "trained": len(examples),
            "dropped": len(dropped),
            "dropped_by_reason": {
                r: sum(d["reason"] == r for d in dropped)
                for r in sorted({d["reason"] for d in dropped})
            },
        },
        "resumed": resume,
        "steps": trainer.state.global_step,
        "train_runtime_s": result.metrics.get("train_runtime"),
        "loss_probe": {"samples": len(probe), "before": loss_before, "after": loss_after},
        "losses": losses,
        "merged": "merged",
        "adapter": "adapter",
    }
    write_json_atomic(folder / TRAIN, summary)
    shutil.rmtree(folder / "checkpoints", ignore_errors=True)
    return summary
