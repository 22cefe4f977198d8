"""Errors the storage layer raises for the service layer to act on."""


class ConcurrentChange(Exception):  # noqa: N818 - the name says what happened, not that it failed
    """Another transaction changed the same data first: roll back and retry the decision."""
