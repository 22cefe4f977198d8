"""Reading a rally file: YAML to a validated `Rally`, or every error with its file and line."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.core.content import NO_CHECKIN, LanguageContext, Rally
from bot.core.names import name_skeletons
from bot.core.texts import translated_share
from bot.core.voices import VoiceKey, rally_keys

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class RallyFileProblem:
    """One error in a rally file, located by line and by path."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class RallyFileError(Exception):
    """A rally file that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[RallyFileProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(path: Iterable[str | int]) -> str:
    """`('stages', 3, 'id')` as `stages[3].id`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class _LineIndex:
    """The line of every mapping key and sequence item of a YAML document."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.lines: dict[Path_, int] = {(): 1}
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: Path_) -> None:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, str(key.value))
                self.lines[child] = key.start_mark.line + 1
                self._walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, (*path, index))

    def line_of(self, path: Path_) -> int:
        """The line of `path`, or of its nearest ancestor present in the file."""
        while path not in self.lines:
            path = path[:-1]
        return self.lines[path]


def _data_path(data: Any, loc: tuple[str | int, ...]) -> Path_:
    """Pydantic's error location as a path in the data (union tags dropped)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if _has_child(node, part):
            node = node[part]
            path.append(part)
        elif isinstance(node, dict | list):
            # a key that is missing, or a union tag that is not in the data
            if isinstance(node, dict) and not _is_union_tag(part):
                path.append(part)
                node = None
        else:
            break
    return tuple(path)


def _has_child(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _is_union_tag(part: str | int) -> bool:
    return part in {"choice", "text", "number"} or (isinstance(part, str) and "[" in part)


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required field missing",
    "union_tag_invalid": "must be one of: choice, text, number",
    "union_tag_not_found": "missing: choice, text or number",
    "string_type": "must be text (put it in double quotes)",
    "string_too_short": "must not be empty",
}


def _known_keys() -> set[str]:
    """Every key a rally file may use, to suggest the right one for a typo."""
    keys: set[str] = set()
    pending: list[type[BaseModel]] = [Rally]
    while pending:
        model = pending.pop()
        for name, field in model.model_fields.items():
            keys.add(name)
            for arg in _model_types(field.annotation):
                if arg not in pending:
                    pending.append(arg)
        keys.discard("")
    return keys


def _model_types(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation is not Rally:
            yield annotation
        return
    for arg in get_args(annotation):
        yield from _model_types(arg)


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(error["loc"][-1]) if error["loc"] else ""
        close = difflib.get_close_matches(key, _known_keys(), n=1, cutoff=0.7)
        return f"unknown key (did you mean '{close[0]}'?)" if close else "unknown key"
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    ctx = error.get("ctx") or {}
    if kind == "greater_than_equal":
        return f"{error['input']} is below the minimum {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"{error['input']} is above the maximum {ctx.get('le')}"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message.replace("Input should be", "must be")


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def _duplicates(data: dict[str, Any]) -> Iterable[tuple[Path_, str]]:
    """Ids, join codes and check-in codes that appear twice (checked on the raw data)."""
    seen: dict[tuple[str, str], Path_] = {}

    def check(
        kind: str, value: object, path: Path_, fold: bool = False
    ) -> Iterable[tuple[Path_, str]]:
        if not isinstance(value, str) or not value.strip():
            return
        key = (kind, _folded(value) if fold else value.strip())
        if key in seen:
            yield path, f"duplicate {kind} '{value}' (first at {format_path(seen[key])})"
        else:
            seen[key] = path

    teams = data.get("teams")
    if isinstance(teams, list):
        for i, team in enumerate(teams):
            if isinstance(team, dict):
                yield from check("join code", team.get("code"), ("teams", i, "code"), fold=True)
        yield from _lookalike_team_names(teams)
    stages = data.get("stages")
    if isinstance(stages, list):
        for i, stage in enumerate(stages):
            if not isinstance(stage, dict):
                continue
            yield from check("stage id", stage.get("id"), ("stages", i, "id"))
            yield from check(
                "check-in code", stage.get("checkin_code"), ("stages", i, "checkin_code"), fold=True
            )
            questions = stage.get("questions")
            if isinstance(questions, list):
                for j, question in enumerate(questions):
                    if isinstance(question, dict):
                        yield from check(
                            "question id", question.get("id"), ("stages", i, "questions", j, "id")
                        )


def _lookalike_team_names(teams: list[Any]) -> Iterable[tuple[Path_, str]]:
    """Team names that look the same as an earlier one (`bot.core.names.looks_alike`)."""
    seen: dict[tuple[int, str], tuple[str, Path_]] = {}
    for i, team in enumerate(teams):
        name = team.get("name") if isinstance(team, dict) else None
        if not isinstance(name, str) or not name.strip():
            continue
        path: Path_ = ("teams", i, "name")
        keys = list(enumerate(name_skeletons(name)))
        first = next((seen[key] for key in keys if key in seen), None)
        if first is not None:
            other, where = first
            message = (
                f"team name '{name}' looks the same as '{other}' ({format_path(where)}): "
                "players could take one team for the other"
            )
            yield path, message
            continue
        for key in keys:
            seen[key] = (name, path)


def _language_context(data: dict[str, Any]) -> LanguageContext | None:
    info = data.get("rally")
    if not isinstance(info, dict):
        return None
    languages = info.get("languages")
    default = info.get("default_language", "fr")
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        return None
    if not isinstance(default, str):
        return None
    return LanguageContext(default, tuple(languages))


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it: a tenth of the pure-Python one's time."""


def _read_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers) and its data, from one parse."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


