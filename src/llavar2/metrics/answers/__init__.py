"""Answer metrics (DESIGN §5): short-answer VQA scores that reproduce the standard tools, one
module each, registered in ``llavar2.metrics.base.METRICS``. Every public module of this package
is imported here, so a new answer metric is one new file (``_common`` holds their shared
validation and ``ItemMetric``). None of them tokenises (``tokenized = False``); each takes one
prediction and a non-empty list of references per item.
"""

from __future__ import annotations

from ...registry import import_implementations

import_implementations(__name__, __path__)
