"""``llavar2 judge``: a chat model rates a task set the way people do, and its ratings file has a
rater's schema, so ``llavar2 human-eval analyze`` sets it against the people.

``read@1`` (pointwise): every duo task on the human rubric, after the LLaVA/LLaVAR GPT-4 review
protocol: the image stands as its enriched caption and its clean OCR text (``--with-image``
attaches the image too). ``pairwise@1``: every image task, its two captions compared once in the
page's order and once swapped; a verdict that changes with the order is *position
inconsistency*, counted, and recorded as a tie. Each request is asked ``repeats`` times (with
other seeds); the verdict is the median (ordinal) or the most frequent value (nominal) of the
parsable replies. A reply that does not parse, or a value outside the rubric, is null and
counted, never averaged in.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import OpenAIConfig
from ..errors import ItemRejected, UsageError
from ..layout import BUILD, recorded_images_dir
from ..prompts import Template, load_template
from ..report.build_files import Build
from .page import SCHEMA_VERSION
from .ratings import TaskSet
from .sample import SampleConfig, sample_build

if TYPE_CHECKING:
    from ..clients.openai import ChatSession

# The blocks of the judge's prompts: text inside them cannot close one early (see defuse).
DELIMITERS = ("caption", "ocr_text", "caption_a", "caption_b")
RUBRICS = {"read@1": ("judge-read@1", "duo"), "pairwise@1": ("judge-pairwise@1", "image")}


def _first_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` (fences, prose and other braces around it allowed)."""
    decoder = json.JSONDecoder()
    for start in (m.start() for m in re.finditer(r"\{", text)):
        try:
            data, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            return data
    return None


def _option(value: Any, options: list[Any]) -> Any:
    """``value`` as one of ``options`` ("4" and 4.0 as 4, "Yes" as "yes"), or None."""
    if isinstance(value, bool):
        return None
    if all(isinstance(o, int) for o in options):
        if isinstance(value, str) and value.strip().isdecimal():
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return value if isinstance(value, int) and value in options else None
    if isinstance(value, str):
        return next((o for o in options if str(o).lower() == value.strip().lower()), None)
    return None


