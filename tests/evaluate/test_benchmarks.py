"""Each benchmark format read from a small file in that format; detection; clear errors."""

import json
import pkgutil

import pytest

from llavar2.errors import UsageError
from llavar2.evaluate import FORMATS, TASKS, detect_format, formats, load_benchmark
from llavar2.registry import UnknownName

EXAMPLES = {
    "jsonl": ("b.jsonl", [{"id": "q1", "image": "a.jpg", "question": "What?", "answers": ["x"]}]),
    "textvqa": (
        "t.json",
        {
            "data": [
                {
                    "question_id": 34602,
                    "image_id": "abc",
                    "question": "What?",
                    "answers": ["x"] * 10,
                }
            ]
        },
    ),
    "docvqa": (
        "d.json",
        {
            "data": [
                {
                    "questionId": 7,
                    "image": "documents/x.png",
                    "question": "What?",
                    "answers": ["x", "y"],
                }
            ]
        },
    ),
    "chartqa": ("c.json", [{"imgname": "41699.png", "query": "What?", "label": "12.5"}]),
    "ocrbench": (
        "o.json",
        [
            {
                "image_path": "a.jpg",
                "question": "What?",
                "answers": "x",
                "type": "Scene Text-centric VQA",
                "dataset_name": "IIIT5K",
            }
        ],
    ),
    "caption": (
        "cap.json",
        {
            "data": [
                {
                    "image_id": "abc",
                    "caption_str": "a sign",
                    "reference_strs": ["a sign", "a red sign"],
                },
                {
                    "image_id": "abc",
                    "caption_str": "a red sign",
                    "reference_strs": ["a sign", "a red sign"],
                },
                {"image_id": "def", "caption_str": "a menu"},
            ]
        },
    ),
    "build": (
        "conversations.jsonl",
        [
            {
                "id": "img1",
                "image": "a.png",
                "duos": [
                    {"extractive": {"question": "Q1?", "answer": "A1"}, "self_explain": {}},
                    {"extractive": {"question": "Q2?", "answer": "A2"}, "self_explain": {}},
                ],
            }
        ],
    ),
}
WANT = {  # (id, image, question, answers) of the first item, and the item count
    "jsonl": (("q1", "a.jpg", "What?", ["x"]), 1),
    "textvqa": (("34602", "abc.jpg", "What?", ["x"] * 10), 1),
    "docvqa": (("7", "documents/x.png", "What?", ["x", "y"]), 1),
    "chartqa": (("0", "41699.png", "What?", ["12.5"]), 1),
    "ocrbench": (("0", "a.jpg", "What?", ["x"]), 1),
    "caption": (("abc", "abc.jpg", "", ["a sign", "a red sign"]), 2),
    "build": (("img1:0", "a.png", "Q1?", ["A1"]), 2),
}


def _write(tmp_path, name, obj):
    path = tmp_path / name
    if name.endswith(".jsonl"):
        path.write_text("".join(json.dumps(r) + "\n" for r in obj))
    else:
        path.write_text(json.dumps(obj))
    return path


@pytest.mark.parametrize("fmt", list(EXAMPLES))
def test_each_format_is_detected_and_read(tmp_path, fmt):
    bench = load_benchmark(_write(tmp_path, *EXAMPLES[fmt]))
    assert bench.format == fmt
    (first, n) = WANT[fmt]
    item = bench.items[0]
    assert (item.id, item.image, item.question, item.answers) == first
    assert len(bench.items) == n


def test_a_build_folder_gives_its_extractive_qa(tmp_path):
    _write(tmp_path, *EXAMPLES["build"])
    (tmp_path / "build.json").write_text(json.dumps({"images_dir": "/somewhere"}))
    bench = load_benchmark(tmp_path)
    assert bench.format == "build" and bench.task == "vqa"
    assert [(i.id, i.question, i.answers) for i in bench.items] == [
        ("img1:0", "Q1?", ["A1"]),
        ("img1:1", "Q2?", ["A2"]),
    ]
    assert str(bench.images_dir) == "/somewhere"


