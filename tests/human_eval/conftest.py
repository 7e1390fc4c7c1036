import pytest

from llavar2.testing.builds import filtered_sample_build


@pytest.fixture(scope="session")
def filtered_build(tmp_path_factory):
    """A real offline build of 12 sample images, filtered by rules only, with answers longer
    than three words dropped: both kept and dropped duos to sample."""
    out = filtered_sample_build(tmp_path_factory.mktemp("he-build"), 12)
    assert (out / "dropped.jsonl").read_text().strip(), "the fixture needs dropped duos"
    return out
