"""Duo-conversation filters of ``llavar2 filter`` (DESIGN §4):

* ``rules``: the rule filters, one file each, registered by name;
* ``scores``: selection by mIFD / FFD / IFD / VFD thresholds and top-k;
* ``stage``: ``run(out, cfg)``: kept.jsonl, dropped.jsonl and filter_report.json of a build;

Prompt injection in an image's text is found by ``text.injection``, which the ``injection`` rule
and the checks run while duos are generated (``generate.checks``) share.
"""
