"""The rating page of llavar2 human-eval (docs/human-eval.md) in headless Chromium, opened from
disk as a rater would: rated with real key presses and mouse clicks, autosaved and restored on
reload, exported and imported, showing hostile texts literally, with no console errors or
warnings and no request leaving the page's folder."""

import base64
import io
import json
import time
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from llavar2.human_eval.page import render_page
from llavar2.prompts import load_template
from llavar2.testing.chromium import HeadlessPage

pytestmark = pytest.mark.slow  # a headless Chromium per module, a few seconds
ARTIFACT = Path(__file__).resolve().parents[2] / ".artifacts" / "annotate-page.png"
PLACEHOLDER = '"__LLAVAR2_DATA__"'
SHA = "5e" * 32
READY = 'document.body.dataset.ready === "1"'
ITEM_KEYS = {"task_id", "values", "cannot_judge", "comment", "time_ms", "updated_at"}
HOSTILE = (
    "Is <b>this</b> bold? <!--<script> </script><script>window.pwned = 1</script>"
    '<img src="x.png" onerror="window.pwned = 2"> &amp; &lt;i&gt; "quoted" \'single\''
)
DUO_KEYS = ["correctness", "grounded", "hallucination", "question_quality"]
IMAGE_KEYS = ["preference", "hallucination_a", "hallucination_b"]


def template_text() -> str:
    return (resources.files("llavar2.human_eval") / "assets" / "annotate.html").read_text(
        encoding="utf-8"
    )


