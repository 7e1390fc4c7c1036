"""The robustness suite reads a benchmark's images as evaluate does: only files inside --images,
and its perturbed copies stay inside its own folder."""

from pathlib import Path

from PIL import Image

from llavar2.evaluate.benchmarks import Benchmark, BenchmarkItem
from llavar2.robustness.suite import _perturbed_images


def test_images_outside_the_folder_are_neither_read_nor_copied(tmp_path):
    images, out = tmp_path / "images", tmp_path / "out" / "blur" / "1"
    images.mkdir()
    Image.new("RGB", (32, 16), "white").save(images / "inside.png")
    Image.new("RGB", (32, 16), "black").save(tmp_path / "secret.png")
    items = [
        BenchmarkItem("a", "inside.png", "q?", ["x"]),
        BenchmarkItem("b", "../secret.png", "q?", ["x"]),
        BenchmarkItem("c", str(tmp_path / "secret.png"), "q?", ["x"]),
    ]
    bench = Benchmark(Path("b.json"), "vqa", "vqa", items, "0" * 64)
    made = _perturbed_images(bench, images, "blur", 1, 0, out, 10_000)
    assert [item.image for item in made.items] == ["inside.png.png", *(i.image for i in items[1:])]
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.png"))
    assert written == ["images/inside.png", "out/blur/1/inside.png.png", "secret.png"]
