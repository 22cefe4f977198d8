"""`python -m bot translations`: a rally's texts as a gettext catalog for translators, and the
catalog brought back into the rally file.

`export RALLY --lang ti --out ti.po` writes one entry per text (`bot.core.texts.rally_texts`):

    # machine draft: check and clear the fuzzy mark
    #. stage 8 (CPAM — Assurance maladie): the clue that leads the team there
    #. (short, plain sentences)
    #. in the rally file: stages[7].clue
    #. in English: The CPAM is the health insurance office: it pays back your
    #. medical costs. ...
    #: stages.yaml:2517
    #, fuzzy
    msgctxt "stage.cpam.clue"
    msgid ""
    "La CPAM, c'est l'Assurance maladie : elle rembourse les soins. Son "
    ...
    msgstr "..."

The French (the rally's default language) is the msgid, the text's key the msgctxt (two equal
French texts stay two entries), its purpose, place and English the extracted comments, the `#:`
reference the line of its French in the rally file; accepted answers are joined by " | ". A
translation not reviewed yet (a draft) and one whose French changed since it was made (stale)
come fuzzy, with a translator comment saying which. The old French of a stale entry is not
known (the states file keeps its digest only), so there is no `#| msgid` to compare with. A
text not translated yet comes with an empty msgstr.

`import ti.po --into RALLY` reads each entry back, matched by its msgctxt:

- an empty msgstr changes nothing (an import never deletes a translation);
- a msgstr without the fuzzy mark is written and recorded reviewed, made from the current French;
- a fuzzy msgstr is written and recorded a draft; a fuzzy entry left as exported changes nothing
  (a draft stays a draft, a stale translation stays stale), but a reviewed translation marked
  fuzzy again goes back to draft;
- an entry whose key is not in the rally, or whose msgid is no longer the rally's French (fuzzy
  or not), is skipped with a warning naming its line: its msgstr translates a wording the rally
  no longer has, and writing it would replace the current translation with that of an old text.
  Export again: the entry comes back with the new French and the translation the file has;
- whatever the entries, the catalog's language (its Language header, or `--lang`) must be one
  of the rally's other than its default, and a catalog exported from another rally (its
  Project-Id-Version) is refused.

The edited rally file is validated before anything is written (its problems printed, each with
its line, and nothing written), then written keeping its comments and order
(`bot.authoring.document`), then the states file (`bot.i18n.review`). Importing a catalog just
exported changes no byte of either. Exit codes: 0 done (skipped entries are warnings, counted
in the summary); 1 a file that cannot be read or an edit that makes the rally invalid; 2 a
language or a rally the catalog cannot be imported into.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # imported when a command runs: `python -m bot validate` starts fast
    from babel.messages.catalog import Catalog

    from bot.authoring.document import RallyDocument
    from bot.core.content import Rally
    from bot.core.rally_file import RallyFileError
    from bot.core.texts import RallyText
    from bot.i18n.review import Recorded, Reviews

# translator comments stay under 76 characters: Babel, like xgettext, wraps longer ones
DRAFT_COMMENT = "machine draft: check and clear the fuzzy mark"
STALE_COMMENT = "the French changed: check the translation and clear the fuzzy mark"
PROJECT = "Rallye"
"""The catalog's Project-Id-Version is `Rallye <rally id>`."""

HEADER_COMMENT = """\
# {title}
# The rally's texts in {language} ({code}), for its translators.
# Source (msgid): the French. Context (msgctxt): the text's key.
# Fuzzy: a machine draft, or a translation whose French changed:
# check it, then clear the fuzzy mark. An empty translation changes
# nothing.
# Bring it back:
#   python -m bot translations import {code}.po --into {rally_file}"""


class CatalogError(Exception):
    """A file that cannot be read as a gettext catalog."""


class LanguageError(Exception):
    """A language the rally's texts cannot be exported to or imported from."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `translations` command and its `export` and `import` sub-commands."""
    command = commands.add_parser(
        "translations",
        help="the rally's texts as gettext catalogs (.po) for translators, and back",
    )
    actions = command.add_subparsers(dest="action", required=True)
    export = actions.add_parser(
        "export",
        help="write one language's catalog: the French as msgid, drafts and stale texts fuzzy",
    )
    export.add_argument("rally", help="the rally file, e.g. data/stages.yaml")
    export.add_argument("--lang", required=True, help="the language to translate into, e.g. ti")
    export.add_argument("--out", type=Path, help="the catalog to write (default: LANG.po)")
    export.set_defaults(run=run_export)
    bring = actions.add_parser(
        "import",
        help="write a catalog's translations into the rally file (fuzzy ones as drafts)",
    )
    bring.add_argument("catalog", type=Path, help="the .po file a translator edited")
    bring.add_argument("--into", required=True, help="the rally file to write them into")
    bring.add_argument("--lang", help="its language, if the catalog's header does not say")
    bring.set_defaults(run=run_import)


