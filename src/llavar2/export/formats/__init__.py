"""Export formats, one module each, registered in ``EXPORTERS`` with their help and the file (or
folder) they are written to by default (``filename``). Every module in this package is imported
here, so a new format is one new file. Formats import heavy libraries (pyarrow) inside their
functions: the CLI lists the formats at start-up."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ...registry import Registry, import_implementations
from ..samples import Sample

# (samples, destination, the build's images folder or None) → samples written
Exporter = Callable[[Iterable[Sample], Path, "Path | None"], int]
EXPORTERS: Registry[Exporter] = Registry("export format")

import_implementations(__name__, __path__)
