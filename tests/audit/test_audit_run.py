"""llavar2 audit on builds whose skews are known: the divergences, drop-rate ratios and subgroup
gaps come out as their closed forms; the dataset card is valid Croissant and reads the build."""

import json
from math import log2

import pytest
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.testing.skewed_builds import write_skewed_build

runner = CliRunner()


def jsd(p, q):
    m = [(a + b) / 2 for a, b in zip(p, q)]

    def kl(x):
        return sum(a * log2(a / c) for a, c in zip(x, m) if a > 0)

    return (kl(p) + kl(q)) / 2


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("audit")
    # 30 images of source a (3 of 10 duos dropped each), 20 of b (1 of 10 dropped).
    out = write_skewed_build(
        root / "out",
        {"a": (30, 10, 3), "b": (20, 10, 1)},
        ocr_text={
            "a-0": "CONTACT\nmail jane.doe@example.com\nTEL: 03-8024 6600",
            "b-0": "TOTAL 12.50\n15-03-2018",
        },
        captions={f"a-{i}": "A woman smiling at a market stall." for i in range(6)},
    )
    reference = write_skewed_build(root / "ref", {"a": (25, 10, 0), "b": (25, 10, 0)})
    return out, reference


@pytest.fixture(scope="module")
def audited(builds):
    out, reference = builds
    result = runner.invoke(app, ["audit", str(out), "--reference", str(reference), "--no-progress"])
    assert result.exit_code == 0, result.output
    return json.loads((out / "audit" / "audit.json").read_text()), result.output


def test_the_mix_against_a_reference_is_its_closed_form(audited):
    audit, output = audited
    source = audit["dimensions"]["source"]
    vs = source["vs_reference"]
    assert vs["jsd"] == pytest.approx(jsd([0.6, 0.4], [0.5, 0.5]), abs=1e-12)
    assert [(m["category"], m["status"]) for m in vs["misrepresented"]] == [
        ("a", "over"),
        ("b", "under"),
    ]
    assert source["largest"] == {"category": "a", "share": pytest.approx(0.6)}
    assert source["effective_number"] == pytest.approx(2 ** (-(0.6 * log2(0.6) + 0.4 * log2(0.4))))
    assert "source: JSD 0.007 bits, 2 misrepresented" in output


def test_a_target_of_the_same_shares_gives_the_same_divergence(builds, audited, tmp_path):
    out, _ = builds
    target = tmp_path / "target.json"
    target.write_text(json.dumps({"source": {"a": 1, "b": 1}}))
    copy = write_skewed_build(tmp_path / "copy", {"a": (30, 10, 3), "b": (20, 10, 1)})
    result = runner.invoke(app, ["audit", str(copy), "--target", str(target), "--no-progress"])
    assert result.exit_code == 0, result.output
    audit = json.loads((copy / "audit" / "audit.json").read_text())
    assert audit["dimensions"]["source"]["vs_target"]["jsd"] == pytest.approx(
        audited[0]["dimensions"]["source"]["vs_reference"]["jsd"]
    )
    assert "vs_target" not in audit["dimensions"]["kind"]  # the target names only source


def test_filtering_that_drops_one_source_three_times_as_often_is_flagged(audited):
    audit, output = audited
    f = audit["filtering"]["source"]
    a, b = f["groups"]["a"], f["groups"]["b"]
    assert (a["n"], a["dropped"], a["rate"]) == (300, 90, pytest.approx(0.3))
    assert a["ratio_vs_rest"] == pytest.approx(3.0) and a["flagged"]
    assert b["ratio_vs_rest"] == pytest.approx(1 / 3) and b["flagged"]
    assert a["ci95"][0] < 0.3 < a["ci95"][1]
    # The kept mix moved from 300:200 to 210:180.
    assert f["jsd_pool_vs_kept"] == pytest.approx(jsd([0.6, 0.4], [210 / 390, 180 / 390]))
    assert "filtering dropped unevenly: source=a, source=b" in output


