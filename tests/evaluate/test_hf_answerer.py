"""``--model hf:PATH``: a tiny random LLaVA saved to disk answers a benchmark; each answer equals
the greedy ``generate`` of that model, called here directly on the prompt the task defines."""

import json

import torch
from PIL import Image
from transformers import AutoModelForImageTextToText, AutoProcessor
from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app
from llavar2.jsonl import read_jsonl
from llavar2.testing import tiny_hf

SHORT = "\nAnswer the question using a single word or phrase."  # the vqa task's suffix


def _generate(model_dir, image_path, prompt: str, max_new_tokens: int) -> str:
    processor = AutoProcessor.from_pretrained(model_dir)
    model = AutoModelForImageTextToText.from_pretrained(model_dir, dtype=torch.float32).eval()
    text = processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}],
        add_generation_prompt=True,
    )
    with Image.open(image_path) as image:
        inputs = processor(images=[image.convert("RGB")], text=text, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
    return processor.decode(
        out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True
    ).strip()


def test_hf_answers_equal_greedy_generation(tmp_path):
    model_dir = tiny_hf.save_llava(tmp_path / "tiny-llava")
    images = sorted(p.name for p in samples.IMAGES_DIR.iterdir())[:2]
    items = [
        {"id": f"q{i}", "image": name, "question": f"What does sign {i} say?", "answers": ["open"]}
        for i, name in enumerate(images)
    ]
    bench = tmp_path / "bench.jsonl"
    bench.write_text("".join(json.dumps(item) + "\n" for item in items))
    out = tmp_path / "result.json"
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            "--benchmark",
            str(bench),
            "--images",
            str(samples.IMAGES_DIR),
            "--model",
            f"hf:{model_dir}",
            "--max-new-tokens",
            "6",
            "--device",
            "cpu",
            "--no-progress",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    got = {p["id"]: p["prediction"] for p in read_jsonl(out.with_suffix(".predictions.jsonl"))}
    expected = {
        item["id"]: _generate(
            model_dir, samples.IMAGES_DIR / item["image"], item["question"] + SHORT, 6
        )
        for item in items
    }
    assert got == expected
    assert any(expected.values())  # the random model does write something to compare
    assert json.loads(out.read_text())["model"] == f"hf:{model_dir}"
