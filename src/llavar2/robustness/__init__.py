"""Robustness suite (DESIGN §7): re-run an evaluation on perturbed copies of its images, per
perturbation and severity, and report how the score falls (``llavar2 robustness``).

* ``perturbations``: one module per perturbation, registered in ``PERTURBATIONS``;
* ``suite``: the perturbed images and the runs (``run_suite``); ``report``: what it writes.

Submodules are imported where they are used, so that listing the perturbations does not load
the evaluation.
"""