# export


def run_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`translations export`: 0 with what was written, 1 or 2 with one line saying why not."""
    from babel.messages.pofile import write_po

    from bot.core.rally_file import RallyFileError, load_rally
    from bot.i18n.review import ReviewFileError, Reviews, ReviewState, tally

    language = _language_code(args.lang)
    target: Path = args.out or Path(f"{language}.po")
    try:
        rally = load_rally(args.rally)
        reviews = Reviews.of(args.rally)
    except RallyFileError as exc:
        return _invalid(exc, err, f"see `python -m bot validate {args.rally}`")
    except ReviewFileError as exc:
        print(f"rallye: {exc}", file=err)
        return 1
    try:
        _translatable(rally, language)
    except LanguageError as exc:
        print(f"rallye: {exc}", file=err)
        return 2
    rally_file = Path(args.rally)
    catalog = catalog_of(rally, reviews, language, rally_file, now=datetime.now(UTC))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            write_po(handle, catalog)
    except OSError as exc:
        print(f"rallye: {target}: cannot write it ({exc.strerror})", file=err)
        return 1
    counts = tally(rally, reviews)[language]
    print(
        f"{target}: {len(catalog)} texts of rally {rally.id} in {language} ("
        + ", ".join(f"{counts[state]} {state.value}" for state in ReviewState)
        + ")",
        file=out,
    )
    return 0


def catalog_of(
    rally: Rally, reviews: Reviews, language: str, rally_file: Path, *, now: datetime
) -> Catalog:
    """The catalog of `rally`'s texts in `language`; `rally_file` (the rally's file, read
    again for line numbers) gives each French text's line."""
    from babel import Locale
    from babel.messages.catalog import Catalog

    from bot.core.rally_file import format_path, line_finder
    from bot.core.texts import rally_texts
    from bot.i18n.review import ReviewState

    default = rally.default_language
    name = Locale.parse(language).english_name
    catalog = Catalog(
        locale=language,
        header_comment=HEADER_COMMENT.format(
            title=rally.rally.title[default], language=name, code=language, rally_file=rally_file
        ),
        project=PROJECT,
        version=rally.id,
        language_team=name,
        creation_date=now,
        charset="utf-8",
        fuzzy=False,
    )
    line_of = line_finder(rally_file)
    for text in rally_texts(rally):
        translation = text.values.get(language, "")
        state = reviews.state(text, language, default)
        comments = {ReviewState.DRAFT: [DRAFT_COMMENT], ReviewState.STALE: [STALE_COMMENT]}
        notes = [text.purpose, f"in the rally file: {format_path(text.path)}"]
        if language != "en" and "en" in text.values:
            notes.append(f"in English: {text.values['en']}")
        catalog.add(
            text.source(default),
            translation,
            locations=[(rally_file.name, line_of((*text.path, default)))],
            flags=["fuzzy"] if translation and state in comments else [],
            auto_comments=notes,
            user_comments=comments.get(state, []) if translation else [],
            context=text.key,
        )
    return catalog


# import


@dataclass(frozen=True)
class Edit:
    """A translation to write into the rally file."""

    text: RallyText
    value: str | list[str]
    line: int
    """The entry's line in the catalog."""


@dataclass(frozen=True)
class Verdict:
    """A translation's state to record, made from the French `source`."""

    text: RallyText
    state: Recorded
    source: str


