"""A rally's spreadsheet read back into its rally file: each changed cell becomes an edit of the
file (its comments, order and quotes kept, `bot.authoring.document`) or of its translation
states (`bot.i18n.review`); every error names its sheet and cell, and nothing is written unless
the whole import is right and the edited file is a valid rally.

What a row or a cell may change:

- **Rally**: a setting per row, matched by name. An emptied cell removes the setting from the
  file (its default then applies).
- **Teams**: the rows are the teams, in order: a new row adds a team, a deleted row removes it,
  a team matched by its name (or else its code) keeps its place and comments in the file. An
  empty code: the bot draws one.
- **Stages**, **Questions**: rows matched by id; their order is not read. A row cannot add a
  stage or a question (an unknown id is an error: write them in the rally file), nor rename,
  move or change the type of one. An emptied cell removes the value; the stage's `lat`, `lon`
  and `radius_m` are filled in or emptied together.
- **Texts**: rows matched by key; an unknown key is an error; `purpose` is only read by people.
  A changed cell is that language's text; an emptied translation is removed (the French text
  cannot be emptied). The status of a translation becomes, when its cell or status cell
  changed:

  | text     | status cell                       | recorded                         |
  |----------|-----------------------------------|----------------------------------|
  | changed  | as exported                       | draft                            |
  | any      | changed to reviewed (or draft)    | reviewed (or draft)              |
  | emptied  | (not read)                        | the record forgotten             |
  | same     | as exported                       | nothing: as it was               |

  A blank status cell counts as draft for a written text; `stale` is worked out (the French
  changed since the translation was made) and cannot be chosen. Each state is recorded against
  the French text as imported, so a translation reviewed in the same import as a French change
  is reviewed; when a French text changes, its translations that were not changed or reviewed
  in the same import become stale (one that had no record yet is recorded as a draft of the
  former French).

A sheet, a column or a row left out changes nothing (but a team's row: the Teams sheet is the
list of teams), so a translator may send back the Texts sheet alone. A sheet's columns are
found by their headers, in any order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from bot.authoring.document import DocumentError, RallyDocument, RallyFileError
from bot.authoring.sheet_layout import (
    LOCATION,
    ONLY_FOR,
    QUESTION_COLUMNS,
    QUESTION_ID,
    QUESTION_STAGE,
    QUESTION_TYPE,
    SETTINGS,
    STAGE_COLUMNS,
    STAGE_ID,
    STATUS_SUFFIX,
    STATUS_WORDS,
    STATUSES,
    TEAM_CODE,
    TEAM_NAME,
    TEXT_KEY,
    TEXT_PURPOSE,
    CellError,
    Kind,
    Scalar,
    SheetName,
    model_value,
    parse,
    same,
    status_header,
)
from bot.authoring.workbook import Table
from bot.core.content import ChoiceQuestion, Question, Rally, Stage, Team
from bot.core.opening import days_text, hours_text
from bot.core.rally_file import format_path, parse_rally
from bot.core.texts import (
    ANSWER_SEPARATOR,
    RallyText,
    TextKind,
    YamlPath,
    split_answers,
    texts_by_key,
)
from bot.i18n.review import Recorded, ReviewFileError, Reviews, ReviewState


@dataclass
class Imported:
    """What an import found: its errors (one line each, the cell first) or its changes."""

    headline: str = ""
    """Said before the errors, when they are the edited file's problems."""
    errors: list[str] = field(default_factory=list)
    texts: int = 0
    """Texts changed, one per language."""
    settings: int = 0
    """Other values changed: settings, teams added or removed, stage and question cells."""
    states: int = 0
    """Translation states recorded or forgotten."""
    written: list[Path] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the import changes anything."""
        return bool(self.texts or self.settings or self.states)

    def summary(self) -> str:
        """What changed, in one line: "2 texts, 1 setting changed" or "no change"."""
        if not self.changed:
            return "no change"
        line = f"{_count(self.texts, 'text')}, {_count(self.settings, 'setting')} changed"
        if self.states:
            line += f", {_count(self.states, 'translation state')} recorded"
        return line


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _blank(row: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in row)


def _submodel(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The model of a field of `model` (a `Location` for a stage's `location`), if any."""
    info = model.model_fields.get(name)
    pending: list[Any] = [info.annotation] if info is not None else []
    while pending:
        annotation = pending.pop(0)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        pending.extend(get_args(annotation))
    return None


