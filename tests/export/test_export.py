import json

from llavar2.export.formats import EXPORTERS
from llavar2.export.stage import run
from llavar2.jsonl import read_jsonl, write_jsonl_atomic
from llavar2.records import QA, ConversationSet, DuoConversation, EnrichedCaption, Provenance


def _build_folder(tmp_path):
    prov = Provenance(stage="x", backend="offline", model="rules", template="t@1")
    captions = [
        EnrichedCaption(
            id=i,
            image=f"{i}.png",
            human_caption="h",
            caption=f"caption {i}",
            instruction="Describe the image in detail.",
            provenance=prov,
        )
        for i in ("a", "b")
    ]
    duo = DuoConversation(
        qtype="title",
        evidence=[0],
        extractive=QA(question="What is the title?", answer="SALE"),
        self_explain=QA(question="Where is it?", answer='At the top: "SALE".'),
    )
    convs = [ConversationSet(id="b", image="b.png", duos=[duo, duo], provenance=prov)]
    write_jsonl_atomic(tmp_path / "captions.jsonl", captions)
    write_jsonl_atomic(tmp_path / "conversations.jsonl", convs)
    return tmp_path


def test_llava_export_has_a_caption_sample_per_image_and_four_turns_per_duo(tmp_path):
    out = _build_folder(tmp_path)
    exported = run(out, "llava")
    path, n = exported.path, exported.samples
    data = json.loads(path.read_text())
    assert n == len(data) == 4
    assert [d["id"] for d in data] == ["a-caption", "b-caption", "b-qa0", "b-qa1"]
    assert data[0]["image"] == "a.png"
    assert data[0]["conversations"] == [
        {"from": "human", "value": "<image>\nDescribe the image in detail."},
        {"from": "gpt", "value": "caption a"},
    ]
    turns = data[2]["conversations"]
    assert [t["from"] for t in turns] == ["human", "gpt", "human", "gpt"]
    assert turns[0]["value"] == "<image>\nWhat is the title?" and turns[1]["value"] == "SALE"
    assert "<image>" not in turns[2]["value"]


def test_messages_export_puts_the_image_part_in_the_first_user_turn(tmp_path):
    out = _build_folder(tmp_path)
    exported = run(out, "messages")
    path, n = exported.path, exported.samples
    rows = list(read_jsonl(path))
    assert n == len(rows) == 4 and path.name == "messages.jsonl"
    first = rows[2]
    assert first["images"] == ["b.png"]
    assert first["messages"][0] == {
        "role": "user",
        "content": [{"type": "image"}, {"type": "text", "text": "What is the title?"}],
    }
    assert [m["role"] for m in first["messages"]] == ["user", "assistant", "user", "assistant"]
    assert all(len(m["content"]) == 1 for m in first["messages"][1:])


def test_empty_build_exports_an_empty_list(tmp_path):
    (tmp_path / "captions.jsonl").write_text("")
    exported = run(tmp_path, "llava")
    path, n = exported.path, exported.samples
    assert n == 0 and json.loads(path.read_text()) == []
    assert set(EXPORTERS.names()) >= {"llava", "messages"}


def test_kept_export_keeps_the_duos_positions_in_their_ids(tmp_path):
    import pytest

    from llavar2.errors import UsageError

    out = _build_folder(tmp_path)
    (conv,) = read_jsonl(out / "conversations.jsonl", ConversationSet)
    other = conv.duos[0].model_copy(update={"qtype": "other"})
    conv = conv.model_copy(update={"duos": [conv.duos[0], other]})
    write_jsonl_atomic(out / "conversations.jsonl", [conv])
    write_jsonl_atomic(out / "kept.jsonl", [conv.model_copy(update={"duos": [other]})])
    path = run(out, "llava", kept=True).path
    assert [d["id"] for d in json.loads(path.read_text())] == ["a-caption", "b-caption", "b-qa1"]
    write_jsonl_atomic(out / "kept.jsonl", [conv.model_copy(update={"duos": [other, other]})])
    with pytest.raises(UsageError, match="rerun llavar2 filter"):
        run(out, "llava", kept=True)
