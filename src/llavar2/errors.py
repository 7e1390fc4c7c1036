"""Errors with a meaning for the run: what stops it, and what rejects a single item."""


class UsageError(Exception):
    """Arguments or inputs that make the whole run impossible, as opposed to one bad item."""


class ItemRejected(Exception):
    """One item cannot be made (the model's reply is unusable, the server refused the request);
    the stage writes a Reject with this reason and goes on."""

    def __init__(self, reason: str, detail: str, raw_output: list[str] | None = None):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.raw_output = raw_output


class RunIncomplete(Exception):
    """The run stops early but cleanly (budget spent, server unavailable): what is on disk is
    complete and in order, and rerunning the same command continues from there."""