@dataclass
class ImportPlan:
    """What a catalog brings into a rally: edits of its texts, states, skipped entries."""

    language: str
    edits: list[Edit] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def run_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`translations import`: 0 with a summary, 1 or 2 with the reason nothing was written."""
    from bot.core.rally_file import RallyFileError, load_rally
    from bot.i18n.review import ReviewFileError, Reviews

    po_name = args.catalog.name
    try:
        catalog = read_catalog(args.catalog)
        rally = load_rally(args.into)
        reviews = Reviews.of(args.into)
    except RallyFileError as exc:
        return _invalid(exc, err, f"see `python -m bot validate {args.into}`")
    except (CatalogError, ReviewFileError) as exc:
        print(f"rallye: {exc}", file=err)
        return 1
    try:
        language = catalog_language(catalog, args.lang, po_name)
        _translatable(rally, language)
        _same_rally(catalog, rally, po_name)
    except LanguageError as exc:
        print(f"rallye: {exc}", file=err)
        return 2
    plan = plan_import(catalog, rally, reviews, language, po_name)
    for warning in plan.warnings:
        print(f"rallye: {warning}", file=err)
    return apply_import(plan, Path(args.into), rally, reviews, po_name, out, err)


def apply_import(  # noqa: PLR0917 - the plan, where it goes, and the command's streams
    plan: ImportPlan,
    rally_file: Path,
    rally: Rally,
    reviews: Reviews,
    po_name: str,
    out: TextIO,
    err: TextIO,
) -> int:
    """Write a plan's translations into the rally file, then their states; nothing at all when
    the edited file is not a valid rally (its problems printed: 1)."""
    from bot.authoring.document import DocumentError, RallyDocument
    from bot.core.rally_file import RallyFileError

    edited = rally
    document: RallyDocument | None = None
    rewritten: set[str] = set()
    if plan.edits:
        try:
            document = RallyDocument.read(rally_file)
            order = rally.rally.languages
            rewritten = {
                edit.text.key
                for edit in plan.edits
                if document.set_text(edit.text.path, plan.language, edit.value, order)
            }
            edited = document.validated() if document.changed else rally
        except DocumentError as exc:
            print(f"rallye: {exc}", file=err)
            return 1
        except RallyFileError as exc:
            for line in problem_lines(exc, plan.edits, po_name):
                print(line, file=err)
            print(
                f"{len(exc.problems)} error(s) in {rally_file} with {po_name}'s translations: "
                "nothing written",
                file=err,
            )
            return 1
    recorded = {
        verdict.text.key
        for verdict in plan.verdicts
        if reviews.mark(verdict.text, plan.language, verdict.state, verdict.source)
    }
    try:
        if document is not None:
            document.write()
        if recorded:
            reviews.write(edited)
    except OSError as exc:
        print(f"rallye: {exc.filename}: cannot write it ({exc.strerror})", file=err)
        return 1
    states = {verdict.text.key: verdict.state for verdict in plan.verdicts}
    updated = [states[key] for key in rewritten | recorded]
    print(summary(plan.language, updated, len(plan.warnings)), file=out)
    return 0


def read_catalog(path: Path) -> Catalog:
    """A gettext catalog from a file; `CatalogError` saying why it cannot be read as one."""
    from babel.messages.pofile import PoFileError, read_po

    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read it ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not a .po catalog (not UTF-8 text)") from exc
    except PoFileError as exc:
        reason = str(exc).rsplit(" on ", 1)[0]
        raise CatalogError(f"{path}:{exc.lineno + 1}: not a .po catalog ({reason})") from exc
    except ValueError as exc:  # a header Babel cannot parse, e.g. a date
        raise CatalogError(f"{path}: not a .po catalog ({exc})") from exc
    if not len(catalog):
        raise CatalogError(f"{path}: not a .po catalog of rally texts (no entry in it)")
    return catalog


def catalog_language(catalog: Catalog, asked: str | None, po_name: str) -> str:
    """The catalog's language: its Language header, or `--lang` (which must agree with it)."""
    written = catalog.locale_identifier
    wanted = _language_code(asked) if asked else None
    if written and wanted and written != wanted:
        raise LanguageError(f"{po_name} is in {written} (its Language header), not {wanted}")
    language = written or wanted
    if not language:
        raise LanguageError(f"{po_name} has no Language header: say which with --lang")
    return language


