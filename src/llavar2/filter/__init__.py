"""Duo-conversation filters (DESIGN §4), in one home:

* ``generation``: the few checks run while duos are generated (``generate`` calls it);
* ``rules``: the rule filters of ``llavar2 filter``, one file each, registered by name;
* ``scores``: selection by mIFD / FFD / IFD / VFD thresholds and top-k;
* ``stage``: ``llavar2 filter OUT`` → kept.jsonl, dropped.jsonl, filter_report.json.

Submodules are imported where they are used, so that ``generate`` does not load the rules.
"""
