"""``stage.run`` with a concurrent backend: both stages' requests share one stream through the
openai backend (against the local fake server), and every item still gets its outcome in order."""

from PIL import Image

from llavar2.backends import get_backend
from llavar2.config import OpenAIConfig
from llavar2.generate.stage import converse, enrich, run
from llavar2.records import Reject

from .conftest import SAMPLES, build_item


def content(record):
    """A record without its creation time, for comparing runs."""
    data = record.model_dump()
    data.get("provenance", {}).pop("created_at", None)
    return data


def test_run_with_the_openai_backend_matches_the_stages_run_one_after_the_other(
    tmp_path, chat_server, api_key
):
    items = [build_item(name, caption, lines) for name, (caption, lines) in SAMPLES.items()]
    for image, _ in items:
        Image.new("RGB", (64, 48), "white").save(tmp_path / image.image)
    items.insert(2, (items[0][0], items[1][1]))  # enrich rejects it: its records disagree
    config = OpenAIConfig(
        model="fake-vlm",
        base_url=chat_server().url,
        api_key_env="LLAVAR2_TEST_OPENAI_KEY",
        concurrency=3,
    )
    backend = get_backend("openai", config=config, images_dir=tmp_path)
    try:
        got = list(run(items, backend))
        captions = list(enrich(items, backend))
        triples = [(*item, c) for item, c in zip(items, captions) if not isinstance(c, Reject)]
        conversations = list(converse(triples, backend))
    finally:
        backend.close()
    assert [content(c) for c, _ in got] == list(map(content, captions))
    assert got[2][1] is None and got[2][0].reason == "id_mismatch"
    assert [content(c) for _, c in got if c is not None] == list(map(content, conversations))
