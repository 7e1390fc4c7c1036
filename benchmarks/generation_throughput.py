"""Generation throughput of the openai backend against the local fake server.

The fake OpenAI-compatible server (llavar2.testing.fake_openai, in its own process so that its
CPU is not counted) answers every request after a fixed latency. A real build (ingest → enrich →
qa → export; OCR results are written beforehand, the OCR stage is not what is measured) of
N/2 images sends N requests, N/2 per generation stage, with a fresh response cache. With C
requests in flight and latency L, the ideal rate is C / L requests per second.

Prints the achieved rate against the ideal, and the CPU time of this process per generated
record (a caption or a conversation set) during the two generation stages.

    .venv/bin/python benchmarks/generation_throughput.py [--requests 2000] [--concurrency 64]
        [--latency 0.3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from llavar2.config import BuildConfig, OpenAIConfig
from llavar2.jsonl import write_jsonl_atomic
from llavar2.records import OcrLine, OcrResult
from llavar2.runners.local import build

KEY_VARIABLE = "LLAVAR2_BENCHMARK_KEY"


def make_inputs(folder: Path, n_images: int) -> tuple[Path, Path]:
    """Small distinct images with two lines of text, their manifest, and their OCR results."""
    images = folder / "images"
    images.mkdir()
    font = ImageFont.load_default(size=14)
    rows, ocr = [], []
    for i in range(n_images):
        lines = [f"ITEM {i:05d}", f"Price ${i % 97}.{i % 100:02d}"]
        image = Image.new("RGB", (160, 48), "white")
        draw = ImageDraw.Draw(image)
        for k, line in enumerate(lines):
            draw.text((6, 4 + 20 * k), line, font=font, fill="black")
        name = f"item_{i:05d}.png"
        image.save(images / name)
        rows.append({"id": f"img-{i:05d}", "image": name, "caption": f"A price tag, number {i}"})
        boxes = [
            [[6, 4 + 20 * k], [150, 4 + 20 * k], [150, 20 + 20 * k], [6, 20 + 20 * k]]
            for k in range(len(lines))
        ]
        ocr.append(
            OcrResult(
                id=f"img-{i:05d}",
                image=name,
                engine="rapidocr",
                width=160,
                height=48,
                lines=[OcrLine(text=t, box=b, score=0.99) for t, b in zip(lines, boxes)],
                text="\n".join(lines),
            )
        )
    manifest = folder / "captions.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = folder / "out"
    write_jsonl_atomic(out / "ocr.jsonl", ocr)  # the OCR stage finds every image done
    return manifest, out


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "llavar2.testing.fake_openai", "--latency", str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    return server, server.stdout.readline().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.3)
    args = parser.parse_args()
    n_images = args.requests // 2

    os.environ[KEY_VARIABLE] = "sk-benchmark-not-a-real-key"
    server, url = start_server(args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            manifest, out = make_inputs(folder, n_images)
            cfg = BuildConfig(
                images_dir=folder / "images",
                captions=manifest,
                out=out,
                backend="openai",
                cache_dir=folder / "cache",
                progress=False,
                openai=OpenAIConfig(
                    model="fake-vlm",
                    base_url=url,
                    api_key_env=KEY_VARIABLE,
                    concurrency=args.concurrency,
                    cache=folder / "cache" / "responses.sqlite3",
                ),
            )
            summary = build(cfg)
        stats_url = url.removesuffix("/v1") + "/stats"
        with urllib.request.urlopen(stats_url) as response:  # what the server itself counted
            served = json.load(response)["requests"]
    finally:
        server.terminate()
        server.wait()

    generation, counts = summary["generation"], summary["counts"]
    stages = ("enrich", "qa")
    seconds = sum(summary["seconds"][s] for s in stages)
    cpu = sum(summary["cpu_seconds"][s] for s in stages)
    records = counts["captions"] + counts["conversation_images"]
    achieved = generation["requests"] / seconds
    ideal = args.concurrency / args.latency
    print(
        f"images {n_images}, requests {generation['requests']} (server counted {served}, "
        f"retries {generation['retries']}), records {records}, rejects {counts['rejects']}"
    )
    print(
        f"concurrency {args.concurrency}, latency {args.latency * 1000:.0f} ms: "
        f"ideal {ideal:.1f} req/s"
    )
    print(
        f"generation stages {seconds:.2f} s "
        f"(enrich {summary['seconds']['enrich']:.2f}, qa {summary['seconds']['qa']:.2f}): "
        f"{achieved:.1f} req/s"
    )
    print(f"CPU in this process during them: {cpu:.2f} s")
    print(f"RESULT efficiency={achieved / ideal:.3f} cpu_ms_per_record={cpu * 1000 / records:.2f}")


if __name__ == "__main__":
    main()