def test_format_can_be_forced(tmp_path):
    path = _write(tmp_path, *EXAMPLES["ocrbench"])
    assert load_benchmark(path, "ocrbench").format == "ocrbench"
    with pytest.raises(UsageError, match="missing field 'questionId'"):
        load_benchmark(_write(tmp_path, "t2.json", EXAMPLES["textvqa"][1]), "docvqa")


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"data": [{"foo": 1}]}), "cannot tell the benchmark format"),
        (json.dumps([]), "cannot tell"),
        (
            json.dumps({"data": [{"questionId": 1, "image": "a", "question": "q", "answers": []}]}),
            "answers must be non-empty",
        ),
        (json.dumps([{"imgname": "a.png", "query": "q"}]), "item 0: missing field 'label'"),
        (
            json.dumps(
                {
                    "data": [
                        {"questionId": 1, "image": "a", "question": "q", "answers": ["x"]},
                        {"questionId": 1, "image": "b", "question": "q", "answers": ["y"]},
                    ]
                }
            ),
            "id '1' appears twice",
        ),
    ],
)
def test_bad_files_give_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(UsageError, match=message):
        load_benchmark(path)


def test_unknown_format_and_missing_file(tmp_path):
    path = _write(tmp_path, *EXAMPLES["chartqa"])
    with pytest.raises(UnknownName, match="unknown benchmark format 'nope'"):
        load_benchmark(path, "nope")
    with pytest.raises(UsageError, match="is not a file"):
        load_benchmark(tmp_path / "absent.json")
    with pytest.raises(UsageError, match="not a build"):
        load_benchmark(tmp_path)


def test_every_module_in_formats_is_a_registered_format_with_an_example():
    """A new format is one file in llavar2/evaluate/formats/: imported and registered there,
    with its task, detector, priority and help (and an example above to test it by)."""
    modules = {m.name for m in pkgutil.iter_modules(formats.__path__) if m.name[0] != "_"}
    registered = {e.obj.__module__.rsplit(".", 1)[1] for e in FORMATS.entries()}
    assert modules == registered
    assert set(EXAMPLES) == set(FORMATS.names())
    for entry in FORMATS.entries():
        assert entry.help and entry.meta["task"] in TASKS and callable(entry.meta["detect"])
        assert isinstance(entry.meta["priority"], int)


def _data(*keys):
    return {"data": [dict.fromkeys(keys, 1)]}


def _list(*keys):
    return [dict.fromkeys(keys, 1)]


@pytest.mark.parametrize(
    "obj, fmt",
    [  # inputs with the fields of several formats, or of none, resolve as they always have
        (_data("caption_str", "questionId"), "caption"),
        (_data("reference_strs", "question_id", "image_id"), "caption"),
        (_data("questionId", "question_id", "image_id"), "docvqa"),
        (_data("question_id"), None),
        (_data("duos"), None),
        (_data("imgname", "query"), None),
        (_data("id", "image", "question", "answers"), None),
        ({"data": ["x"]}, None),
        ({"data": {"questionId": 1}}, None),
        (_list("duos", "imgname", "query"), "build"),
        (_list("imgname", "query", "image_path"), "chartqa"),
        (_list("imgname"), None),
        (_list("image_path", "id", "image", "question", "answers"), "ocrbench"),
        (_list("id", "image", "question"), None),
        (_list("caption_str"), None),
        (_list("question_id", "image_id"), None),
        (["x"], None),
        ({"questionId": 1}, None),
        ("text", None),
        (None, None),
    ],
)
def test_ambiguous_inputs_resolve_by_priority(obj, fmt):
    assert detect_format(obj) == fmt


def test_every_task_has_help_and_its_metrics_in_it():
    for entry in TASKS.entries():
        assert entry.help.endswith(", ".join(entry.obj.metrics))


def test_unknown_task_and_model_names_are_the_registries_errors():
    from llavar2.evaluate.answerers import AnswererOptions, make_answerer

    with pytest.raises(UnknownName, match="unknown task 'nope'"):
        TASKS.get("nope")
    with pytest.raises(UsageError, match="--model 'nope:x': unknown model 'nope' \\(known: .*hf"):
        make_answerer("nope:x", AnswererOptions())
