"""Backend lookup and the offline backend's contract."""

import pytest

from llavar2.backends import BACKENDS, Backend, get_backend
from llavar2.records import ConversationSet, EnrichedCaption, ImageRecord, OcrLine, OcrResult


def item():
    lines = [
        ("MENU", 100, 20, 700, 120),
        ("Soup $4.50", 100, 300, 400, 330),
        ("Bread $2.00", 100, 350, 400, 380),
    ]
    ocr_lines = [
        OcrLine(text=t, box=[[a, b], [c, b], [c, d], [a, d]], score=0.9) for t, a, b, c, d in lines
    ]
    image = ImageRecord(
        id="menu",
        image="menu.jpg",
        caption="A menu board",
        row=0,
        sha256="menu",
        width=800,
        height=800,
        format="JPEG",
    )
    ocr = OcrResult(
        id="menu",
        image="menu.jpg",
        engine="test",
        width=800,
        height=800,
        lines=ocr_lines,
        text="\n".join(line.text for line in ocr_lines),
    )
    return image, ocr


def test_offline_is_registered():
    assert "offline" in BACKENDS.names()
    backend: Backend = get_backend("offline")
    assert (backend.name, backend.model) == ("offline", "offline-rules")


def test_backends_describe_themselves_and_say_which_take_a_model():
    assert all(entry.help for entry in BACKENDS.entries())
    needs_model = {name: BACKENDS.meta(name, "needs_model") for name in BACKENDS.names()}
    assert all(isinstance(needs, bool) for needs in needs_model.values())
    assert needs_model["offline"] is False and needs_model["openai"] is True


def test_unknown_backend():
    with pytest.raises(KeyError, match="unknown backend 'nope'"):
        get_backend("nope")


def test_options():
    backend = get_backend("offline", seed=5, n_duos=2)
    image, ocr = item()
    conversations = backend.converse(image, ocr, backend.enrich(image, ocr))
    assert len(conversations.duos) == 2
    with pytest.raises(ValueError, match="n_duos"):
        get_backend("offline", n_duos=0)
    with pytest.raises(TypeError):
        get_backend("offline", temperature=0.7)


def test_records_round_trip_as_json():
    backend = get_backend("offline")
    image, ocr = item()
    caption = backend.enrich(image, ocr)
    conversations = backend.converse(image, ocr, caption)
    assert EnrichedCaption.model_validate_json(caption.model_dump_json()) == caption
    assert ConversationSet.model_validate_json(conversations.model_dump_json()) == conversations
    assert caption.caption.startswith("A menu board. ")
    assert (conversations.id, conversations.image) == ("menu", "menu.jpg")


def test_backends_are_independent_of_each_other():
    image, ocr = item()
    first, second = get_backend("offline", seed=1), get_backend("offline", seed=1)
    second.enrich(*item())  # using one instance must not change what another produces
    assert (
        first.converse(image, ocr, first.enrich(image, ocr)).duos
        == second.converse(image, ocr, second.enrich(image, ocr)).duos
    )
