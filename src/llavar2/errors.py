"""Errors that mean the user's arguments cannot be used (CLI exit status 2)."""


class UsageError(Exception):
    """Arguments or inputs that make the whole run impossible, as opposed to one bad item."""
