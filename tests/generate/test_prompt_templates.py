"""The phrasing files: loadable, versioned, and complete for every question type."""

import string

import pytest

from llavar2.backends.offline.candidates import ENTITY_TYPES, QUESTION_TYPES
from llavar2.backends.offline.layout import COLUMNS, ROWS
from llavar2.prompts import available_templates, load_template
from llavar2.text.entities import CREDIT_CUES

ENTITY_FORMS = {"anchored", "beside", "cloze", "alone"}
FORMS = {
    "title": {"default"},
    "region": {"only", "first"},
    **dict.fromkeys(ENTITY_TYPES, ENTITY_FORMS),
}


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_templates_load_by_name_and_version():
    expected = {"caption-instructions@1", "offline-enrich@1", "offline-qa@1"}
    assert expected <= set(available_templates())
    assert load_template("offline-qa@1").ref == "offline-qa@1"


@pytest.mark.parametrize("ref", ["offline-qa@99", "offline-qa", "../records@1"])
def test_unknown_template(ref):
    with pytest.raises(KeyError, match="unknown template"):
        load_template(ref)


def test_qa_template_covers_every_type_and_form():
    data = load_template("offline-qa@1").data
    assert set(data["questions"]) == set(QUESTION_TYPES)
    for qtype in QUESTION_TYPES:
        forms = FORMS.get(qtype, {"default"})
        assert set(data["questions"][qtype]) == forms
        reasons = data["reasons"]["entity" if qtype in ENTITY_TYPES else qtype]
        assert set(reasons) == forms
    assert set(data["regions"]) == {f"{row}-{column}" for row in ROWS for column in COLUMNS}
    assert set(data["roles"]) == set(CREDIT_CUES)
    assert set(data["entity_nouns"]) == set(ENTITY_TYPES)


def test_question_phrasings_use_only_known_placeholders():
    data = load_template("offline-qa@1").data
    known = {"where", "line", "answer", "label", "cue", "role", "context", "partner", "cloze"}
    known |= {"above", "noun"}
    for groups in (data["questions"], data["reasons"]):
        for forms in groups.values():
            for phrasings in forms.values():
                assert phrasings
                for phrasing in phrasings:
                    assert placeholders(phrasing) <= known
    for phrasing in data["explain_answers"]:
        assert {"where", "line", "reason"} <= placeholders(phrasing)
    assert len(set(data["explain_questions"])) >= 5


def test_caption_instructions_are_varied():
    instructions = load_template("caption-instructions@1").data["instructions"]
    assert len(set(instructions)) >= 8


def test_enrich_template_covers_rows_and_entity_kinds():
    data = load_template("offline-enrich@1").data
    assert set(data["rows"]) == set(ROWS)
    kinds = {"date", "time", "price", "percentage", "url", "email", "phone", "name"}
    assert kinds <= set(data["entity_items"])
    for forms in data["entity_items"].values():
        assert set(forms) == {"one", "many"}
        assert all(placeholders(phrasing) == {"quotes"} for phrasing in forms.values())
