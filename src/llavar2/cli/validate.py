"""llavar2 validate prepare | train | evaluate | report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..validate.settings import TrainSettings
from . import options as opt
from .common import comma_list, console, usage_error, usage_errors
from .late import Command, Defaults, late

PREPARE = Defaults("llavar2.validate.prepare:prepare")
EVALUATE_ARMS = Defaults("llavar2.validate.evaluate:evaluate_arms")
TRAIN = TrainSettings()  # the defaults of validate train (a light module: read up front)
DTYPES = ("auto", "float32", "bfloat16")

app = typer.Typer(
    no_args_is_help=True,
    help="Validation by fine-tuning: training arms from a filtered build, held-out items no "
    "arm trains on.",
)


@app.command("prepare", cls=Command)
def prepare(
    out: Annotated[Path, typer.Argument(help="A build folder after llavar2 filter.")],
    to: Annotated[
        Path,
        typer.Option("--to", help="A new folder for the plan, the arms and the held-out items."),
    ],
    n: Annotated[
        int,
        typer.Option(
            "--n",
            min=1,
            help="Duo conversations per trained arm (fewer when the kept or the dropped set "
            "is smaller: arms stay equal).",
        ),
    ] = PREPARE.n,
    seeds: Annotated[
        str, typer.Option(help="One sample of every arm per seed (comma list).")
    ] = late(lambda: ",".join(map(str, PREPARE.seeds()))),
    holdout: Annotated[
        float, typer.Option(help="Share of the images set aside for evaluation.")
    ] = PREPARE.holdout,
) -> None:
    """Equal-size arms (base: no training; control: the unfiltered pool; treatment: the kept
    duos; negative: the dropped duos), each a LLaVA JSON per seed, and TO/heldout.jsonl from
    images no arm trains on; TO/plan.json says what is where."""
    from ..validate.prepare import prepare as prepare_arms

    try:
        seed_list = tuple(int(x) for x in comma_list(seeds))
    except ValueError:
        raise usage_error(f"--seeds must be a comma list of integers, not {seeds!r}") from None
    if not seed_list:
        raise usage_error("--seeds needs at least one seed")
    with usage_errors():
        plan = prepare_arms(out, to, n, seed_list, holdout)
    console.print(
        f"arms of {plan['arm_size']} duos × {len(seed_list)} seeds "
        f"(pools: control {plan['arms']['control']['pool']}, treatment "
        f"{plan['arms']['treatment']['pool']}, negative "
        f"{plan['arms']['negative']['pool']}); {plan['holdout']['items']} held-out "
        f"items from {len(plan['holdout']['images'])} images → {to / 'plan.json'}"
    )


@app.command("train", cls=Command)
def train(
    val: Annotated[Path, typer.Argument(help="A folder written by llavar2 validate prepare.")],
    model: Annotated[
        Path,
        typer.Option(
            "--model",
            help="A local vision-language model folder (transformers "
            "AutoModelForImageTextToText; never downloaded).",
        ),
    ],
    arm: Annotated[str, typer.Option("--arm", help="control, treatment or negative.")],
    seed: Annotated[int, typer.Option("--seed", help="One of the plan's seeds.")],
    lora_rank: Annotated[int, typer.Option(min=1, help="LoRA rank.")] = TRAIN.lora_rank,
    lora_alpha: Annotated[int, typer.Option(min=1, help="LoRA alpha.")] = TRAIN.lora_alpha,
    lora_dropout: Annotated[
        float, typer.Option(min=0, max=1, help="LoRA dropout.")
    ] = TRAIN.lora_dropout,
    target_modules: Annotated[
        str | None,
        typer.Option(
            help="Regular expression over module names that get LoRA adapters (default: the "
            "language model's attention and MLP projections)."
        ),
    ] = None,
    train_module: Annotated[
        list[str] | None,
        typer.Option(
            "--train-module",
            help="A module trained in full beside the adapter (repeatable; e.g. lm_head).",
        ),
    ] = None,
    lr: Annotated[
        float, typer.Option("--lr", min=0, help="Peak learning rate (cosine schedule).")
    ] = TRAIN.learning_rate,
    epochs: Annotated[float, typer.Option(min=0, help="Epochs over the arm.")] = TRAIN.epochs,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Samples per device step.")
    ] = TRAIN.batch_size,
    grad_accum: Annotated[
        int, typer.Option(min=1, help="Steps per optimizer update.")
    ] = TRAIN.grad_accum,
    max_length: Annotated[
        int,
        typer.Option(
            min=16,
            help="Longer samples (image tokens included) are dropped before training and "
            "counted, never truncated.",
        ),
    ] = TRAIN.max_length,
    dtype: Annotated[
        str,
        typer.Option(
            help="auto (bfloat16 on a GPU that has it, else float32), float32 or bfloat16."
        ),
    ] = TRAIN.dtype,
    gradient_checkpointing: Annotated[
        bool, typer.Option(help="On a GPU: trade compute for memory.")
    ] = TRAIN.gradient_checkpointing,
    save_steps: Annotated[
        int,
        typer.Option(min=1, help="Checkpoint every N steps (a killed run resumes from the last)."),
    ] = TRAIN.save_steps,
    progress: opt.Progress = True,
) -> None:
    """LoRA fine-tuning of a local model on one arm (TRL SFT, answer-only loss) into
    VAL/runs/ARM/seed-S/ (adapter, merged model, train.json)."""
    from ..validate.train import train as train_arm

    if dtype not in DTYPES:
        raise usage_error(f"--dtype {dtype!r}: auto, float32 or bfloat16")
    settings = TrainSettings(
        lora_rank=lora_rank,
        lora_alpha=lora_alpha,
        lora_dropout=lora_dropout,
        target_modules=target_modules or TRAIN.target_modules,
        modules_to_save=tuple(train_module or ()),
        learning_rate=lr,
        epochs=epochs,
        batch_size=batch_size,
        grad_accum=grad_accum,
        max_length=max_length,
        dtype=dtype,
        gradient_checkpointing=gradient_checkpointing,
        save_steps=save_steps,
    )
    with usage_errors():
        summary = train_arm(val, model, arm, seed, settings, progress)
    probe = summary["loss_probe"]
    console.print(
        f"{arm} seed {seed}: {summary['samples']['trained']} samples trained "
        f"({summary['samples']['dropped']} dropped), {summary['steps']} steps; answer "
        f"loss {probe['before']:.3f} → {probe['after']:.3f} → "
        f"{val / 'runs' / arm / f'seed-{seed}'}"
    )


@app.command("evaluate", cls=Command)
def evaluate(
    val: Annotated[
        Path, typer.Argument(help="A folder with finished llavar2 validate train runs.")
    ],
    benchmark: Annotated[
        list[str] | None,
        typer.Option(
            "--benchmark",
            help="Another benchmark file (any llavar2 evaluate format), as FILE or "
            "FILE=IMAGES_DIR (repeatable).",
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model", help="The base model (default: the one the runs were trained from)."
        ),
    ] = None,
    max_new_tokens: Annotated[int, typer.Option(min=1, help="Longest answer, in tokens.")] = late(
        lambda: EVALUATE_ARMS.options().max_new_tokens
    ),
    device: Annotated[str | None, opt.device()] = None,
    progress: opt.Progress = True,
) -> None:
    """The base model and every trained run answer the held-out items (and each --benchmark)
    into VAL/eval/; resumable item by item."""
    from ..evaluate.answerers import AnswererOptions
    from ..validate.evaluate import evaluate_arms

    with usage_errors():
        written = evaluate_arms(
            val,
            benchmark or (),
            model,
            AnswererOptions(max_new_tokens=max_new_tokens, device=device),
            progress,
        )
    console.print(f"{len(written)} result files → {val / 'eval'}")


@app.command("report", cls=Command)
def report(
    val: Annotated[Path, typer.Argument(help="A folder after llavar2 validate evaluate.")],
) -> None:
    """Each metric per arm (mean ± std over seeds), Δ vs the control with a paired bootstrap
    interval, McNemar's test on exact match, and a chart: VAL/report/."""
    from ..validate.report import write_report

    with usage_errors():
        result = write_report(val)
    for bench, b in result["benchmarks"].items():
        metric = b["primary"]
        parts = []
        for arm, entry in b["arms"].items():
            m = entry["metrics"][metric]
            vs = entry["vs_control"].get(metric)
            parts.append(
                f"{arm} {m['mean']:.3f}"
                + (f"±{m['std']:.3f}" if m["std"] is not None else "")
                + (
                    f" (Δ {vs['diff']:+.3f} [{vs['ci95'][0]:+.3f}, {vs['ci95'][1]:+.3f}])"
                    if vs
                    else ""
                )
            )
        console.print(f"{bench} {metric}: " + "; ".join(parts))
    for warning in result["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"→ {val / 'report' / 'report.md'}")
