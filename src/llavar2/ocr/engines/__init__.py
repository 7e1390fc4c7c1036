"""The OCR engines, one module each, registered in ``ocr.base.ENGINES``. Every module of this
package is imported here, so a new engine is one new file."""

from __future__ import annotations

from ...registry import import_implementations

import_implementations(__name__, __path__)
