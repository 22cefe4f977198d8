"""The Bot API reference (shared/telegram-bot-api/api.min.json) as a checker for tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api" / "api.min.json"

_PRIMITIVES: dict[str, tuple[type, ...]] = {
    "Integer": (int,),
    "Float": (int, float),
    "String": (str,),
    "Boolean": (bool,),
    "True": (bool,),
}


@cache
def reference() -> dict[str, Any]:
    """The parsed reference; the test is skipped (loudly) where shared/ is missing."""
    if not REFERENCE.exists():
        pytest.skip(f"Bot API reference not found at {REFERENCE}")
    return json.loads(REFERENCE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def method_fields(method: str) -> set[str]:
    """The parameter names of a Bot API method."""
    return {field["name"] for field in reference()["methods"][method].get("fields", [])}


def problems(value: Any, type_name: str, path: str = "$") -> list[str]:
    """Where `value` does not fit the reference's `type_name` ([] when it fits)."""
    if type_name.startswith("Array of "):
        if not isinstance(value, list):
            return [f"{path}: expected {type_name}, got {type(value).__name__}"]
        inner = type_name.removeprefix("Array of ")
        return [p for i, item in enumerate(value) for p in problems(item, inner, f"{path}[{i}]")]
    if type_name in _PRIMITIVES:
        ok = isinstance(value, _PRIMITIVES[type_name])
        if type_name in {"Integer", "Float"} and isinstance(value, bool):
            ok = False
        return [] if ok else [f"{path}: expected {type_name}, got {value!r}"]
    spec = reference()["types"][type_name]
    if "subtypes" in spec:
        attempts = [problems(value, subtype, path) for subtype in spec["subtypes"]]
        return [] if any(not attempt for attempt in attempts) else _fewest(attempts)
    if not isinstance(value, dict):
        return [f"{path}: expected {type_name} object, got {value!r}"]
    fields = {field["name"]: field for field in spec.get("fields", [])}
    found = [f"{path}.{key}: not a field of {type_name}" for key in value if key not in fields]
    for name, field in fields.items():
        if name not in value:
            if field["required"]:
                found.append(f"{path}.{name}: required by {type_name}")
            continue
        attempts = [problems(value[name], option, f"{path}.{name}") for option in field["types"]]
        if all(attempts):
            found.extend(_fewest(attempts))
    return found


def result_problems(method: str, result: Any) -> list[str]:
    """Where a method's result does not fit what the reference says it returns."""
    returns: list[str] = reference()["methods"][method]["returns"]
    attempts = [problems(result, option) for option in returns]
    return [] if any(not attempt for attempt in attempts) else _fewest(attempts)


def _fewest(attempts: list[list[str]]) -> list[str]:
    """The closest miss: the option with the fewest problems."""
    return min(attempts, key=len)
