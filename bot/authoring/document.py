"""A rally file edited in place: values set by their path, the rest of the file (comments, order,
quotes, blank lines) kept as the organiser wrote it.

ruamel.yaml's round trip reads the file into commented maps and lists and writes them back; with
the settings below the bundled rally comes back byte for byte, so an edit changes only the lines
it touches. Nothing is written unless a value really changed and the new file is a valid rally
(`RallyDocument.write`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from bot.core.content import Rally
from bot.core.rally_file import RallyFileError, RallyFileProblem, format_path, parse_rally
from bot.core.texts import YamlPath


class DocumentError(Exception):
    """A path that is not in the file, or a file that cannot be read as YAML."""


def _yaml() -> YAML:
    yaml = YAML()  # round trip
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long text onto a second line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _quoted(value: str) -> Any:
    """A new text as the rally file writes texts: in double quotes (a block for several lines)."""
    if "\n" in value:
        return LiteralScalarString(value if value.endswith("\n") else value + "\n")
    return DoubleQuotedScalarString(value)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, str) and isinstance(new, str):
        return old.rstrip("\n") == new.rstrip("\n")
    numbers = (int, float)
    if isinstance(old, numbers) and isinstance(new, numbers):
        return not isinstance(old, bool) and not isinstance(new, bool) and old == new
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    return bool(old == new) and type(old) is type(new)


class RallyDocument:
    """One rally file, loaded for editing."""

    def __init__(self, path: Path, original: str, root: Any) -> None:
        self.path = path
        self.original = original
        self._root: CommentedMap = root
        self._yaml = _yaml()
        self._text: str | None = original
        """The file's text as it would be written, kept until an edit (dumping the bundled
        rally takes most of a second); None: to dump again."""

    @classmethod
    def read(cls, path: str | Path) -> RallyDocument:
        """Load a rally file; `DocumentError` when it cannot be read or is not YAML."""
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DocumentError(f"{file}: cannot read it ({exc})") from exc
        return cls.parse(text, file)

    @classmethod
    def parse(cls, text: str, path: Path) -> RallyDocument:
        """A rally file's text, loaded for editing."""
        try:
            root = _yaml().load(text)
        except YAMLError as exc:
            raise DocumentError(f"{path}: not valid YAML (see `python -m bot validate`)") from exc
        if not isinstance(root, CommentedMap):
            raise DocumentError(f"{path}: the file must be a mapping with rally, stages...")
        return cls(path, text, root)

    @property
    def root(self) -> CommentedMap:
        """The whole file's tree, to edit in place (the text is then dumped again)."""
        self._text = None
        return self._root

    def get(self, path: YamlPath) -> Any:
        """The value at `path`; `DocumentError` if the file has none there. A map or a list
        returned may be edited in place: the text is then dumped again."""
        node = self._node(path)
        if isinstance(node, CommentedMap | CommentedSeq):
            self._text = None
        return node

    def _node(self, path: YamlPath) -> Any:
        node = self._root
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError) as exc:
                raise DocumentError(f"{self.path}: no {format_path(path)}") from exc
        return node

    def has(self, path: YamlPath) -> bool:
        """Whether the file has a value at `path`."""
        try:
            self._node(path)
        except DocumentError:
            return False
        return True

    def set(self, path: YamlPath, value: Any) -> bool:
        """Set the value at `path` (its parent must exist); True if it changed."""
        if not path:
            raise DocumentError("no path")
        parent = self._node(path[:-1])
        last = path[-1]
        if isinstance(parent, CommentedMap) and isinstance(last, str):
            if last in parent and _same(parent[last], value):
                return False
            parent[last] = _styled(value)
            self._text = None
            return True
        if isinstance(parent, CommentedSeq) and isinstance(last, int) and last < len(parent):
            if _same(parent[last], value):
                return False
            parent[last] = _styled(value)
            self._text = None
            return True
        raise DocumentError(f"{self.path}: cannot set {format_path(path)}")

    def remove(self, path: YamlPath) -> bool:
        """Remove the key at `path` if the file has it; True if it did."""
        parent = self._node(path[:-1])
        last = path[-1]
        if isinstance(parent, CommentedMap) and last in parent:
            del parent[last]
            self._text = None
            return True
        return False

    def set_text(
        self, path: YamlPath, language: str, value: str | Sequence[str], order: Sequence[str]
    ) -> bool:
        """Write one language of the localized text at `path` (None-free; an empty text or list
        removes the language). A new language is placed after the languages before it in
        `order` (the rally's languages), as the file lists them. True if it changed."""
        mapping = self._node(path)
        if not isinstance(mapping, CommentedMap):
            raise DocumentError(f"{self.path}: {format_path(path)} is not a text in languages")
        new: Any = value if isinstance(value, str) else list(value)
        if not new:
            return self.remove((*path, language))
        if language in mapping:
            return self.set((*path, language), new)
        position = _position(list(mapping), language, order)
        mapping.insert(position, language, _styled(new))
        self._text = None
        return True

    def text(self) -> str:
        """The file as it would be written now."""
        if self._text is None:
            out = io.StringIO()
            self._yaml.dump(self._root, out)
            self._text = out.getvalue()
        return self._text

    @property
    def changed(self) -> bool:
        """Whether an edit changed the file's text."""
        return self.text() != self.original

    def validated(self) -> Rally:
        """The edited file as a rally; `RallyFileError` listing its problems."""
        return parse_rally(self.text(), str(self.path), self.path.resolve().parent)

    def write(self) -> bool:
        """Write the file if it changed and is a valid rally (`RallyFileError` otherwise, and
        nothing written); True if written."""
        if not self.changed:
            return False
        self.validated()
        text = self.text()
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self.path)  # atomic: never a half-written rally file
        self.original = text
        return True


def _styled(value: Any) -> Any:
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, list):
        seq = CommentedSeq(_styled(item) for item in value)
        seq.fa.set_flow_style()  # answers are short: `uk: ["...", "..."]` on one line
        return seq
    return value


def _position(present: list[Any], language: str, order: Sequence[str]) -> int:
    """Where a new language goes among the keys present: after the last one before it."""
    if language not in order:
        return len(present)
    earlier = set(order[: order.index(language)])
    position = 0
    for index, key in enumerate(present):
        if key in earlier:
            position = index + 1
    return position


def problems_text(error: RallyFileError) -> list[str]:
    """One line per problem of an invalid edit."""
    return [str(problem) for problem in error.problems]


__all__ = [
    "DocumentError",
    "RallyDocument",
    "RallyFileError",
    "RallyFileProblem",
    "problems_text",
]
