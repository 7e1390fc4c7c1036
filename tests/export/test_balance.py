"""export --balance DIM --cap SHARE: no category over the cap, as many samples kept as the cap
allows, the same seed the same samples."""

import json

import pytest
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.errors import UsageError
from llavar2.export.balance import balanced, quotas
from llavar2.export.samples import Sample, Turn

runner = CliRunner()


def test_quotas_cap_the_large_categories_and_keep_the_small_ones_whole():
    # 60/20/20 with a cap of 40%: T = 20 + 20 + 0.4 T → T = 66.7, so 66 samples, "a" keeps 26.
    q = quotas({"a": 60, "b": 20, "c": 20}, 0.4)
    assert q == {"a": 26, "b": 20, "c": 20}
    assert all(n <= 0.4 * sum(q.values()) for n in q.values())
    # Two categories over the cap: 60/30/10 → T = 0.8 T + 10 → T = 50.
    assert quotas({"a": 60, "b": 30, "c": 10}, 0.4) == {"a": 20, "b": 20, "c": 10}


def test_quotas_leave_a_mix_already_under_the_cap_alone():
    assert quotas({"a": 30, "b": 30, "c": 40}, 0.4) == {"a": 30, "b": 30, "c": 40}


def test_a_cap_too_small_for_the_number_of_categories_is_refused():
    with pytest.raises(UsageError, match="cannot each stay under"):
        quotas({"a": 5, "b": 5, "c": 5}, 0.2)


def samples(n_by_image):
    return [
        Sample(f"{image}-qa{k}", f"{image}.png", [Turn("user", "q"), Turn("assistant", "a")])
        for image, n in n_by_image.items()
        for k in range(n)
    ]


def test_balanced_keeps_a_seeded_subset_in_export_order():
    rows = samples({"x1": 30, "x2": 30, "y1": 20, "z1": 20})
    categories = {"x1": "x", "x2": "x", "y1": "y", "z1": "z"}
    kept, per = balanced(lambda: rows, categories, cap=0.4, seed=3)
    kept = list(kept)
    assert per == {
        "x": {"samples": 60, "kept": 26},
        "y": {"samples": 20, "kept": 20},
        "z": {"samples": 20, "kept": 20},
    }
    assert len(kept) == 66 and [r for r in rows if r in kept] == kept
    again, _ = balanced(lambda: rows, categories, cap=0.4, seed=3)
    other, _ = balanced(lambda: rows, categories, cap=0.4, seed=4)
    assert list(again) == kept and list(other) != kept


@pytest.mark.slow
def test_the_cli_balances_a_build_by_kind(tmp_path):
    from llavar2.testing.builds import filtered_sample_build

    out = filtered_sample_build(tmp_path, 10)
    result = runner.invoke(
        app,
        [
            "export",
            str(out),
            "--all",
            "--to",
            str(tmp_path / "b.json"),
            "--balance",
            "kind",
            "--cap",
            "0.4",
        ],
    )
    assert result.exit_code == 0, result.output
    kinds = {
        json.loads(line)["id"]: json.loads(line)["meta"].get("kind")
        for line in open(out / "images.jsonl")
    }
    rows = json.loads((tmp_path / "b.json").read_text())
    by_kind = {}
    for row in rows:
        image = row["id"].rsplit("-", 1)[0]
        by_kind[kinds[image]] = by_kind.get(kinds[image], 0) + 1
    assert max(by_kind.values()) <= 0.4 * len(rows)
    assert "balanced by kind (cap 40%)" in result.output
    result = runner.invoke(app, ["export", str(out), "--balance", "kind"])
    assert result.exit_code == 2 and "go together" in result.output
    result = runner.invoke(app, ["export", str(out), "--balance", "qtype", "--cap", "0.5"])
    assert result.exit_code == 2 and "one of source, kind" in result.output


def test_cap_messages_and_exact_shares():
    with pytest.raises(UsageError, match="at least 4 are needed"):
        quotas({"a": 5, "b": 5, "c": 5}, 0.3)
    with pytest.raises(UsageError, match="no samples"):
        quotas({}, 0.5)
    # 0.29 × 100 is 28.999… in floating point; the cap is exact.
    assert quotas({"a": 71, "b": 29}, 0.71)["a"] == 71