def test_personal_data_and_identity_terms_are_counted_for_review(audited):
    audit, _ = audited
    pii = audit["personal_data"]
    assert pii["matches"] == {"email": 1, "phone": 1} and pii["items_with_pii"] == 1
    assert {row["kind"] for row in pii["listed"]} == {"email", "phone"}
    assert all("jane" not in row["masked"] for row in pii["listed"])
    identity = audit["identity"]
    assert identity["mentions"]["gender"] == {"woman": 6}
    assert identity["texts_with_mention"]["human caption"] == 6


def test_the_report_and_the_dataset_card_are_written(builds, audited):
    out, _ = builds
    md = (out / "audit" / "audit.md").read_text()
    assert "## Before and after filtering" in md and "| a | 300 | 210 | 30.0%" in md
    assert (out / "audit" / "plots" / "source.png").read_bytes()[:4] == b"\x89PNG"
    card = json.loads((out / "croissant.json").read_text())
    assert card["rai:hasSyntheticData"] is True
    assert any("source: JSD" in b for b in card["rai:dataBiases"])
    assert any("a duos were dropped at 30.0%" in b for b in card["rai:dataBiases"])
    assert "1 of 2 images' OCR text" in card["rai:personalSensitiveInformation"]
    assert "## Data risks" in (out / "dataset_card.md").read_text()


def test_the_croissant_card_validates_and_reads_the_records(builds, audited):
    import mlcroissant as mlc

    out, _ = builds
    dataset = mlc.Dataset(jsonld=out / "croissant.json")
    records = list(dataset.records("conversations"))
    assert len(records) == 50
    assert {r["conversations/id"].decode() for r in records} == {
        f"{s}-{i}" for s, n in (("a", 30), ("b", 20)) for i in range(n)
    }


def own_copy(builds, tmp_path):
    """The audited build copied: an audit writes into its build, and other tests read it."""
    import shutil

    return shutil.copytree(builds[0], tmp_path / "out")


