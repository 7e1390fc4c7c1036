"""``python -m llavar2.cli``."""

from . import app

app()