def parse_reply(text: str, criteria: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The criteria's values from a reply (its first JSON object); None when no object parses.
    A value outside a criterion's options is None."""
    data = _first_object(text or "")
    if data is None:
        return None
    return {c["key"]: _option(data.get(c["key"]), c["options"]) for c in criteria}


def combine(values: Sequence[Any], criterion: dict[str, Any]) -> Any:
    """The verdict of several ratings: the lower median on an ordinal scale, else the most
    frequent value; None when none was given, or when two values are most frequent (a split
    vote is no verdict)."""
    given = [v for v in values if v is not None]
    if not given:
        return None
    options = criterion["options"]
    if criterion["scale"] == "ordinal":
        return options[statistics.median_low(options.index(v) for v in given)]
    ranked = Counter(given).most_common()
    return None if len(ranked) > 1 and ranked[0][1] == ranked[1][1] else ranked[0][0]


def _filled(template: Template, **values: str) -> str:
    """The template's user prompt with ``values``, each inside its block (see ``defuse``)."""
    from ..backends.llm.messages import defuse, fill  # not at import: loads the openai client

    return fill(template.data["user"], **{k: defuse(v, DELIMITERS) for k, v in values.items()})


def _contexts(out: Path, ids: set[str]) -> dict[str, dict[str, Any]]:
    """Per image id: the enriched caption, the clean OCR text and the image file."""
    images_dir = recorded_images_dir(out)
    if images_dir is None:
        raise UsageError(f"{out} has no {BUILD}: the images folder is unknown")
    found = {}
    for entry in Build(out).entries():
        if entry.image.id in ids:
            found[entry.image.id] = {
                "caption": entry.caption.caption if entry.caption else entry.image.caption,
                "ocr_text": (entry.ocr.clean_text if entry.ocr else "") or "(no text found)",
                "image": images_dir / entry.image.image,
            }
    return found


class Judge:
    def __init__(
        self, config: OpenAIConfig, rubric: str, repeats: int, with_image: bool, max_pixels: int
    ):
        from ..clients.openai import ChatSession

        if rubric not in RUBRICS:
            raise UsageError(f"unknown rubric {rubric!r}; one of {', '.join(RUBRICS)}")
        template_name, self.kind = RUBRICS[rubric]
        self.rubric = rubric
        self.template: Template = load_template(template_name)
        human = load_template("rubric-read@1")
        self.criteria = human.data[self.kind]
        self.config = config.model_copy(update={"response_format": "json_object"})
        self.with_image = with_image
        # One session per repeat: the seed is part of each request (and of its cache key). They
        # share the first one's usage, so that --max-requests and the counts are per run.
        self.sessions: list[ChatSession] = []
        for seed in range(repeats):
            shared = self.sessions[0].usage if self.sessions else None
            self.sessions.append(ChatSession(self.config, seed, max_pixels, shared))
        self.parse_failures = 0
        self.flips = 0

    def _messages(self, user: str, image: Path) -> list[dict[str, Any]]:
        from ..clients.openai import image_reference

        content: list[dict[str, Any]] = [{"type": "text", "text": user}]
        if self.with_image:  # the client puts the image's data URL in place of the reference
            sha = hashlib.sha256(image.read_bytes()).hexdigest()
            reference = image_reference(sha, self.config.image_max_side)
            content = [
                {"type": "image_url", "image_url": {"url": reference}},
                {"type": "text", "text": user + "\n" + self.template.data["with_image"]},
            ]
        return [
            {"role": "system", "content": self.template.data["system"]},
            {"role": "user", "content": content},
        ]

    async def _ask(
        self, session: ChatSession, user: str, image: Path, criteria: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        try:
            reply = await session.client.complete(
                self._messages(user, image), "judgement", {}, image
            )
        except ItemRejected:
            return None
        return parse_reply(reply.content, criteria)

    def _duo_prompt(self, task: dict[str, Any], ctx: dict[str, Any]) -> str:
        return _filled(
            self.template,
            caption=ctx["caption"],
            ocr_text=ctx["ocr_text"],
            question=task["question"],
            answer=task["answer"],
            explain_question=task["explain_question"],
            explain_answer=task["explain_answer"],
        )

    def _pair_prompt(self, ctx: dict[str, Any], a: str, b: str) -> str:
        return _filled(self.template, ocr_text=ctx["ocr_text"], caption_a=a, caption_b=b)

    def rate(
        self, tasks: list[dict[str, Any]], contexts: dict[str, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """One ratings item per task (values null where no repeat gave one)."""
        replies: list[list[Any]] = [[] for _ in tasks]
        pref = [c for c in self.criteria if c["key"] == "preference"]
        for session in self.sessions:

            async def ask(i: int, session: ChatSession = session) -> Any:
                task, ctx = tasks[i], contexts[tasks[i]["id"]]
                if self.kind == "duo":
                    return await self._ask(
                        session, self._duo_prompt(task, ctx), ctx["image"], self.criteria
                    )
                first = await self._ask(
                    session,
                    self._pair_prompt(ctx, task["caption_a"], task["caption_b"]),
                    ctx["image"],
                    pref,
                )
                second = await self._ask(
                    session,
                    self._pair_prompt(ctx, task["caption_b"], task["caption_a"]),
                    ctx["image"],
                    pref,
                )
                return first, second

            for i, got in enumerate(session.run_ordered(ask, range(len(tasks)))):
                replies[i].append(got)
        return [self._item(task, got) for task, got in zip(tasks, replies)]

    def _item(self, task: dict[str, Any], replies: list[Any]) -> dict[str, Any]:
        if self.kind == "duo":
            # A reply that does not parse, or holds a value outside the rubric, failed.
            self.parse_failures += sum(r is None or None in r.values() for r in replies)
            parsed = [r for r in replies if r is not None]
            values = {c["key"]: combine([r[c["key"]] for r in parsed], c) for c in self.criteria}
        else:
            verdicts = []
            for first, second in replies:
                self.parse_failures += sum(
                    r is None or r["preference"] is None for r in (first, second)
                )
                a = first and first["preference"]
                b = second and {"A": "B", "B": "A"}.get(second["preference"], second["preference"])
                if a and b and a != b:
                    self.flips += 1
                    verdicts.append("tie")
                else:
                    verdicts.append(a or b)
            pref = next(c for c in self.criteria if c["key"] == "preference")
            values = {c["key"]: None for c in self.criteria}
            values["preference"] = combine(verdicts, pref)
        unjudged = [k for k, v in values.items() if v is None] if self.kind == "duo" else []
        return {
            "task_id": task["task_id"],
            "values": values,
            "cannot_judge": unjudged,
            "comment": "",
            "time_ms": 0,
            "updated_at": "",
        }

    def report(self) -> dict[str, Any]:
        usage = self.sessions[0].report()  # all sessions share its counters
        return {
            "requests": usage.get("requests", 0),
            "cache_hits": usage.get("cache_hits", 0),
            "parse_failures": self.parse_failures,
            "position_flips": self.flips,
        }

    def close(self) -> None:
        for s in self.sessions:
            s.close()


def judge_build(
    out: Path,
    config: OpenAIConfig,
    rubric: str = "read@1",
    repeats: int = 1,
    tasks_folder: Path | None = None,
    with_image: bool = False,
    max_pixels: int = 0,
) -> tuple[Path, dict[str, Any]]:
    """Rate a task set (``tasks_folder``, made by ``llavar2 human-eval sample`` from ``out``;
    default: ``out/judge``, every duo and image of the build) and write
    ``<folder>/ratings/ratings-judge-<rubric name>.json``. Returns (the file, its summary)."""
    from ..imaging import DEFAULT_MAX_PIXELS

    folder = tasks_folder or out / "judge"
    if tasks_folder is None and not (folder / "tasks.jsonl").exists():
        everything = 1 << 62
        sample_build(
            out,
            folder,
            SampleConfig(
                n=everything,
                images=everything,
                strata=(),
                raters=("judge",),
                overlap=0.0,
                pages=False,
            ),
        )
    task_set = TaskSet.load(folder)
    built_from = task_set.assignments.get("build")
    if built_from and Path(built_from).resolve() != out.resolve():
        raise UsageError(f"{folder} samples the build {built_from}, not {out}")
    judge = Judge(config, rubric, repeats, with_image, max_pixels or DEFAULT_MAX_PIXELS)
    try:
        tasks = [t for t in task_set.tasks.values() if t["kind"] == judge.kind]
        if not tasks:
            raise UsageError(f"{folder} has no {judge.kind} tasks for the {rubric} rubric")
        items = judge.rate(tasks, _contexts(out, {t["id"] for t in tasks}))
        summary = {
            "model": config.model,
            "rubric": rubric,
            "template": judge.template.ref,
            "repeats": repeats,
            "with_image": with_image,
            "tasks": len(tasks),
            **judge.report(),
        }
    finally:
        judge.close()
    rater = f"judge-{rubric.split('@')[0]}"
    path = folder / "ratings" / f"ratings-{rater}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "schema_version": SCHEMA_VERSION,
                "task_set_sha256": task_set.sha256,
                "rater": rater,
                "rubric": "rubric-read@1",
                "judge": summary,
                "items": items,
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    return path, summary
