"""The scorers, one module each, registered in ``score.base.SCORERS`` with their help, ``arg``
and ``needs_base_url``. Every module of this package not starting with "_" is imported, so a new
scorer is one new file (``_hf_batch`` and ``_hf_encode`` are the hf scorer's parts)."""

from __future__ import annotations

from ...registry import import_implementations

import_implementations(__name__, __path__)
