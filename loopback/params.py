"""Request parameters as python-telegram-bot sends them, and their typed reading."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message as MimeHeaders
from typing import Any
from urllib.parse import parse_qsl

from loopback.errors import UndeclaredParameterError, bad_request

_HEADER_END = b"\r\n\r\n"


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a `multipart/form-data` request."""

    field_name: str
    file_name: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class RequestBody:
    """The decoded parameters of one request: plain values and uploaded files."""

    values: dict[str, str]
    files: dict[str, UploadedFile]


def parse_body(content_type: str | None, body: bytes, query: str = "") -> RequestBody:
    """Decode a query string plus an urlencoded, multipart or JSON body."""
    values: dict[str, str] = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, UploadedFile] = {}
    media_type, options = _split_content_type(content_type or "")
    if not body:
        return RequestBody(values, files)
    if media_type == "application/x-www-form-urlencoded":
        values.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif media_type == "multipart/form-data":
        boundary = options.get("boundary")
        if not boundary:
            raise bad_request("multipart boundary is missing")
        _parse_multipart(body, boundary.encode("latin-1"), values, files)
    elif media_type == "application/json":
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise bad_request("JSON body must be an object")
        for name, value in decoded.items():
            values[name] = value if isinstance(value, str) else json.dumps(value)
    return RequestBody(values, files)


def _split_content_type(header: str) -> tuple[str, dict[str, str]]:
    parsed = MimeHeaders()
    parsed["content-type"] = header or "application/octet-stream"
    options = {key.lower(): value for key, value in (parsed.get_params() or [])[1:]}
    return parsed.get_content_type(), options


def _parse_multipart(
    body: bytes, boundary: bytes, values: dict[str, str], files: dict[str, UploadedFile]
) -> None:
    delimiter = b"--" + boundary
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        part = chunk.removeprefix(b"\r\n").removesuffix(b"\r\n")
        raw_headers, _, content = part.partition(_HEADER_END)
        headers = MimeHeaders()
        for line in raw_headers.decode("utf-8").split("\r\n"):
            name, _, value = line.partition(":")
            if name:
                headers[name.strip()] = value.strip()
        field = headers.get_param("name", header="content-disposition")
        if not isinstance(field, str):
            continue
        file_name = headers.get_filename()
        if file_name is None:
            values[field] = content.decode("utf-8")
        else:
            files[field] = UploadedFile(field, file_name, headers.get_content_type(), content)


class RequestParams:
    """Typed access to a method's parameters; reading an undeclared one is a server bug."""

    def __init__(
        self,
        method: str,
        body: RequestBody,
        declared: frozenset[str] | None = None,
        client_gone: asyncio.Event | None = None,
    ) -> None:
        self.method = method
        # Set when the client hung up or the server is closing: ends long polls and hangs.
        self.client_gone = client_gone or asyncio.Event()
        self._values = body.values
        self._files = body.files
        self._declared = declared

    def _check(self, name: str) -> None:
        if self._declared is not None and name not in self._declared:
            raise UndeclaredParameterError(f"{self.method} reads undeclared parameter {name!r}")

    def has(self, name: str) -> bool:
        """Whether the request carries the parameter (as a value or a file)."""
        self._check(name)
        return name in self._values or name in self._files

    def optional_text(self, name: str) -> str | None:
        """A string parameter, or None when absent."""
        self._check(name)
        return self._values.get(name)

    def text(self, name: str) -> str:
        """A required string parameter."""
        value = self.optional_text(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def optional_integer(self, name: str) -> int | None:
        """An integer parameter, or None when absent."""
        raw = self.optional_text(name)
        if raw is None or raw == "":
            return None
        try:
            return int(raw)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def integer(self, name: str) -> int:
        """A required integer parameter."""
        value = self.optional_integer(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def optional_number(self, name: str) -> float | None:
        """A number parameter, or None when absent."""
        raw = self.optional_text(name)
        if raw is None or raw == "":
            return None
        try:
            return float(raw)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str) -> float:
        """A required number parameter."""
        value = self.optional_number(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def flag(self, name: str) -> bool:
        """A boolean parameter, False when absent."""
        raw = self.optional_text(name)
        return raw is not None and raw.lower() in {"true", "1"}

    def json_value(self, name: str, *, what: str | None = None) -> Any:
        """A JSON-serialized parameter, None when absent."""
        raw = self.optional_text(name)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise bad_request(f"can't parse {what or name} JSON object") from None

    def chat_id(self, name: str = "chat_id") -> int | str:
        """A chat identifier: an integer id or an `@username`."""
        raw = self.text(name)
        if raw.startswith("@"):
            return raw
        try:
            return int(raw)
        except ValueError:
            raise bad_request("chat not found") from None

    def file(self, name: str) -> UploadedFile | str | None:
        """An input file: an uploaded part (directly or via attach://), or a file_id/URL string."""
        self._check(name)
        raw = self._values.get(name)
        if raw is not None and raw.startswith("attach://"):
            uploaded = self._files.get(raw.removeprefix("attach://"))
            if uploaded is None:
                raise bad_request(f"wrong file identifier/HTTP URL specified for {name}")
            return uploaded
        if raw is not None:
            return raw
        return self._files.get(name)

    def raw_values(self) -> Mapping[str, str]:
        """Every plain value as sent (for the call log, not for methods)."""
        return dict(self._values)
