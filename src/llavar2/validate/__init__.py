"""Validation by fine-tuning (issue 15): equal-size training arms from a filtered build and
held-out evaluation items from images no arm trains on. See ``prepare``."""
