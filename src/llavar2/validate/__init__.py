"""Validation by fine-tuning: equal-size training arms from a filtered build and held-out items
from images no arm trains on (``prepare``), LoRA fine-tuning of a local model per arm and seed
(``train``), every arm and the base model on the held-out items and other benchmarks
(``evaluate``), and the differences with their uncertainty (``report``)."""