def png(color: str, text: str) -> bytes:
    image = Image.new("RGB", (180, 120), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 170, 110), outline="black", width=3)
    draw.text((24, 50), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def page_data() -> dict:
    template = load_template("rubric-read@1")
    data_url = "data:image/png;base64," + base64.b64encode(png("#cde", "EMBEDDED")).decode()
    tasks = [
        {
            "task_id": "duo:img-a:0",
            "kind": "duo",
            "image": "images/a.png",
            "question": "What is the total on the receipt?",
            "answer": "$12.50",
            "explain_question": "How do you know?",
            "explain_answer": "The last line of the receipt reads TOTAL 12.50.",
        },
        {
            "task_id": "duo:img-b:1",
            "kind": "duo",
            "image": "images/b.png",
            "question": "Which street is on the sign?",
            "answer": "Main St",
            "explain_question": "Where is it written?",
            "explain_answer": "On the green sign.",
        },
        {
            "task_id": "image:img-a",
            "kind": "image",
            "image": "images/a.png",
            "caption_a": "A receipt from a grocery store.",
            "caption_b": "A grocery receipt whose total reads 12.50, dated 3 May.",
        },
        {
            "task_id": "duo:img-c:0",
            "kind": "duo",
            "image": data_url,
            "question": HOSTILE,
            "answer": "<script>window.pwned = 3</script>",
            "explain_question": "Line one\nline two",
            "explain_answer": "</textarea><p>x</p>",
        },
    ]
    return {
        "schema_version": 1,
        "task_set_sha256": SHA,
        "rater": "r1",
        "title": "llavar2 human evaluation",
        "rubric": {**template.data, "ref": template.ref},
        "tasks": tasks,
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """annotate-r1.html with its images/, made as `human-eval sample` does (render_page)."""
    root = tmp_path_factory.mktemp("human-eval")
    (root / "images").mkdir()
    (root / "images" / "a.png").write_bytes(png("#fff8e0", "TOTAL 12.50"))
    (root / "images" / "b.png").write_bytes(png("#dfd", "MAIN ST"))
    data = page_data()
    text = template_text()
    assert text.count(PLACEHOLDER) == 1
    page = root / "annotate-r1.html"
    page.write_text(render_page(data), encoding="utf-8")
    return SimpleNamespace(
        root=root, url=page.as_uri(), data=data, ids=[t["task_id"] for t in data["tasks"]]
    )


def fresh_page(site) -> HeadlessPage:
    """The page in a browser of its own, so with nothing in its local storage. (Emptying the
    storage of a browser between pages would race the page's last save on `pagehide`.)"""
    browser = HeadlessPage(width=1000, height=820)
    try:
        open_page(browser, site)
        assert browser.evaluate("window.llavar2.ratings().items") == []
    except BaseException:
        browser.close()
        raise
    return browser


@pytest.fixture
def page(site):
    with fresh_page(site) as page:
        yield page


def open_page(page, site):
    page.evaluate('document.body.dataset.ready = "0"')
    page.open(site.url)
    page.wait_for(READY)


def assert_quiet(page, site):
    assert page.errors == []
    assert page.warnings == []
    assert page.requests, "the requests were not recorded"
    assert [
        u
        for u in page.requests
        if not (u.startswith("data:") or u.startswith(site.root.as_uri() + "/"))
    ] == []


def ratings(page) -> dict:
    return page.evaluate("window.llavar2.ratings()")


def items(page) -> dict:
    return {i["task_id"]: i for i in ratings(page)["items"]}


def shown(page) -> str:
    return page.evaluate("document.body.dataset.task")


def current_criterion(page) -> str:
    return page.evaluate('document.querySelector(".criterion.current").dataset.key')


def press_to(page, key, task_id):
    page.press(key)
    page.wait_for(f"document.body.dataset.task === {json.dumps(task_id)}")


def pressed(page) -> dict:
    """Per criterion shown: the index of its chosen option (None) and whether cannot judge is
    on, as the buttons show them."""
    return page.evaluate(
        'Object.fromEntries(Array.from(document.querySelectorAll(".criterion")).map(c => {'
        " const b = c.querySelector('.option[aria-pressed=\"true\"]');"
        " return [c.dataset.key, [b ? Number(b.dataset.index) : null,"
        ' c.querySelector(".cannot-judge").getAttribute("aria-pressed") === "true"]]; }))'
    )


def text_of(page, selector) -> str:
    return page.evaluate(
        f"document.querySelector({json.dumps(selector)}).value"
        f" ?? document.querySelector({json.dumps(selector)}).textContent"
    )


def rate_two(page, site, screenshot: Path | None = None) -> dict:
    """The first task with the keyboard only, the second with the mouse only; returns the
    values, cannot_judge lists and comments they must end up with."""
    first, second = site.ids[0], site.ids[1]
    assert shown(page) == first
    assert current_criterion(page) == "correctness"
    page.press("2")
    page.press("4")  # changes it
    page.press("ArrowDown")
    assert current_criterion(page) == "grounded"
    page.press("9")  # grounded has three options: ignored
    page.press("3")
    page.press("ArrowDown")
    page.press("x")
    page.press("x")  # cannot judge, and back
    page.press("1")
    page.press("ArrowDown")
    page.press("x")
    page.press("ArrowDown")  # already on the last criterion
    assert current_criterion(page) == "question_quality"
    page.press("ArrowUp")
    assert current_criterion(page) == "hallucination"
    page.press("/")
    assert page.evaluate("document.activeElement.id") == "comment"
    page.type("x1n/p glare")  # shortcuts are text here
    page.press("Escape")
    assert page.evaluate("document.activeElement.id") != "comment"
    assert shown(page) == first
    assert pressed(page) == {
        "correctness": [3, False],
        "grounded": [2, False],
        "hallucination": [0, False],
        "question_quality": [None, True],
    }
    assert page.evaluate('document.getElementById("progress").textContent') == "1 / 4 rated"
    press_to(page, "ArrowRight", second)

    page.click('.criterion[data-key="correctness"] .option[data-index="1"]')
    page.click('.criterion[data-key="grounded"] .cannot-judge')
    if screenshot is not None:  # mid-rating: one chosen option, one cannot judge
        assert current_criterion(page) == "grounded"
        page.screenshot(screenshot)
    page.click('.criterion[data-key="grounded"] .option[data-index="0"]')  # clears cannot judge
    page.click('.criterion[data-key="hallucination"] .option[data-index="1"]')
    page.click('.criterion[data-key="question_quality"] .option[data-index="4"]')
    assert pressed(page) == {
        "correctness": [1, False],
        "grounded": [0, False],
        "hallucination": [1, False],
        "question_quality": [4, False],
    }
    assert page.evaluate('document.getElementById("progress").textContent') == "2 / 4 rated"
    return {
        first: {
            "values": {
                "correctness": 4,
                "grounded": "yes",
                "hallucination": "no",
                "question_quality": None,
            },
            "cannot_judge": ["question_quality"],
            "comment": "x1n/p glare",
        },
        second: {
            "values": {
                "correctness": 2,
                "grounded": "no",
                "hallucination": "yes",
                "question_quality": 5,
            },
            "cannot_judge": [],
            "comment": "",
        },
    }


def check_items(got: dict, expected: dict) -> None:
    assert list(got) == list(expected)
    for task_id, item in got.items():
        assert set(item) == ITEM_KEYS
        assert {k: item[k] for k in ("values", "cannot_judge", "comment")} == expected[task_id]
        assert list(item["values"]) == DUO_KEYS
        # Numbers stay numbers, strings strings (bool is an int to Python: keep it out).
        for key, value in item["values"].items():
            want = expected[task_id]["values"][key]
            assert type(value) is type(want), (task_id, key, value)
        assert type(item["time_ms"]) is int and item["time_ms"] > 0
        assert item["updated_at"].endswith("Z") and "T" in item["updated_at"]


def test_rate_with_keys_and_clicks_then_reload(page, site, tmp_path):
    shot = tmp_path / "annotate-page.png"
    expected = rate_two(page, site, screenshot=shot)
    assert shot.read_bytes().startswith(b"\x89PNG")
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_bytes(shot.read_bytes())

    file = ratings(page)
    assert {k: file[k] for k in ("schema_version", "task_set_sha256", "rater", "rubric")} == {
        "schema_version": 1,
        "task_set_sha256": SHA,
        "rater": "r1",
        "rubric": "rubric-read@1",
    }
    assert file["exported_at"].endswith("Z")
    before = items(page)
    check_items(before, expected)
    stored = json.loads(page.evaluate(f'localStorage.getItem("llavar2-he:{SHA}:r1")'))
    assert set(stored["items"]) >= set(expected)

    open_page(page, site)  # reload: restored, on the first unrated task
    after = items(page)
    check_items(after, expected)
    for task_id, item in after.items():
        assert item["updated_at"] == before[task_id]["updated_at"]
        assert item["time_ms"] >= before[task_id]["time_ms"]
    assert shown(page) == site.ids[2]
    assert page.evaluate('document.getElementById("progress").textContent') == "2 / 4 rated"
    assert (
        page.evaluate('Array.from(document.querySelectorAll(".criterion")).map(c => c.dataset.key)')
        == IMAGE_KEYS
    )
    assert text_of(page, "#caption-a") == site.data["tasks"][2]["caption_a"]
    assert text_of(page, "#caption-b") == site.data["tasks"][2]["caption_b"]
    assert page.evaluate('document.querySelectorAll(".option").length') == 3 + 2 + 2
    # The buttons of the rated tasks show what was kept.
    press_to(page, "ArrowLeft", site.ids[1])
    assert pressed(page) == {
        "correctness": [1, False],
        "grounded": [0, False],
        "hallucination": [1, False],
        "question_quality": [4, False],
    }
    assert text_of(page, "#comment") == ""
    press_to(page, "p", site.ids[0])
    assert pressed(page) == {
        "correctness": [3, False],
        "grounded": [2, False],
        "hallucination": [0, False],
        "question_quality": [None, True],
    }
    assert text_of(page, "#comment") == "x1n/p glare"
    assert page.evaluate('document.getElementById("prev").disabled') is True
    assert_quiet(page, site)


def wait_for_json(path: Path, timeout: float = 30.0) -> dict:
    """Chromium writes a download under a temporary name and renames it when complete."""
    deadline = time.monotonic() + timeout
    while not path.is_file():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path.name} was not downloaded")
        time.sleep(0.05)
    return json.loads(path.read_text(encoding="utf-8"))


def without_time(file: dict) -> dict:
    return {k: v for k, v in file.items() if k != "exported_at"}


def choose_file(page, path: Path) -> dict:
    """Import ``path`` through the file input; returns the message the page shows then."""
    seq = page.evaluate('document.getElementById("message").dataset.seq')
    page.set_input_files("#import-file", [path])
    page.wait_for(f'document.getElementById("message").dataset.seq !== "{seq}"')
    return page.evaluate(
        '(() => { const m = document.getElementById("message");'
        " return {kind: m.className, text: m.textContent}; })()"
    )


def test_export_then_import(page, site, tmp_path, request):
    expected = rate_two(page, site)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    page.allow_downloads(downloads)
    page.click("#export")
    exported = wait_for_json(downloads / "ratings-r1.json")
    assert without_time(exported) == without_time(ratings(page))
    check_items({i["task_id"]: i for i in exported["items"]}, expected)
    assert page.evaluate('document.getElementById("message").className') == "ok"

    assert_quiet(page, site)
    page.close()

    page = fresh_page(site)  # resuming elsewhere: nothing kept there
    request.addfinalizer(page.close)
    assert shown(page) == site.ids[0]
    message = choose_file(page, downloads / "ratings-r1.json")
    assert message["kind"] == "ok" and "Imported 2" in message["text"]
    assert without_time(ratings(page)) == without_time(exported)
    assert shown(page) == site.ids[2]  # the first unrated task
    assert page.evaluate('document.getElementById("progress").textContent') == "2 / 4 rated"

    # Refused files change nothing, here or in storage.
    key = json.dumps(f"llavar2-he:{SHA}:r1")
    kept, kept_state = ratings(page), page.evaluate(f"localStorage.getItem({key})")
    wrong_value = json.loads(json.dumps(exported))
    wrong_value["items"][0]["values"]["correctness"] = 7
    bad = {
        "other-set.json": ({**exported, "task_set_sha256": "ff" * 32}, "another task set"),
        "other-rater.json": ({**exported, "rater": "r2"}, "rater"),
        "version-2.json": ({**exported, "schema_version": 2}, "schema_version"),
        "wrong-value.json": (wrong_value, "not an option of correctness"),
    }
    for name, (content, _reason) in bad.items():
        (tmp_path / name).write_text(json.dumps(content), encoding="utf-8")
    (tmp_path / "not-json.json").write_text("{ratings", encoding="utf-8")
    bad["not-json.json"] = (None, "not JSON")
    for name, (_, reason) in bad.items():
        message = choose_file(page, tmp_path / name)
        assert message["kind"] == "error", name
        assert reason in message["text"] and "Nothing was changed" in message["text"], name
        assert page.evaluate('document.getElementById("message").offsetHeight') > 0
        assert without_time(ratings(page)) == without_time(kept)
        assert page.evaluate(f"localStorage.getItem({key})") == kept_state

    open_page(page, site)  # what was imported was also kept
    assert without_time(ratings(page)) == without_time(exported)
    assert_quiet(page, site)


def test_texts_are_shown_literally(page, site):
    hostile = site.data["tasks"][3]
    press_to(page, "ArrowRight", site.ids[1])
    press_to(page, "n", site.ids[2])
    press_to(page, "ArrowRight", site.ids[3])
    assert text_of(page, "#question") == HOSTILE
    assert text_of(page, "#answer") == hostile["answer"]
    assert text_of(page, "#explain-question") == "Line one\nline two"
    assert text_of(page, "#explain-answer") == hostile["explain_answer"]
    assert page.evaluate("window.pwned") is None
    assert (
        page.evaluate('document.querySelectorAll("#texts *:not(div):not(p):not(h2)").length') == 0
    )
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate('document.getElementById("next").disabled') is True
    # The embedded (data URL) image is shown, and at full size on a click.
    assert page.evaluate(
        '(() => { const i = document.getElementById("image");'
        " return i.complete && i.naturalWidth === 180; })()"
    )
    page.click("#image-open")
    page.wait_for('document.getElementById("viewer").open')
    assert page.evaluate('document.getElementById("viewer-image").naturalWidth') == 180
    page.press("1")  # no rating while the viewer is open
    page.press("Escape")
    page.wait_for('!document.getElementById("viewer").open')
    assert ratings(page)["items"] == []
    page.press("5")
    assert items(page)[site.ids[3]]["values"]["correctness"] == 5
    save_shown = page.evaluate('!document.getElementById("save").hidden')
    assert save_shown == page.evaluate('typeof window.showSaveFilePicker === "function"')
    assert_quiet(page, site)


def test_template_alone_says_it_has_no_tasks():
    path = resources.files("llavar2.human_eval") / "assets" / "annotate.html"
    with HeadlessPage(width=1000) as browser:
        browser.open(Path(str(path)).as_uri())
        browser.wait_for(READY)
        message = browser.evaluate('document.getElementById("message").textContent')
        assert "holds no tasks" in message
        assert browser.errors == [] and browser.warnings == []
