"""Per task: the prompt suffix and the metrics, as lmms-eval uses them (DESIGN §5).

Suffixes are lmms-eval's ``default`` ``post_prompt`` of each task (read in
EvolvingLMMs-Lab/lmms-eval ``lmms_eval/tasks/<task>/``): TextVQA and DocVQA
``"\\nAnswer the question using a single word or phrase."``, ChartQA
``"\\nAnswer the question with a single word."``, OCRBench the question alone, TextCaps the fixed
instruction ``"Provide a one-sentence caption for the provided image."`` instead of a question.
The first metric of a task is its headline score (what the robustness suite tracks).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..registry import Registry

CAPTION_METRICS = ("bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider")


@dataclass(frozen=True)
class Task:
    name: str
    suffix: str  # appended to the question
    metrics: tuple[str, ...]  # the first is the headline score
    caption_prompt: str | None = None  # captioning: the instruction replaces the question
    source: str = "lmms-eval default post_prompt"


TASKS: Registry[Task] = Registry("task")
_SHORT = "\nAnswer the question using a single word or phrase."


def _add(task: Task, prompt: str) -> None:
    """Register ``task``; its help says what the model is asked, then the metrics."""
    TASKS.register(task.name, help=f"{prompt}; metrics {', '.join(task.metrics)}")(task)


_add(
    Task("textvqa", _SHORT, ("vqa_accuracy", "exact_match", "anls")),
    "asks for a single word or phrase",
)
_add(Task("docvqa", _SHORT, ("anls", "exact_match")), "asks for a single word or phrase")
_add(
    Task("chartqa", "\nAnswer the question with a single word.", ("relaxed_accuracy",)),
    "asks for a single word",
)
_add(Task("ocrbench", "", ("ocrbench",)), "asks the question alone")
_add(
    Task(
        "caption",
        "",
        CAPTION_METRICS,
        caption_prompt="Provide a one-sentence caption for the provided image.",
        source="lmms-eval textcaps prompt",
    ),
    "asks for a one-sentence caption",
)
# Our JSONL and a build's extractive QA: short answers with 1+ references, no official tool.
_add(
    Task(
        "vqa",
        _SHORT,
        ("anls", "exact_match", "contains"),
        source="lmms-eval textvqa/docvqa default post_prompt",
    ),
    "asks for a single word or phrase",
)
# llavar2 validate's held-out questions, asked as the arms were trained on them (no
# post-prompt): exact match first, for McNemar's test.
_add(
    Task(
        "extractive",
        "",
        ("exact_match", "anls", "contains"),
        source="llavar2 validate: the question as in training",
    ),
    "asks the question alone, as in training",
)