def _insert(mapping: CommentedMap, key: str, value: Any, order: Sequence[str]) -> None:
    """Add a key to a mapping where the model lists it: after the keys before it."""
    earlier = set(order[: order.index(key)]) if key in order else set(order)
    position = 0
    for index, present in enumerate(mapping):
        if present in earlier:
            position = index + 1
    mapping.insert(position, key, value)


def _opening_node(slots: tuple[tuple[Any, ...], ...]) -> CommentedSeq:
    """Opening hours as the rally file writes them: `- days: "mon-fri"` / `hours: "..."`."""
    node = CommentedSeq()
    for days, hours in slots:
        slot = CommentedMap()
        slot["days"] = DoubleQuotedScalarString(days_text(days))
        slot["hours"] = DoubleQuotedScalarString(hours_text(hours))
        node.append(slot)
    return node


def _new_team(flow: bool) -> CommentedMap:
    item = CommentedMap()
    if flow:  # as the file's other teams: `- {name: ..., code: ...}`
        item.fa.set_flow_style()
    return item


def _yaml_value(kind: Kind, value: Any) -> Any:
    if kind is Kind.LANGUAGES:
        return list(value)
    if kind is Kind.CHOICE_NUMBERS:
        return value[0] if len(value) == 1 else list(value)
    return value


@dataclass(frozen=True)
class _Columns:
    """A sheet's columns by header."""

    table: Table
    index: dict[str, int]

    def get(self, row: int, name: str) -> str:
        return self.table.cell(row, self.index[name]).strip() if name in self.index else ""

    def address(self, row: int, name: str) -> str:
        return self.table.address(row, self.index.get(name, 0))


