"""Selection by score: thresholds, unscorable duos, top-k and top fraction, with a scores.jsonl
the test writes; the expected selection is recomputed here with plain loops."""

import math
import random

import pytest

from llavar2.errors import UsageError
from llavar2.filter import stage
from llavar2.filter.config import FilterConfig, ScoreSelection
from llavar2.jsonl import read_jsonl, write_jsonl_atomic
from llavar2.layout import DROPPED, FILTER_REPORT, KEPT
from llavar2.records import (
    QA,
    ConversationSet,
    DuoConversation,
    DuoScores,
    EnrichedCaption,
    OcrLine,
    OcrResult,
    Provenance,
)

PROV = Provenance(stage="qa", backend="offline", model="rules", template="t@1")
NAMES = ("mifd", "ffd", "ifd", "vfd")


def make_build(out, n_images=6, n_duos=4, seed=0):
    """A build whose duos all pass the rule filters (distinct, grounded, English)."""
    rng = random.Random(seed)
    ocr, captions, convs = [], [], []
    for i in range(n_images):
        lines = [
            f"Item {i}-{k} costs {rng.randint(1, 99)} dollars at counter {k}" for k in range(n_duos)
        ]
        ocr.append(
            OcrResult(
                id=f"img{i}",
                image=f"{i}.png",
                engine="x",
                width=9,
                height=9,
                lines=[OcrLine(text=t, box=[[0, 0]] * 4, score=1) for t in lines],
                text="\n".join(lines),
            )
        )
        captions.append(
            EnrichedCaption(
                id=f"img{i}",
                image=f"{i}.png",
                human_caption="A menu",
                caption="A menu with prices.",
                instruction="Describe.",
                provenance=PROV,
            )
        )
        duos = [
            DuoConversation(
                qtype="text",
                evidence=[k],
                extractive=QA(question=f"What is written on line {k} of menu {i}?", answer=t),
                self_explain=QA(
                    question="Where is that written in the image?",
                    answer=f'Line {k} of the menu says "{t}", near the counter.',
                ),
            )
            for k, t in enumerate(lines)
        ]
        convs.append(ConversationSet(id=f"img{i}", image=f"{i}.png", duos=duos, provenance=PROV))
    write_jsonl_atomic(out / "ocr.jsonl", ocr)
    write_jsonl_atomic(out / "captions.jsonl", captions)
    write_jsonl_atomic(out / "conversations.jsonl", convs)
    return [(c.id, k) for c in convs for k in range(len(c.duos))]


def write_scores(out, keys, seed=0, none_share=0.15, skip=()):
    rng = random.Random(seed)
    rows = {}
    for key in keys:
        if key in skip:
            continue
        ratios = {
            n: (None if rng.random() < none_share else round(rng.uniform(0.5, 1.5), 4))
            for n in NAMES
        }
        rows[key] = DuoScores(
            id=key[0],
            duo=key[1],
            scorer="test",
            model="m",
            context="facts",
            losses={},
            unscorable={n: "too_long" for n, v in ratios.items() if v is None},
            **ratios,
        )
    rows_list = list(rows.values())
    rng.shuffle(rows_list)  # a scorer may write in any order
    write_jsonl_atomic(out / "scores.jsonl", rows_list)
    return rows


def reference(keys, rows, sel):
    """Plain re-implementation of DESIGN §4 selection: (kept keys, {dropped key: reason})."""
    limits = [(n, getattr(sel, f"{n}_max")) for n in NAMES]
    dropped, survivors = {}, []
    for key in keys:
        row = rows.get(key)
        reason = None
        for name, limit in limits:
            if limit is None:
                continue
            value = getattr(row, name) if row else None
            if value is None:
                if not sel.keep_unscorable:
                    reason = "unscorable"
                    break
            elif value > limit:
                reason = f"{name}_above_max"
                break
        if reason is None and (sel.top_k is not None or sel.top_fraction is not None):
            value = getattr(row, sel.rank_by) if row else None
            if value is None and not sel.keep_unscorable:
                reason = "unscorable"
            elif value is not None:
                survivors.append((value, len(survivors), key))
        if reason:
            dropped[key] = reason
    if survivors:
        n = len(survivors)
        k = sel.top_k if sel.top_k is not None else math.floor(sel.top_fraction * n)
        for _, _, key in sorted(survivors)[k:]:
            dropped[key] = "below_top"
    return [key for key in keys if key not in dropped], dropped


def outputs(out):
    kept = [(c.id, d) for c in read_jsonl(out / KEPT, ConversationSet) for d in c.duos]
    dropped = list(read_jsonl(out / DROPPED))
    return kept, dropped


