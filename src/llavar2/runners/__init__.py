"""Runners wire stage functions together; they hold no stage logic of their own."""