class _Import:
    """One import in progress: the document and states edited in memory, errors collected."""

    def __init__(self, document: RallyDocument, rally: Rally, reviews: Reviews) -> None:
        self.document = document
        self.rally = rally
        self.reviews = reviews
        self.languages: tuple[str, ...] = rally.rally.languages
        self.outcome = Imported()
        self.cells: dict[str, str] = {}
        """Each path edited (as `stages[3].location.lat`) → the cell it came from."""

    def error(self, address: str, message: str) -> None:
        self.outcome.errors.append(f"{address}: {message}")

    # -- the sheets' columns ---------------------------------------------------------------

    def columns(self, table: Table, known: Sequence[str], required: Sequence[str]) -> _Columns:
        index: dict[str, int] = {}
        for column, header in enumerate(table.header):
            if not header:
                continue
            if header not in known:
                self.error(
                    table.address(0, column),
                    f"unknown column '{header}' (the columns are: {', '.join(known)})",
                )
            elif header in index:
                self.error(table.address(0, column), f"the column '{header}' is there twice")
            else:
                index[header] = column
        for name in required:
            if name not in index:
                self.error(table.address(0, 0), f"no '{name}' column: it says what each row is")
        return _Columns(table, index)

    def rows(self, table: Table, columns: _Columns, key: str) -> Iterator[tuple[int, str]]:
        """The data rows with their key cell, each key once (a repeated one is an error)."""
        if key not in columns.index:
            return
        seen: dict[str, str] = {}
        for row in range(1, len(table.rows)):
            if _blank(table.rows[row]):
                continue
            value = columns.get(row, key)
            address = columns.address(row, key)
            if not value:
                self.error(address, f"no {key}: which one is this row?")
            elif value in seen:
                self.error(address, f"'{value}' is already in {seen[value]}")
            else:
                seen[value] = address
                yield row, value

    # -- one value -------------------------------------------------------------------------

    def put(
        self, base: YamlPath, owner: BaseModel, scalar: Scalar, value: Any, address: str
    ) -> None:
        """Write one cell's value (None: remove it) at `scalar.path` below `base`, where the
        rally file has `owner`; new keys go where the model lists them."""
        path = (*base, *scalar.path)
        self.cells[format_path(path)] = address
        document = self.document
        if value is None:
            if document.has(path):
                document.remove(path)
                self.outcome.settings += 1
            return
        node = document.get(base)
        model: type[BaseModel] | None = type(owner)
        for part in scalar.path[:-1]:
            assert isinstance(part, str) and model is not None
            if part not in node:
                _insert(node, part, CommentedMap(), list(model.model_fields))
            node = node[part]
            model = _submodel(model, part)
        last = scalar.path[-1]
        assert isinstance(last, str)
        if last not in node:
            _insert(node, last, None, list(model.model_fields) if model else [])
        if scalar.kind is Kind.OPENING:
            node[last] = _opening_node(value)  # in blocks: `set` would write a one-line list
            self.outcome.settings += 1
        elif scalar.kind is Kind.WORD:
            node[last] = str(value)  # `kind: heritage`, as written: a word is never quoted
            self.outcome.settings += 1
        elif document.set(path, _yaml_value(scalar.kind, value)):
            self.outcome.settings += 1

    def scalar_cell(
        self,
        columns: _Columns,
        row: int,
        scalar: Scalar,
        where: tuple[YamlPath, BaseModel],
        *,
        column: str | None = None,
        choices: int = 0,
    ) -> None:
        """Read the cell of `scalar` (in its column, or in `column`) and write it if it
        changed."""
        name = column or scalar.name
        if name not in columns.index:
            return
        address = columns.address(row, name)
        try:
            value = parse(scalar, columns.get(row, name), choices)
        except CellError as exc:
            self.error(address, str(exc))
            return
        base, owner = where
        if not same(scalar.kind, value, model_value(owner, scalar.path)):
            self.put(base, owner, scalar, value, address)

    # -- the sheets ------------------------------------------------------------------------

    def sheets(self, tables: dict[str, Table]) -> None:
        """Read each sheet there is, in order: the Rally sheet first, which may add a language
        the Texts sheet then gives."""
        readers = {
            SheetName.RALLY: self.rally_sheet,
            SheetName.TEAMS: self.teams_sheet,
            SheetName.STAGES: self.stages_sheet,
            SheetName.QUESTIONS: self.questions_sheet,
            SheetName.TEXTS: self.texts_sheet,
        }
        for name, read in readers.items():
            table = tables.get(name)
            if table is not None and table.rows:
                read(table)

    def rally_sheet(self, table: Table) -> None:
        columns = self.columns(table, ("setting", "value", "what it means"), ("setting", "value"))
        settings = {setting.name: setting for setting in SETTINGS}
        for row, name in self.rows(table, columns, "setting"):
            setting = settings.get(name)
            if setting is None:
                self.error(
                    columns.address(row, "setting"),
                    f"no setting '{name}' (the settings are: {', '.join(settings)})",
                )
                continue
            self.scalar_cell(columns, row, setting, ((), self.rally), column="value")
            if setting.name == "rally.languages":
                try:
                    languages = parse(setting, columns.get(row, "value"))
                except CellError:
                    continue
                self.languages = tuple(languages or self.languages)

    def teams_sheet(self, table: Table) -> None:
        columns = self.columns(table, ("name", "code"), ("name",))
        if "name" not in columns.index:
            return
        wanted: list[tuple[str, str | None, int]] = []
        for row in range(1, len(table.rows)):
            if _blank(table.rows[row]):
                continue
            name = columns.get(row, "name")
            code = (
                parse(TEAM_CODE, columns.get(row, "code"))
                if "code" in columns.index
                else next((team.code for team in self.rally.teams if team.name == name), None)
            )
            if not name:
                self.error(columns.address(row, "name"), "a team needs a name")
                continue
            wanted.append((name, code, row))
        current = [(team.name, team.code) for team in self.rally.teams]
        if [(name, code) for name, code, _ in wanted] == current:
            return
        self.replace_teams(wanted, columns)

    def replace_teams(self, wanted: list[tuple[str, str | None, int]], columns: _Columns) -> None:
        """The file's teams made the rows': a team found by name (or else code) is edited where
        it is, keeping its comments; a new one is inserted, one without a row removed."""
        teams = self.rally.teams
        unused = list(range(len(teams)))
        matched: list[int | None] = []
        for name, code, _ in wanted:
            found = next((i for i in unused if teams[i].name == name), None)
            if found is None and code:
                found = next((i for i in unused if teams[i].code == code), None)
            if found is not None:
                unused.remove(found)
            matched.append(found)
        root = self.document.root
        if not wanted:
            root.pop("teams", None)
            self.outcome.settings += len(teams)
            return
        if "teams" not in root:
            _insert(root, "teams", CommentedSeq(), list(Rally.model_fields))
        seq: CommentedSeq = root["teams"]
        flow = bool(len(seq) and isinstance(seq[0], CommentedMap) and seq[0].fa.flow_style())
        kept = [index for index in matched if index is not None]
        if kept != sorted(kept):  # rows reordered: the list is written again in their order
            items = [_new_team(flow) if index is None else seq[index] for index in matched]
            seq.clear()
            seq.extend(items)
            self.outcome.settings += 1
        else:
            for index in sorted(unused, reverse=True):
                del seq[index]
                self.outcome.settings += 1
            for position, found in enumerate(matched):
                if found is None:
                    seq.insert(position, _new_team(flow))
        for position, (name, code, row) in enumerate(wanted):
            self.team_cells(seq[position], ("teams", position), (name, code), row, columns)

    def team_cells(
        self,
        item: CommentedMap,
        base: YamlPath,
        values: tuple[str, str | None],
        row: int,
        columns: _Columns,
    ) -> None:
        """Write a team's name and code where they differ from the file's."""
        for scalar, value in zip((TEAM_NAME, TEAM_CODE), values, strict=True):
            key = str(scalar.path[-1])
            self.cells[format_path((*base, key))] = columns.address(row, scalar.name)
            present = item.get(key)
            if value is None:
                if key in item:
                    del item[key]
                    self.outcome.settings += 1
                continue
            if present is not None and same(scalar.kind, value, str(present)):
                continue
            if key not in item:
                _insert(item, key, None, list(Team.model_fields))
            self.document.set((*base, key), value)
            self.outcome.settings += 1

    def stages_sheet(self, table: Table) -> None:
        known = (STAGE_ID, *(column.name for column in STAGE_COLUMNS))
        columns = self.columns(table, known, (STAGE_ID,))
        index = {stage.id: number for number, stage in enumerate(self.rally.stages)}
        for row, stage_id in self.rows(table, columns, STAGE_ID):
            number = index.get(stage_id)
            if number is None:
                self.error(
                    columns.address(row, STAGE_ID),
                    f"no stage '{stage_id}' in this rally: a row cannot add or rename a stage "
                    "(write it in the rally file)",
                )
                continue
            stage = self.rally.stages[number]
            where: tuple[YamlPath, BaseModel] = (("stages", number), stage)
            located = self.location_cells(columns, row, stage, where)
            for scalar in STAGE_COLUMNS:
                if scalar not in LOCATION or located:
                    self.scalar_cell(columns, row, scalar, where)

    def location_cells(
        self, columns: _Columns, row: int, stage: Stage, where: tuple[YamlPath, BaseModel]
    ) -> bool:
        """Check the zone's three cells go together (or remove the zone when all three are
        emptied); whether they are to be written one by one."""
        present = [scalar for scalar in LOCATION if scalar.name in columns.index]
        filled = [bool(columns.get(row, scalar.name)) for scalar in present]
        if len(present) == len(LOCATION) and not any(filled):
            if stage.location is not None:
                path = (*where[0], "location")
                self.document.remove(path)
                self.cells[format_path(path)] = columns.address(row, LOCATION[0].name)
                self.outcome.settings += 1
            return False
        if not all(filled):
            empty = present[filled.index(False)]
            self.error(
                columns.address(row, empty.name),
                "lat, lon and radius_m go together: fill in all three, or empty all three for "
                "a stage checked in by its code word only",
            )
            return False
        return True

    def questions_sheet(self, table: Table) -> None:
        known = (
            QUESTION_STAGE,
            QUESTION_ID,
            QUESTION_TYPE,
            *(column.name for column in QUESTION_COLUMNS),
        )
        columns = self.columns(table, known, (QUESTION_ID,))
        for row, question_id in self.rows(table, columns, QUESTION_ID):
            located = self.rally.locate_question(question_id)
            if located is None:
                self.error(
                    columns.address(row, QUESTION_ID),
                    f"no question '{question_id}' in this rally: a row cannot add or rename a "
                    "question (write it in the rally file)",
                )
                continue
            stage, position = located
            question = stage.questions[position]
            if not self.question_is_where_it_was(columns, row, stage, question):
                continue
            number = self.rally.stages.index(stage)
            where: tuple[YamlPath, BaseModel] = (
                ("stages", number, "questions", position),
                question,
            )
            choices = len(question.choices) if isinstance(question, ChoiceQuestion) else 0
            for scalar in QUESTION_COLUMNS:
                only = ONLY_FOR.get(scalar.name)
                if only is not None and only != question.type:
                    if columns.get(row, scalar.name):
                        self.error(
                            columns.address(row, scalar.name),
                            f"{question.id} is a {question.type} question: '{scalar.name}' "
                            f"is for {only} questions only",
                        )
                    continue
                self.scalar_cell(columns, row, scalar, where, choices=choices)

    def question_is_where_it_was(
        self, columns: _Columns, row: int, stage: Stage, question: Question
    ) -> bool:
        ok = True
        given_stage = columns.get(row, QUESTION_STAGE)
        if QUESTION_STAGE in columns.index and given_stage != stage.id:
            self.error(
                columns.address(row, QUESTION_STAGE),
                f"{question.id} is a question of the stage '{stage.id}': a row cannot move it "
                "(move it in the rally file)",
            )
            ok = False
        given_type = columns.get(row, QUESTION_TYPE)
        if QUESTION_TYPE in columns.index and given_type != question.type:
            self.error(
                columns.address(row, QUESTION_TYPE),
                f"{question.id} is a {question.type} question: a row cannot change its type "
                "(its choices or answers are written in the rally file)",
            )
            ok = False
        return ok

    # -- texts -----------------------------------------------------------------------------

    def texts_sheet(self, table: Table) -> None:
        texts = texts_by_key(self.rally)
        default = self.rally.default_language
        texts_columns = self.text_columns(table)
        if texts_columns is None:
            return
        columns, languages = texts_columns
        for row, key in self.rows(table, columns, TEXT_KEY):
            text = texts.get(key)
            if text is None:
                self.error(
                    columns.address(row, TEXT_KEY),
                    f"no text '{key}' in this rally: a row cannot add a text (write it in the "
                    "rally file)",
                )
                continue
            source = text.source(default)
            if default in columns.index:
                written = _canonical(text, columns.get(row, default))
                if written is None:
                    self.error(
                        columns.address(row, default),
                        f"the {default} text cannot be empty: every translation is made from it",
                    )
                    continue
                if written != source:
                    self.set_text(text, default, written, columns.address(row, default))
                    source = written
            handled = {
                language
                for language in languages
                if self.translation_cells(columns, row, text, language, source)
            }
            if source != text.source(default):
                self.stale_translations(text, handled)

    def text_columns(self, table: Table) -> tuple[_Columns, list[str]] | None:
        """The Texts sheet's columns, and the translations it gives (languages or statuses)."""
        default = self.rally.default_language
        known = [TEXT_KEY, TEXT_PURPOSE]
        languages: list[str] = []
        for column, header in enumerate(table.header):
            language = header.removesuffix(STATUS_SUFFIX)
            if not header or header in known:
                continue
            known.append(header)  # a wrong one is said once, here, and its column not read
            if language not in self.languages:
                self.error(
                    table.address(0, column),
                    (f"'{header}': " if header != language else "")
                    + f"'{language}' is not one of the rally's languages "
                    f"({', '.join(self.languages)}); a new one is added to rally.languages "
                    "in the Rally sheet first",
                )
                continue
            if header.endswith(STATUS_SUFFIX) and language == default:
                self.error(
                    table.address(0, column),
                    f"'{header}': the default language has no status: every translation is "
                    "made from its text",
                )
                continue
            if language != default and language not in languages:
                languages.append(language)
        columns = self.columns(table, known, (TEXT_KEY,))
        return (columns, languages) if TEXT_KEY in columns.index else None

    def set_text(self, text: RallyText, language: str, value: str | None, address: str) -> None:
        path = (*text.path, language)
        self.cells[format_path(path)] = address
        self.cells.setdefault(format_path(text.path), address)
        written: str | list[str] = value or ""
        if value and text.kind is TextKind.ANSWERS:
            written = split_answers(value)
        if self.document.set_text(text.path, language, written, self.languages):
            self.outcome.texts += 1

    def translation_cells(
        self, columns: _Columns, row: int, text: RallyText, language: str, source: str
    ) -> bool:
        """Apply a translation's text and status cells; whether it was handled (its state
        recorded, or the translation removed)."""
        default = self.rally.default_language
        old = text.values.get(language)
        new = _canonical(text, columns.get(row, language)) if language in columns.index else old
        status_column = status_header(language)
        given: ReviewState | None = None  # no status column: as it was
        if status_column in columns.index:
            word = columns.get(row, status_column).lower()
            if word not in STATUS_WORDS:
                self.error(
                    columns.address(row, status_column),
                    f"'{word}' is not a status: write {' or '.join(STATUSES)}",
                )
                return False
            given = STATUS_WORDS[word]
        if new is None:  # a status without a text is not read
            if old is None:
                return False
            self.set_text(text, language, None, columns.address(row, language))
            if self.reviews.forget(text.key, language):
                self.outcome.states += 1
            return True
        was = self.reviews.state(text, language, default)
        if was is ReviewState.MISSING:
            was = ReviewState.DRAFT  # a new translation is a draft unless said otherwise
        status = given or was
        if status is not was and status is ReviewState.STALE:
            self.error(
                columns.address(row, status_column),
                f"stale is worked out (the {default} text changed since the translation was "
                f"made), not chosen: write {' or '.join(STATUSES)}",
            )
            return False
        if new != old:
            self.set_text(text, language, new, columns.address(row, language))
        if status is not was:
            recorded = Recorded(status.value)
        elif new != old:
            recorded = Recorded.DRAFT  # changed without a reviewer saying so
        else:
            return False
        if self.reviews.mark(text, language, recorded, source):
            self.outcome.states += 1
        return True

    def stale_translations(self, text: RallyText, handled: set[str]) -> None:
        """A French text changed: its translations left as they were are now stale (one with no
        record yet is recorded as a draft of the former French, so that it shows stale)."""
        default = self.rally.default_language
        for language in text.values:
            if language == default or language in handled:
                continue
            if text.key not in self.reviews.records.get(language, {}) and self.reviews.mark(
                text, language, Recorded.DRAFT, text.source(default)
            ):
                self.outcome.states += 1


