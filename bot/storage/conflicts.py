"""Recognising write conflicts and reporting them as `ConcurrentChange`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from bot.storage.errors import ConcurrentChange

_SQLITE_UNIQUE_ERRORS = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})
_POSTGRES_UNIQUE_VIOLATION = "23505"


def is_unique_violation(error: IntegrityError) -> bool:
    """Tell whether the database refused a row because its unique key is already taken."""
    original = error.orig
    if getattr(original, "sqlite_errorname", None) in _SQLITE_UNIQUE_ERRORS:
        return True
    return getattr(original, "sqlstate", None) == _POSTGRES_UNIQUE_VIOLATION


@contextmanager
def conflicts_as_concurrent_change() -> Iterator[None]:
    """Raise `ConcurrentChange` for a taken unique key or a stale versioned row.

    Other integrity errors (a missing foreign key, a NULL) are bugs and pass through unchanged.
    """
    try:
        yield
    except StaleDataError as error:
        raise ConcurrentChange(str(error)) from error
    except IntegrityError as error:
        if is_unique_violation(error):
            raise ConcurrentChange(str(error.orig)) from error
        raise