def compose(text: str) -> yaml.Node | None:
    """The node tree of a YAML text (for line numbers)."""
    return _read_yaml(text)[0]


_INDENTATION = "the indentation does not match the line above"
_QUOTES = "a text containing ':' must be in quotes (\"...\")"

# What PyYAML's messages mean for someone who writes a rally file: what to check, in plain words
_YAML_ADVICE = (
    ("mapping values are not allowed", _QUOTES),
    ("expected <block end>", _INDENTATION),
    ("expected '-' indicator", _INDENTATION),
    ("tab character", "a tab is used to indent: use spaces only, 2 per level"),
    ("did not find expected key", _INDENTATION),
    (
        "could not find expected ':'",
        "a key needs ':' after it (key: value), or a text on several lines must be in quotes",
    ),
    (
        "cannot start any token",
        "a tab or a special character starts a value: use spaces, "
        "and put texts starting with @, `, % or * in quotes",
    ),
    ("found unexpected end of stream", 'a quote (") or a bracket is opened and never closed'),
    (
        "found unknown escape character",
        "a backslash (\\) in a quoted text: write \\\\ or use single quotes",
    ),
    (
        "expected ',' or '}'",
        "a { ... } list of values is not closed, or a text inside it needs quotes",
    ),
    ("expected ',' or ']'", "a [ ... ] list is not closed, or a text inside it needs quotes"),
    ("expected the node content", "a value is missing after '-' or ':', or a text needs quotes"),
    ("found undefined alias", "a text starting with * must be in quotes"),
)


