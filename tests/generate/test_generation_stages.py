"""The enrich and qa stage functions: one output per input, rejects instead of crashes."""

import json
import os
import subprocess
import sys

from llavar2.backends import get_backend
from llavar2.generate.stage import converse, enrich, run
from llavar2.records import QA, ConversationSet, DuoConversation, EnrichedCaption, Reject


def content(record):
    """A record without its creation time, for comparing runs."""
    data = record.model_dump()
    data.get("provenance", {}).pop("created_at", None)
    return data


def run_stages(items, backend):
    captions = list(enrich(items, backend))
    triples = [(image, ocr, caption) for (image, ocr), caption in zip(items, captions)]
    return captions, list(converse(triples, backend))


class FailingFor:
    """Wraps a backend and raises for one image id."""

    def __init__(self, backend, bad_id):
        self.backend, self.bad_id = backend, bad_id
        self.name, self.model = backend.name, backend.model

    def enrich(self, image, ocr):
        if image.id == self.bad_id:
            raise RuntimeError("model exploded")
        return self.backend.enrich(image, ocr)

    def converse(self, image, ocr, caption):
        if image.id == self.bad_id:
            raise RuntimeError("model exploded")
        return self.backend.converse(image, ocr, caption)


def test_one_output_per_input_in_order(samples, empty_item):
    items = [*samples.values(), empty_item]
    captions, conversations = run_stages(items, get_backend("offline"))
    assert [c.id for c in captions] == [image.id for image, _ in items]
    assert all(isinstance(c, EnrichedCaption) for c in captions)
    assert [c.id for c in conversations] == [image.id for image, _ in items]
    assert all(isinstance(c, ConversationSet) for c in conversations[:-1])


def test_provenance(samples):
    backend = get_backend("offline", seed=7, n_duos=3)
    captions, conversations = run_stages(list(samples.values()), backend)
    for caption in captions:
        p = caption.provenance
        assert (p.stage, p.backend, p.model) == ("enrich", "offline", "offline-rules")
        assert p.template == "offline-enrich@1"
        assert p.params["seed"] == 7
    for conversation in conversations:
        p = conversation.provenance
        assert (p.stage, p.backend, p.model) == ("qa", "offline", "offline-rules")
        assert p.template == "offline-qa@1"
        assert p.params == {"seed": 7, "n_duos": 3}


def test_empty_ocr_gets_a_caption_but_no_conversation(empty_item):
    image, _ = empty_item
    (caption,), (conversation,) = run_stages([empty_item], get_backend("offline"))
    assert caption.caption.startswith(image.caption)
    assert isinstance(conversation, Reject)
    assert (conversation.stage, conversation.reason) == ("qa", "no_text")
    assert conversation.id == image.id
    assert (conversation.image, conversation.row) == (image.image, image.row)


def test_text_with_nothing_groundable_is_rejected(make_item):
    item = make_item("dense", "A page of prose", [("lorem ipsum dolor " * 20, 10, 10, 790, 30)])
    _, (conversation,) = run_stages([item], get_backend("offline"))
    assert isinstance(conversation, Reject) and conversation.reason == "no_groundable_text"


def test_backend_exception_becomes_reject_and_stage_goes_on(samples):
    items = list(samples.values())
    backend = FailingFor(get_backend("offline"), "receipt")
    captions = list(enrich(items, backend))
    bad = next(c for c in captions if c.id == "receipt")
    assert isinstance(bad, Reject)
    assert (bad.stage, bad.reason, bad.detail) == ("enrich", "generation_failed", "model exploded")
    assert sum(isinstance(c, EnrichedCaption) for c in captions) == len(items) - 1

    good = get_backend("offline")
    triples = [(image, ocr, good.enrich(image, ocr)) for image, ocr in items]
    conversations = list(converse(triples, backend))
    assert [c.reason for c in conversations if isinstance(c, Reject)] == ["generation_failed"]
    assert conversations[1].stage == "qa" and conversations[1].id == "receipt"
    assert sum(isinstance(c, ConversationSet) for c in conversations) == len(items) - 1


def test_run_chains_the_stages_in_input_order(samples, messy_item):
    mismatched = (samples["slide"][0], samples["menu"][1])  # enrich rejects it
    good = [samples["poster"], messy_item, samples["receipt"]]
    backend = get_backend("offline", seed=5)
    captions, conversations = run_stages(good, backend)
    got = list(run([good[0], mismatched, *good[1:]], backend))
    assert [c.id for c, _ in got] == ["poster", "slide", "messy", "receipt"]
    rejected, none = got[1]
    assert (rejected.stage, rejected.reason, none) == ("enrich", "id_mismatch", None)
    assert [content(c) for c, _ in got if c is not rejected] == list(map(content, captions))
    assert [content(c) for _, c in got if c is not None] == list(map(content, conversations))


def test_mismatched_records_are_rejected(samples):
    (image, _), (_, other_ocr) = samples["poster"], samples["receipt"]
    (reject,) = enrich([(image, other_ocr)], get_backend("offline"))
    assert isinstance(reject, Reject) and reject.reason == "id_mismatch"


def test_output_does_not_depend_on_processing_order(samples, messy_item):
    items = [*samples.values(), messy_item]
    backend = get_backend("offline", seed=3)
    forward = [list(map(content, outputs)) for outputs in run_stages(items, backend)]
    backward = [
        list(map(content, reversed(outputs))) for outputs in run_stages(items[::-1], backend)
    ]
    assert forward == backward
    alone = [content(o[0]) for o in run_stages([samples["slide"]], get_backend("offline", seed=3))]
    assert alone == [forward[0][3], forward[1][3]]


_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from conftest import build_item, SAMPLES
from llavar2.backends import get_backend
backend = get_backend("offline", seed=11)
out = []
for name, (caption, lines) in SAMPLES.items():
    image, ocr = build_item(name, caption, lines)
    enriched = backend.enrich(image, ocr)
    duos = backend.converse(image, ocr, enriched).model_dump()["duos"]
    out.append([enriched.caption, enriched.instruction, duos])
print(json.dumps(out))
"""


def test_same_output_in_processes_with_different_hash_seeds():
    here = os.path.dirname(__file__)
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        command = [sys.executable, "-c", _SCRIPT, here]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1]


class AnswersOcrMisread:
    """The offline backend, with one duo whose answer reads the sign right where OCR did not."""

    def __init__(self):
        self.offline = get_backend("offline")

    def enrich(self, image, ocr):
        return self.offline.enrich(image, ocr)

    def converse(self, image, ocr, caption):
        made = self.offline.converse(image, ocr, caption)
        duo = DuoConversation(
            qtype="sign",
            evidence=[0],
            extractive=QA(question="What does the sign promise?", answer="bound by honor"),
            self_explain=QA(question="Why?", answer="It reads bound by honor."),
        )
        return made.model_copy(update={"duos": [duo]})


def test_converse_grounds_fuzzily_by_default_and_exactly_on_request(make_item):
    item = make_item("sign", "A sign", [("We are bound by bonor", 10, 10, 790, 60)])
    backend = AnswersOcrMisread()
    triples = [(*item, backend.enrich(*item))]
    (fuzzy,) = converse(triples, backend)
    assert isinstance(fuzzy, ConversationSet)
    assert fuzzy.duos[0].grounding.source == "ocr" and 0.8 <= fuzzy.duos[0].grounding.score < 1
    (exact,) = converse(triples, backend, grounding="exact")
    assert isinstance(exact, Reject) and exact.reason == "no_kept_duos"
    assert "ungrounded_answer" in exact.detail
