"""Export stage: a build's captions and conversations in the formats trainers read.

* ``samples``: the training samples of a build, independent of any trainer's format;
* ``formats``: one module per format, registered in ``EXPORTERS`` with its default file name;
* ``balance``: ``--balance DIM --cap SHARE``, no image category over a share of the samples;
* ``stage``: ``llavar2 export OUT`` (``run``).

Submodules are imported where they are used, so that listing the formats stays cheap.
"""
