"""A new export format is one file in ``llavar2/export/formats``: every module there is imported
and registers itself under its own name, with help and a default file name, and listing the
formats (what the CLI does at start-up) loads no heavy library."""

import pkgutil
import subprocess
import sys

from llavar2.export import formats
from llavar2.export.formats import EXPORTERS


def test_every_module_in_formats_registers_the_format_it_is_named_after():
    modules = sorted(m.name for m in pkgutil.iter_modules(formats.__path__))
    assert EXPORTERS.names() == modules
    for entry in EXPORTERS.entries():
        assert entry.obj.__module__ == f"{formats.__name__}.{entry.name}"
        assert entry.help and entry.meta["filename"]


def test_listing_the_formats_loads_no_heavy_library():
    heavy = ["pyarrow", "torch", "matplotlib"]
    code = (
        "import sys; from llavar2.export.formats import EXPORTERS; EXPORTERS.describe(); "
        f"print(sorted(set(sys.modules) & set({heavy!r})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
