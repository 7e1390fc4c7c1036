"""``llavar2 report OUT``: the dataset report and the images browser of a build folder.

* ``build_files``: the build folder read back, one ``ImageEntry`` per image, streamed;
* ``stats``, ``histograms``, ``texts``: the statistics one pass collects;
* ``markdown``, ``charts``: report.md and its PNG charts; ``browser``: the static HTML browser;
* ``stage``: the entry point (``run``).

Submodules are imported where they are used, so that reading a build (``build_files``) does not
load matplotlib.
"""