def plain_yaml_error(exc: yaml.YAMLError, text: str = "") -> tuple[int, str]:
    """The line of a YAML syntax error, and what to check there in plain words."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else 1
    problem = str(getattr(exc, "problem", None) or exc).strip()
    for fragment, advice in _YAML_ADVICE:
        if fragment in problem:
            if advice is _QUOTES and mark is not None and _at_first_colon(text, mark):
                # `key: value` where no key is expected: the line is indented too far
                return line, f"{_INDENTATION} ({problem})"
            return line, f"{advice} ({problem})"
    return line, problem


def _at_first_colon(text: str, mark: Any) -> bool:
    lines = text.splitlines()
    row: int = mark.line
    column: int = mark.column
    return 0 <= row < len(lines) and lines[row].find(":") == column


def parse_rally(text: str, filename: str = "<rally>", home: Path | None = None) -> Rally:
    """Parse and validate rally YAML; raise `RallyFileError` listing every problem.

    `home`: the rally file's directory, where the files of its `audio:` section must be
    (None: not checked).
    """
    try:
        root, data = _read_yaml(text)
    except yaml.YAMLError as exc:
        line, message = plain_yaml_error(exc, text)
        raise RallyFileError(
            [RallyFileProblem(filename, line, "", f"YAML syntax: {message}")]
        ) from exc
    if not isinstance(data, dict):
        raise RallyFileError(
            [RallyFileProblem(filename, 1, "", "the file must be a mapping with rally, stages...")]
        )
    index = _LineIndex(root)
    problems = [
        RallyFileProblem(filename, index.line_of(path), format_path(path), message)
        for path, message in _duplicates(data)
    ]
    problems += [
        RallyFileProblem(filename, index.line_of(path), format_path(path), NO_CHECKIN)
        for path in _stages_without_checkin(data)
    ]
    rally: Rally | None = None
    try:
        rally = Rally.model_validate(data, context={"languages": _language_context(data)})
    except ValidationError as exc:
        for error in exc.errors():
            if _is_consequence(error):
                continue
            path = _data_path(data, error["loc"])
            if error["type"] in {"union_tag_invalid", "union_tag_not_found"}:
                path = (*path, "type")
            problems.append(
                RallyFileProblem(filename, index.line_of(path), format_path(path), _message(error))
            )
    problems += [
        RallyFileProblem(filename, index.line_of(path), format_path(path), message)
        for path, message in _audio_problems(data, rally, home)
    ]
    if rally is not None:
        problems += [
            RallyFileProblem(
                filename,
                index.line_of(("rally", "languages")),
                "rally.languages",
                f"'{language}' has no text at all: write its translations (`python -m bot "
                "translations export`) or remove it from the languages",
            )
            for language, share in translated_share(rally).items()
            if share == 0
        ]
    if problems or rally is None:
        unique = sorted(set(problems), key=lambda p: (p.line, p.path, p.message))
        raise RallyFileError(unique)
    return rally


def _is_consequence(error: ErrorDetails) -> bool:
    """A list found too short only because its items failed: already reported."""
    return error["type"] == "too_short" and bool(error.get("input"))


def _stages_without_checkin(data: dict[str, Any]) -> Iterable[Path_]:
    """Stages that give neither a location nor a check-in code (checked on the raw data)."""
    stages = data.get("stages")
    if isinstance(stages, list):
        for i, stage in enumerate(stages):
            if (
                isinstance(stage, dict)
                and not stage.get("location")
                and not stage.get("checkin_code")
            ):
                yield ("stages", i)


AUDIO_SUFFIXES = (".ogg", ".opus", ".oga", ".mp3", ".wav")
"""The voice files an `audio:` section may name: OGG/Opus as is, MP3 and WAV converted."""
_AUDIO_KEYS = "clue:ID, card:ID, hint:ID:N, question:ID, announcement:KEY or final"


def _audio_problems(
    data: dict[str, Any], rally: Rally | None, home: Path | None
) -> Iterable[tuple[Path_, str]]:
    """What is written wrong in the `audio:` section: a key that names no text of the rally, a
    language the rally has not got, a file that is not there. A text without a voice is fine
    (voices are optional); the texts are checked once the rest of the file is valid."""
    audio = data.get("audio")
    if not isinstance(audio, dict):
        return  # the model reports a wrong type
    keys = {key.slug for key in rally_keys(rally)} if rally is not None else None
    context = _language_context(data)
    for written, files in audio.items():
        slug = str(written)
        if VoiceKey.parse(slug) is None:
            yield ("audio", slug), f"'{slug}' is not a text's key ({_AUDIO_KEYS})"
        elif keys is not None and slug not in keys:
            close = difflib.get_close_matches(slug, keys, n=1, cutoff=0.7)
            also = f" (did you mean '{close[0]}'?)" if close else ""
            yield ("audio", slug), f"'{slug}' is not a text of this rally{also}"
        if not isinstance(files, dict):
            continue
        for language, relative in files.items():
            where: Path_ = ("audio", slug, str(language))
            if context is not None and language not in context.languages:
                yield (
                    where,
                    (
                        f"language {language} is not in rally.languages "
                        f"({', '.join(context.languages)})"
                    ),
                )
            if not isinstance(relative, str) or not relative.strip():
                continue  # the model reports it
            if Path(relative.strip()).suffix.lower() not in AUDIO_SUFFIXES:
                yield where, f"must be an OGG/Opus, MP3 or WAV file ({', '.join(AUDIO_SUFFIXES)})"
            elif home is not None and not (home / relative.strip()).is_file():
                yield where, f"no file {relative.strip()} next to the rally file"


def load_rally(path: str | Path) -> Rally:
    """Read and validate a rally file from disk."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise RallyFileError(
            [RallyFileProblem(str(path), 1, "", f"cannot read: {exc.strerror}")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise RallyFileError([RallyFileProblem(str(path), 1, "", "not UTF-8 text")]) from exc
    home = file.resolve().parent
    return parse_rally(text, str(path), home).read_from(home)


def line_finder(path: str | Path) -> Callable[[Path_], int]:
    """The line of a path in a rally file (1 when the file cannot be read again)."""
    try:
        index = _LineIndex(compose(Path(path).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        index = _LineIndex(None)
    return index.line_of


def load_rallies(paths: Sequence[str | Path]) -> list[Rally]:
    """Read the rally files of one bot; raise `RallyFileError` listing every problem.

    Each file must be valid alone; together, their rally ids must differ and a join code may
    name one team only, across all files: a player's code tells which rally they join.
    """
    if not paths:
        raise RallyFileError([RallyFileProblem("RALLY_FILE", 1, "", "no rally file found")])
    problems: list[RallyFileProblem] = []
    loaded: list[tuple[str, Rally]] = []
    for path in paths:
        try:
            loaded.append((str(path), load_rally(path)))
        except RallyFileError as exc:
            problems += exc.problems
    rally_files: dict[str, str] = {}
    code_owners: dict[str, tuple[str, str]] = {}
    for file, rally in loaded:
        lines = _LineIndex(compose(Path(file).read_text(encoding="utf-8")))
        if rally.id in rally_files:
            problems.append(
                RallyFileProblem(
                    file,
                    lines.line_of(("rally", "id")),
                    "rally.id",
                    f"{rally.id} is already the id of the rally in {rally_files[rally.id]}",
                )
            )
            continue
        rally_files[rally.id] = file
        for index, team in enumerate(rally.teams):
            if team.code is None:  # a random code, unique across rallies (`bot.services.teams`)
                continue
            owner = code_owners.get(team.code.upper())
            if owner is not None:
                problems.append(
                    RallyFileProblem(
                        file,
                        lines.line_of(("teams", index, "code")),
                        f"teams[{index}].code",
                        f"{team.code} is already the join code of team {owner[1]} in {owner[0]}",
                    )
                )
            else:
                code_owners[team.code.upper()] = (file, team.name)
    if problems:
        raise RallyFileError(problems)
    return [rally for _, rally in loaded]
