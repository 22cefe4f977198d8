"""Recognising write conflicts and reporting them as `ConcurrentChange`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from bot.storage.errors import ConcurrentChange

_SQLITE_UNIQUE_ERRORS = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})
_POSTGRES_UNIQUE_VIOLATION = "23505"
_SQLITE_BUSY_PREFIXES = ("SQLITE_BUSY", "SQLITE_LOCKED")
"""SQLITE_BUSY (and its extended codes): another connection held the lock past busy_timeout."""
_SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked")
_POSTGRES_RETRYABLE = frozenset({"40001", "40P01"})
"""serialization_failure and deadlock_detected: PostgreSQL rolled back to let another win."""


def is_unique_violation(error: IntegrityError) -> bool:
    """Tell whether the database refused a row because its unique key is already taken."""
    original = error.orig
    if getattr(original, "sqlite_errorname", None) in _SQLITE_UNIQUE_ERRORS:
        return True
    return getattr(original, "sqlstate", None) == _POSTGRES_UNIQUE_VIOLATION


def is_lock_conflict(error: DBAPIError) -> bool:
    """Tell whether a statement failed only because another transaction held what it needed.

    SQLite waits `busy_timeout` for a concurrent writer, then fails with "database is locked";
    PostgreSQL breaks a deadlock or a serialization conflict by failing one transaction. Trying
    the decision again from scratch is then right. Anything else (a missing table, a closed
    connection) passes through unchanged.
    """
    original = error.orig
    name = getattr(original, "sqlite_errorname", None)
    if isinstance(name, str):
        return name.startswith(_SQLITE_BUSY_PREFIXES)
    if getattr(original, "sqlstate", None) in _POSTGRES_RETRYABLE:
        return True
    return str(original).strip().lower() in _SQLITE_BUSY_MESSAGES


@contextmanager
def conflicts_as_concurrent_change() -> Iterator[None]:
    """Raise `ConcurrentChange` for a taken unique key, a stale versioned row or a lock conflict.

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
    except DBAPIError as error:  # after IntegrityError, one of its kinds
        if is_lock_conflict(error):
            raise ConcurrentChange(str(error.orig)) from error
        raise