def plan_import(
    catalog: Catalog, rally: Rally, reviews: Reviews, language: str, po_name: str
) -> ImportPlan:
    """What importing `catalog`'s `language` into `rally` would change, entry by entry."""
    from bot.core.texts import texts_by_key

    plan = ImportPlan(language)
    texts = texts_by_key(rally)
    for message in catalog:
        if not message.id:
            continue  # the header
        line = message.lineno or 0
        where = f"{po_name}:{line}"
        if not isinstance(message.id, str) or not isinstance(message.string, str):
            plan.warnings.append(f"{where}: a plural entry (rally texts have none): skipped")
            continue
        if not message.string:
            continue  # untranslated: an import never deletes a translation
        text = texts.get(message.context or "")
        if message.context is None:
            plan.warnings.append(f"{where}: no msgctxt naming the text: skipped")
        elif text is None:
            plan.warnings.append(
                f"{where}: {message.context}: rally {rally.id} has no such text "
                "(removed or renamed since the export?): skipped"
            )
        elif message.id.strip() != text.source(rally.default_language).strip():
            plan.warnings.append(
                f"{where}: {text.key}: the French changed since this catalog was exported: "
                "skipped (export it again to translate the new French)"
            )
        else:
            entry = Entry(text, message.string, message.fuzzy, line)
            _plan_entry(plan, entry, reviews, rally.default_language)
    return plan


@dataclass(frozen=True)
class Entry:
    """A catalog entry naming a text of the rally, with its current French."""

    text: RallyText
    translation: str
    fuzzy: bool
    line: int


def _plan_entry(plan: ImportPlan, entry: Entry, reviews: Reviews, default: str) -> None:
    """The edit and the state one entry brings."""
    from bot.core.texts import TextKind, split_answers
    from bot.i18n.review import Recorded, ReviewState

    text, written = entry.text, entry.translation
    current = text.values.get(plan.language)
    value: str | list[str]
    if text.kind is TextKind.ANSWERS:
        answers = split_answers(written)
        changed = current is None or answers != split_answers(current)
        value = answers or [""]  # no answer at all: left for the rally's check to refuse
    else:
        changed = current is None or written.strip() != current.strip()
        value = written
    if changed:
        plan.edits.append(Edit(text, value, entry.line))
    source = text.source(default)
    if not entry.fuzzy:
        plan.verdicts.append(Verdict(text, Recorded.REVIEWED, source))
    elif changed or reviews.state(text, plan.language, default) is ReviewState.REVIEWED:
        plan.verdicts.append(Verdict(text, Recorded.DRAFT, source))


def problem_lines(error: RallyFileError, edits: Sequence[Edit], po_name: str) -> list[str]:
    """The problems of the edited rally file, each with the catalog entry that caused it."""
    from bot.core.rally_file import format_path

    lines = []
    for problem in error.problems:
        cause = next(
            (
                edit
                for edit in edits
                if problem.path == format_path(edit.text.path)
                or problem.path.startswith(format_path(edit.text.path) + ".")
            ),
            None,
        )
        also = f" (from {po_name}:{cause.line}, {cause.text.key})" if cause else ""
        lines.append(f"{problem}{also}")
    return lines


def summary(language: str, updated: Sequence[Recorded], skipped: int) -> str:
    """The import's one line: `ti: 12 texts updated (10 reviewed, 2 drafts), 3 skipped`;
    `updated`: the state each updated text is recorded in."""
    from bot.i18n.review import Recorded

    count = len(updated)
    reviewed = sum(1 for state in updated if state is Recorded.REVIEWED)
    drafts = count - reviewed
    return (
        f"{language}: {count} {'text' if count == 1 else 'texts'} updated ({reviewed} reviewed, "
        f"{drafts} {'draft' if drafts == 1 else 'drafts'}), {skipped} skipped"
    )


# both


def _language_code(value: str) -> str:
    """A language as the rally file writes it (`fa-AF` → `fa_AF`)."""
    return value.strip().replace("-", "_")


def _translatable(rally: Rally, language: str) -> None:
    """`LanguageError` unless `language` is one of the rally's, other than its default."""
    if language == rally.default_language:
        raise LanguageError(
            f"{language} is rally {rally.id}'s default language: its texts are the source, "
            "written in the rally file itself"
        )
    if language not in rally.rally.languages:
        raise LanguageError(
            f"rally {rally.id} is not offered in {language} (rally.languages: "
            f"{', '.join(rally.rally.languages)}): add it there first"
        )


def _same_rally(catalog: Catalog, rally: Rally, po_name: str) -> None:
    """`LanguageError` if the catalog says it was exported from another rally."""
    if catalog.project == PROJECT and catalog.version and catalog.version != rally.id:
        raise LanguageError(
            f"{po_name} holds the texts of rally {catalog.version}, not of {rally.id}"
        )


def _invalid(error: RallyFileError, err: TextIO, advice: str) -> int:
    first, more = error.problems[0], len(error.problems) - 1
    also = f" (and {more} more: {advice})" if more else ""
    print(f"rallye: {first}{also}", file=err)
    return 1