def _canonical(text: RallyText, cell: str) -> str | None:
    """A text cell as the rally reads it (answers joined as `a | b`); None if empty."""
    if text.kind is TextKind.ANSWERS:
        return ANSWER_SEPARATOR.join(split_answers(cell)) or None
    return cell.strip() or None


SHEET_ORDER = (
    SheetName.RALLY,
    SheetName.TEAMS,
    SheetName.STAGES,
    SheetName.QUESTIONS,
    SheetName.TEXTS,
)


@dataclass
class Prepared:
    """An import worked out in memory, not written yet."""

    outcome: Imported
    document: RallyDocument | None = None
    reviews: Reviews | None = None
    rally: Rally | None = None
    """The rally as the import leaves it, once valid."""


def prepare_import(tables: dict[str, Table], rally_file: Path, source: str) -> Prepared:
    """Work out what the tables change in the rally file and its states, in memory."""

    outcome = Imported()
    try:
        document = RallyDocument.read(rally_file)
        # the file as read (`validated` would first write it out again: a slow no-op)
        rally = parse_rally(document.original, str(rally_file), rally_file.resolve().parent)
        reviews = Reviews.of(rally_file)
    except (DocumentError, ReviewFileError) as exc:
        outcome.errors.append(str(exc))
        return Prepared(outcome)
    except RallyFileError as exc:
        outcome.headline = f"{rally_file} is not a valid rally file: fix it first"
        outcome.errors.extend(str(problem) for problem in exc.problems)
        return Prepared(outcome)
    work = _Import(document, rally, reviews)
    if not any(name in tables for name in SHEET_ORDER):
        work.error(source, f"no sheet named {', '.join(SHEET_ORDER)}")
    work.sheets(tables)
    if work.outcome.errors:
        return Prepared(work.outcome)
    if not (work.outcome.texts or work.outcome.settings) or not document.changed:
        return Prepared(work.outcome, document, reviews, rally)
    try:
        edited = document.validated()
    except RallyFileError as exc:
        work.outcome.headline = f"{rally_file} would not be a valid rally file after this import:"
        for problem in exc.problems:
            cell = work.cells.get(problem.path)
            where = f"{cell}: " if cell else ""
            work.outcome.errors.append(f"{where}{problem.path}: {problem.message}")
        return Prepared(work.outcome)
    return Prepared(work.outcome, document, reviews, edited)


def apply_import(prepared: Prepared) -> Imported:
    """Write what `prepare_import` worked out (nothing if it found an error)."""
    outcome, document, reviews, rally = (
        prepared.outcome,
        prepared.document,
        prepared.reviews,
        prepared.rally,
    )
    if outcome.errors or document is None or reviews is None or rally is None:
        return outcome
    if document.write():
        outcome.written.append(document.path)
    if outcome.states and reviews.write(rally):
        outcome.written.append(reviews.path)
    return outcome
