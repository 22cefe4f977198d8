"""Fault injection: make the next calls fail, hang or lose their connection."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

Params = Mapping[str, str]
"""A call's parameters as they arrived (JSON values still encoded)."""


class FaultKind(enum.Enum):
    """What happens to a call a fault catches."""

    STATUS = "status"  # answer with an HTTP error status
    HANG = "hang"  # hold the request (then answer normally, or never)
    DROP = "drop"  # close the connection without an answer


@dataclass
class Fault:
    """One armed fault: catches the next `remaining` calls of `method` (None: any method)."""

    kind: FaultKind
    method: str | None
    remaining: int | None
    status: int = 500
    description: str = "Internal Server Error"
    hang_seconds: float | None = None
    when: Callable[[Params], bool] | None = None
    """Catches only the calls whose parameters it accepts (None: every call of `method`)."""
    triggered: int = 0

    def matches(self, method: str, params: Params | None = None) -> bool:
        """Whether this fault catches a call of `method` with these parameters."""
        live = self.remaining is None or self.remaining > 0
        if not live or (self.method is not None and self.method.lower() != method.lower()):
            return False
        return self.when is None or self.when(params or {})


class FaultInjector:
    """Faults armed by tests; off until armed, consumed in the order they were armed."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def fail(
        self,
        method: str | None = None,
        *,
        times: int | None = 1,
        status: int = 500,
        description: str | None = None,
    ) -> Fault:
        """Answer the next `times` calls (None: all) with HTTP `status` (5xx)."""
        if not 400 <= status <= 599:
            raise ValueError(f"fault status must be an HTTP error, not {status}")
        phrase = description or HTTPStatus(status).phrase
        return self._arm(Fault(FaultKind.STATUS, method, times, status, phrase))

    def hang(
        self,
        method: str | None = None,
        *,
        times: int | None = 1,
        seconds: float | None = None,
        when: Callable[[Params], bool] | None = None,
    ) -> Fault:
        """Hold the next calls: `seconds` then answer normally, or (None) until the client goes.

        `when` narrows it to some calls: `hang("getUpdates", when=offset_above(41))` holds the
        poll that would confirm update 41, as if that request had not reached Telegram yet.
        """
        return self._arm(Fault(FaultKind.HANG, method, times, hang_seconds=seconds, when=when))

    def drop(self, method: str | None = None, *, times: int | None = 1) -> Fault:
        """Close the connection of the next calls without answering."""
        return self._arm(Fault(FaultKind.DROP, method, times))

    def clear(self) -> None:
        """Disarm every fault."""
        self.faults.clear()

    def take(self, method: str, params: Params | None = None) -> Fault | None:
        """The fault that catches this call of `method`, consuming one of its uses."""
        for fault in self.faults:
            if fault.matches(method, params):
                if fault.remaining is not None:
                    fault.remaining -= 1
                fault.triggered += 1
                return fault
        return None

    def _arm(self, fault: Fault) -> Fault:
        if fault.remaining is not None and fault.remaining < 1:
            raise ValueError("a fault must catch at least one call")
        self.faults.append(fault)
        return fault


def offset_above(update_id: int) -> Callable[[Params], bool]:
    """For `when=`: a getUpdates call whose offset confirms `update_id`."""

    def confirms(params: Params) -> bool:
        offset = params.get("offset")
        return offset is not None and int(offset) > update_id

    return confirms