def test_model_scores_by_subgroup_have_their_gap_and_ratio(builds, tmp_path):
    out = own_copy(builds, tmp_path)
    result_file = tmp_path / "result.json"
    items = [{"id": f"a-{i}:{k}", "exact_match": 1.0} for i in range(30) for k in range(2)]
    items += [
        {"id": f"b-{i}:{k}", "exact_match": float(k == 0)} for i in range(20) for k in range(2)
    ]
    items.append({"id": "elsewhere-1", "exact_match": 0.0})
    (tmp_path / "result.items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in items))
    result_file.write_text(
        json.dumps(
            {"model": "hf:m", "primary_metric": "exact_match", "items_file": "result.items.jsonl"}
        )
    )
    result = runner.invoke(
        app,
        ["audit", str(out), "--eval", str(result_file), "--by", "source,qtype", "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    ev = json.loads((out / "audit" / "audit.json").read_text())["eval"]
    assert (ev["matched"], ev["unmatched"]) == (100, 1)
    gap = ev["by"]["source"]["largest_gap"]
    assert (gap["high"], gap["low"]) == ("a", "b")
    assert gap["difference"] == pytest.approx(0.5) and gap["ratio"] == pytest.approx(0.5)
    assert ev["by"]["qtype"]["groups"]["type0"]["mean"] == pytest.approx(1.0)


def test_usage_errors(builds, tmp_path):
    out, reference = builds
    bad = tmp_path / "target.json"
    bad.write_text(json.dumps({"colour": {"red": 1}}))
    for args, says in (
        (["--target", str(bad)], "unknown dimension 'colour'"),
        (["--reference", str(reference), "--target", str(bad)], "not both"),
        (["--by", "colour", "--eval", str(bad)], "--by 'colour'"),
        (["--reference", str(tmp_path)], "not a build folder"),
    ):
        result = runner.invoke(app, ["audit", str(out), *args, "--no-progress"])
        assert result.exit_code == 2 and says in " ".join(result.output.split()), result.output


def test_drops_in_one_source_only_and_a_build_without_duos_do_not_break_the_card(tmp_path):
    out = write_skewed_build(tmp_path / "one", {"a": (10, 4, 2), "b": (10, 4, 0)})
    result = runner.invoke(app, ["audit", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    card = json.loads((out / "croissant.json").read_text())
    assert any(
        "a duos were dropped at 50.0%, while the rest lost none" in b
        for b in card["rai:dataBiases"]
    )
    # No duos at all, against a target that names a duo dimension: nothing to divide.
    bare = write_skewed_build(tmp_path / "bare", {"a": (3, 0, 0)})
    target = tmp_path / "target.json"
    target.write_text(json.dumps({"qtype": {"type0": 1}, "source": {"a": 1, "zz": 1}}))
    result = runner.invoke(app, ["audit", str(bare), "--target", str(target), "--no-progress"])
    assert result.exit_code == 0, result.output
    audit = json.loads((bare / "audit" / "audit.json").read_text())
    assert audit["dimensions"]["qtype"]["vs_target"]["jsd"] is None
    assert audit["warnings"] == [
        "target qtype: 'type0' does not occur in this build",
        "target source: 'zz' does not occur in this build",
    ]
    assert "'zz' does not occur" in " ".join(result.output.split())


def test_eval_of_another_file_is_refused_and_bad_rows_are_unmatched(builds, tmp_path):
    out = own_copy(builds, tmp_path)
    items = [
        {"id": "a-0:0", "exact_match": 1.0},
        {"exact_match": 1.0},
        {"id": "a-0:1", "exact_match": float("nan")},
        {"id": "b-0:0", "exact_match": 0.0},
    ]
    (tmp_path / "r.items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in items))
    result_file = tmp_path / "r.json"
    for benchmark, code in (
        ({"format": "build", "sha256": "0" * 64, "file": "kept.jsonl"}, 2),
        ({"format": "jsonl", "file": "heldout.jsonl"}, 0),
    ):
        result_file.write_text(
            json.dumps(
                {
                    "model": "m",
                    "primary_metric": "exact_match",
                    "items_file": "r.items.jsonl",
                    "benchmark": benchmark,
                }
            )
        )
        result = runner.invoke(
            app, ["audit", str(out), "--eval", str(result_file), "--no-progress"]
        )
        assert result.exit_code == code, result.output
    assert "it evaluated kept.jsonl" not in result.output
    ev = json.loads((out / "audit" / "audit.json").read_text())["eval"]
    assert (ev["matched"], ev["unmatched"]) == (2, 2)
    result_file.write_text("[1, 2]")
    result = runner.invoke(app, ["audit", str(out), "--eval", str(result_file), "--no-progress"])
    assert result.exit_code == 2 and "not a llavar2 evaluate result" in " ".join(
        result.output.split()
    )


def test_the_card_records_the_license_and_mlcroissant_finds_no_error(builds, audited, tmp_path):
    import mlcroissant as mlc

    out = write_skewed_build(tmp_path / "lic", {"a": (2, 1, 0)})
    result = runner.invoke(app, ["audit", str(out), "--license", "CC-BY-4.0", "--no-progress"])
    assert result.exit_code == 0, result.output
    card = json.loads((out / "croissant.json").read_text())
    assert card["license"] == "CC-BY-4.0" and "url" not in card
    issues = mlc.Dataset(jsonld=out / "croissant.json").metadata.ctx.issues
    assert not issues.errors
    assert [w for w in issues.warnings if "citeAs" not in w] == []


@pytest.mark.slow
def test_the_audit_is_the_same_in_every_process(tmp_path):
    """Tied categories and sums over a union of categories follow a fixed order, not the hash
    order of strings, which changes from process to process."""
    import os
    import subprocess
    import sys

    out = write_skewed_build(tmp_path / "out", {s: (2, 2, 1) for s in "abcdefgh"})
    ref = write_skewed_build(tmp_path / "ref", {s: (3, 2, 0) for s in "abcdefgh"})
    written = []
    for hash_seed in ("1", "2"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "llavar2.cli",
                "audit",
                str(out),
                "--reference",
                str(ref),
                "--no-progress",
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        written.append(
            ((out / "audit" / "audit.md").read_bytes(), (out / "audit" / "audit.json").read_bytes())
        )
    assert written[0] == written[1]
