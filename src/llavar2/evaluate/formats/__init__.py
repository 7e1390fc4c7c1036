"""Benchmark formats, one module each, registered in ``FORMATS``.

A format module registers its loader with ``register_format`` (from ``_common``): its name, the
task it is evaluated as by default, a detector (does a parsed file look like this format?), the
priority detection asks it in, and its help for ``llavar2 evaluate --help``. Every module in
this package is imported here, so a new format is one new file.
"""

from __future__ import annotations

from ...registry import import_implementations
from ._common import FORMATS

__all__ = ["FORMATS"]

import_implementations(__name__, __path__)