@pytest.mark.parametrize(
    "sel",
    [
        ScoreSelection(),
        ScoreSelection(mifd_max=None, ffd_max=None),
        ScoreSelection(mifd_max=1.2, ffd_max=None, ifd_max=0.9, vfd_max=1.3),
        ScoreSelection(keep_unscorable=True),
        ScoreSelection(mifd_max=None, ffd_max=None, top_k=5, rank_by="ffd"),
        ScoreSelection(top_k=3, keep_unscorable=True),
        ScoreSelection(top_fraction=0.5, rank_by="ifd", ffd_max=None),
        ScoreSelection(mifd_max=None, ffd_max=None, top_k=1000),
    ],
)
def test_selection_matches_the_reference(tmp_path, sel):
    keys = make_build(tmp_path)
    rows = write_scores(tmp_path, keys, skip={keys[3]})
    report = stage.run(tmp_path, FilterConfig(scores=sel))
    want_kept, want_dropped = reference(keys, rows, sel)

    kept, dropped = outputs(tmp_path)
    convs = {c.id: c.duos for c in read_jsonl(tmp_path / "conversations.jsonl", ConversationSet)}
    assert kept == [(i, convs[i][k]) for i, k in want_kept]
    assert {(d["id"], d["duo"]): d["reason"] for d in dropped} == want_dropped
    for d in dropped:  # each dropped duo keeps its scores, when it has any
        key = (d["id"], d["duo"])
        assert d["conversation"] == convs[key[0]][key[1]].model_dump(mode="json")
        assert d["scores"] == (rows[key].model_dump(mode="json") if key in rows else None)
    assert report["kept"]["duos"] == len(want_kept)
    assert report["scores"]["duos_without_scores"] == 1
    assert report["params"]["scores"] == sel.model_dump(mode="json")


def test_top_fraction_rounds_down_and_ties_go_to_the_earlier_duo(tmp_path):
    keys = make_build(tmp_path, n_images=1, n_duos=5)
    rows = write_scores(tmp_path, keys, none_share=0)
    for key, value in zip(keys, [0.7, 0.5, 0.7, 0.9, 0.5]):
        rows[key] = rows[key].model_copy(update={"mifd": value})
    write_jsonl_atomic(tmp_path / "scores.jsonl", rows.values())
    sel = ScoreSelection(mifd_max=None, ffd_max=None, top_fraction=0.7)  # 3.5 → 3
    stage.run(tmp_path, FilterConfig(scores=sel))
    kept, dropped = outputs(tmp_path)
    assert [c.extractive.answer for _, c in kept] == [
        read_jsonl_duo(tmp_path, k).extractive.answer for k in (0, 1, 4)
    ]
    assert {d["duo"]: d["detail"] for d in dropped}[2].startswith("mIFD 0.7 ranks 4 of 5")


def read_jsonl_duo(out, k):
    (conv,) = read_jsonl(out / "conversations.jsonl", ConversationSet)
    return conv.duos[k]


def test_without_scores_the_rules_alone_apply(tmp_path):
    keys = make_build(tmp_path)
    report = stage.run(tmp_path, FilterConfig(scores=ScoreSelection(top_k=1)))
    assert report["scores"] is None and report["params"]["scores"] is None
    assert report["kept"]["duos"] == len(keys) and report["dropped"]["duos"] == 0


def test_bad_scores_are_usage_errors(tmp_path):
    keys = make_build(tmp_path)
    rows = write_scores(tmp_path, keys)
    first = next(iter(rows.values()))
    write_jsonl_atomic(tmp_path / "scores.jsonl", [first, first])
    with pytest.raises(UsageError, match=r"scores.jsonl:2: .* scored twice"):
        stage.run(tmp_path, FilterConfig())
    (tmp_path / "scores.jsonl").write_text('{"id": "img0"}\n')
    with pytest.raises(UsageError, match=r"scores.jsonl:1: not a DuoScores record"):
        stage.run(tmp_path, FilterConfig())
    assert not (tmp_path / FILTER_REPORT).exists()  # nothing written from bad input


@pytest.mark.parametrize(
    "cfg, message",
    [
        (FilterConfig(rules=["length", "nope"]), r"^unknown filter rule 'nope' \(known: "),
        (FilterConfig(rule_params={"length": {"max_words": 3}}), "unexpected keyword"),
        (FilterConfig(rule_params={"nope": {}}), "parameters given for unknown rules: nope"),
    ],
)
def test_bad_rule_settings_are_usage_errors(tmp_path, cfg, message):
    make_build(tmp_path)
    with pytest.raises(UsageError, match=message):
        stage.run(tmp_path, cfg)
    assert not (tmp_path / FILTER_REPORT).exists()
