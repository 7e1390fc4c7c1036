"""Robustness suite (DESIGN §7): re-run an evaluation on perturbed copies of its images, per
perturbation and severity, and report how the score falls (``llavar2 robustness``)."""

from __future__ import annotations

from .perturbations import PERTURBATIONS, SEVERITIES
from .suite import perturb_image, run_suite

__all__ = ["PERTURBATIONS", "SEVERITIES", "perturb_image", "run_suite"]
