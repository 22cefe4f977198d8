"""`python -m bot translations export|import`: the rally's texts as gettext catalogs for
translators, on a copy of the bundled rally, and what `i18n-check` then says."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from bot.authoring.translations import DRAFT_COMMENT, STALE_COMMENT
from bot.cli import main
from bot.core.content import Rally
from bot.core.rally_file import load_rally
from bot.core.texts import RallyText, TextKind, rally_texts, texts_by_key
from bot.i18n.review import Reviews, ReviewState, review_path
from tests.bot.conftest import ADMIN_ID, open_world
from tests.bot.players import join

ROOT = Path(__file__).parents[2]
BUNDLED = ROOT / "data" / "stages.yaml"


@pytest.fixture
def rally_file(tmp_path: Path) -> Path:
    """A copy of the bundled rally (and of its translation states, if it has some)."""
    copy = tmp_path / "rally" / "stages.yaml"
    copy.parent.mkdir()
    shutil.copyfile(BUNDLED, copy)
    if review_path(BUNDLED).is_file():
        shutil.copyfile(review_path(BUNDLED), review_path(copy))
    return copy


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def export(capsys: pytest.CaptureFixture[str], rally_file: Path, language: str) -> Path:
    po = rally_file.parent.parent / f"{language}.po"
    code, out, err = run(
        capsys, "translations", "export", rally_file, "--lang", language, "--out", po
    )
    assert (code, err) == (0, ""), err
    assert out.startswith(f"{po}: ")
    return po


def read(po: Path) -> Catalog:
    with po.open("rb") as handle:
        return read_po(handle)


def save(catalog: Catalog, po: Path) -> None:
    """Save a catalog as a translator's tool would."""
    with po.open("wb") as handle:
        write_po(handle, catalog)


def entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def files(rally_file: Path) -> tuple[bytes, bytes | None]:
    """Every byte the import may write: the rally file and its states file."""
    states = review_path(rally_file)
    return rally_file.read_bytes(), states.read_bytes() if states.is_file() else None


def entry(catalog: Catalog, key: str) -> Message:
    [found] = [message for message in entries(catalog) if message.context == key]
    return found


def first(rally: Rally, suffix: str, kind: TextKind = TextKind.SENTENCE) -> RallyText:
    return next(t for t in rally_texts(rally) if t.key.endswith(suffix) and t.kind is kind)


def test_the_catalog_has_one_entry_per_text_with_its_place_and_drafts_fuzzy(
    capsys: pytest.CaptureFixture[str], rally_file: Path
) -> None:
    rally = load_rally(rally_file)
    reviews = Reviews.of(rally_file)
    po = export(capsys, rally_file, "ti")

    raw = po.read_text(encoding="utf-8")
    assert '"Language: ti\\n"' in raw
    assert '"Project-Id-Version: Rallye clermont-ferrand\\n"' in raw
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in raw
    assert '"Content-Type: text/plain; charset=utf-8\\n"' in raw
    catalog = read(po)
    assert catalog.locale_identifier == "ti"
    texts = list(rally_texts(rally))
    found = entries(catalog)
    assert [message.context for message in found] == [text.key for text in texts]
    assert len(found) > 200
    lines = rally_file.read_text(encoding="utf-8").splitlines()
    for message, text in zip(found, texts, strict=True):
        assert message.id == text.values["fr"]
        assert message.string == text.values.get("ti", "")
        notes = " ".join(message.auto_comments)  # wrapped at 76 characters, as xgettext does
        assert notes.startswith(f"{text.purpose} in the rally file: ")
        [(name, line)] = message.locations
        assert name == "stages.yaml"
        assert "fr: " in lines[line - 1], (text.key, line)  # `fr: "..."` or `{fr: "...", ...}`
        draft = reviews.state(text, "ti", "fr") in {ReviewState.DRAFT, ReviewState.STALE}
        assert message.fuzzy is draft
    drafts = [m for m in found if m.user_comments == [DRAFT_COMMENT]]
    assert drafts  # every bundled translation is a machine draft today
    assert all(m.fuzzy for m in drafts)
    # two equal French texts stay two entries, told apart by their key
    repeated = Counter(message.id for message in found).most_common(1)[0]
    assert repeated[1] > 1
    assert len({m.context for m in found if m.id == repeated[0]}) == repeated[1]
    answers = entry(catalog, first(rally, ".accepted", TextKind.ANSWERS).key)
    assert " | " in answers.id
    assert isinstance(answers.string, str)
    assert " | " in answers.string
    assert "separated by |" in " ".join(answers.auto_comments)
    assert "in the rally file: stages[" in " ".join(answers.auto_comments)


def test_importing_the_catalog_as_exported_changes_no_byte(
    capsys: pytest.CaptureFixture[str], rally_file: Path
) -> None:
    before = files(rally_file)
    po = export(capsys, rally_file, "ti")

    code, out, err = run(capsys, "translations", "import", po, "--into", rally_file)

    assert (code, out, err) == (0, "ti: 0 texts updated (0 reviewed, 0 drafts), 0 skipped\n", "")
    assert files(rally_file) == before


def test_a_translators_edits_are_written_on_their_lines_and_recorded(
    capsys: pytest.CaptureFixture[str], rally_file: Path
) -> None:
    rally = load_rally(rally_file)
    clue, hint = first(rally, ".clue"), first(rally, ".hint.1")
    answers = first(rally, ".accepted", TextKind.ANSWERS)
    po = export(capsys, rally_file, "ti")
    catalog = read(po)
    # reviewed and reworded; reworded but left fuzzy; reviewed as it was; new answers
    entry(catalog, clue.key).string = "ሓድሽ ምልክት።"
    entry(catalog, clue.key).flags.discard("fuzzy")
    entry(catalog, hint.key).string = "ሓድሽ ሓገዝ"
    entry(catalog, "rally.title").flags.discard("fuzzy")
    entry(catalog, answers.key).string = "ባርቶልዲ | Bartholdi"
    entry(catalog, answers.key).flags.discard("fuzzy")
    save(catalog, po)
    before = rally_file.read_text(encoding="utf-8").splitlines()

    code, out, err = run(capsys, "translations", "import", po, "--into", rally_file)

    assert (code, err) == (0, "")
    assert out == "ti: 4 texts updated (3 reviewed, 1 draft), 0 skipped\n"
    after = rally_file.read_text(encoding="utf-8").splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert [after[i].strip() for i in changed] == [
        'ti: "ሓድሽ ምልክት።"',
        'ti: "ሓድሽ ሓገዝ"',
        'ti: ["ባርቶልዲ", "Bartholdi"]',
    ]  # in the file's order: the clue and the hint of stage 1, a later question's answers
    edited = load_rally(rally_file)  # valid, comments and every other line kept
    texts = texts_by_key(edited)
    assert texts[clue.key].values["ti"] == "ሓድሽ ምልክት።"
    assert texts[answers.key].values["ti"] == "ባርቶልዲ | Bartholdi"
    reviews = Reviews.of(rally_file)
    states = {key: reviews.state(texts[key], "ti", "fr") for key in texts}
    assert states[clue.key] is ReviewState.REVIEWED
    assert states["rally.title"] is ReviewState.REVIEWED
    assert states[answers.key] is ReviewState.REVIEWED
    assert states[hint.key] is ReviewState.DRAFT
    assert Counter(states.values())[ReviewState.REVIEWED] == 3
    assert states["stage.cpam.name"] is ReviewState.DRAFT
    assert review_path(rally_file).read_text(encoding="utf-8").count(": reviewed ") == 3

    # exported again: the reviewed entries are no longer fuzzy; a round trip changes nothing
    again = read(export(capsys, rally_file, "ti"))
    assert not entry(again, clue.key).fuzzy
    assert entry(again, clue.key).user_comments == []
    assert entry(again, hint.key).fuzzy
    assert entry(again, hint.key).user_comments == [DRAFT_COMMENT]
    before_files = files(rally_file)
    code, out, _ = run(capsys, "translations", "import", po, "--into", rally_file)
    assert (code, out) == (0, "ti: 0 texts updated (0 reviewed, 0 drafts), 0 skipped\n")
    assert files(rally_file) == before_files


def test_a_text_not_translated_yet_comes_empty_and_is_written_in_its_place(
    capsys: pytest.CaptureFixture[str], rally_file: Path
) -> None:
    name = first(load_rally(rally_file), ".name")
    [(_, line)] = entry(read(export(capsys, rally_file, "ti")), name.key).locations
    lines = rally_file.read_text(encoding="utf-8").splitlines(keepends=True)
    ti = next(i for i in range(line, len(lines)) if lines[i].lstrip().startswith("ti: "))
    rally_file.write_text("".join(lines[:ti] + lines[ti + 1 :]), encoding="utf-8")

    catalog = read(export(capsys, rally_file, "ti"))
    untranslated = entry(catalog, name.key)
    assert (untranslated.string, untranslated.fuzzy, untranslated.user_comments) == ("", False, [])
    untranslated.string = "ቤት ጽሕፈት"
    po = rally_file.parent.parent / "ti.po"
    save(catalog, po)
    code, out, _ = run(capsys, "translations", "import", po, "--into", rally_file)

    assert (code, out) == (0, "ti: 1 text updated (1 reviewed, 0 drafts), 0 skipped\n")
    indent = lines[ti][: len(lines[ti]) - len(lines[ti].lstrip())]
    expected = [*lines[:ti], f'{indent}ti: "ቤት ጽሕፈት"\n', *lines[ti + 1 :]]
    assert rally_file.read_text(encoding="utf-8").splitlines(keepends=True) == expected


def test_a_changed_french_text_makes_its_translations_stale(
    capsys: pytest.CaptureFixture[str], rally_file: Path
) -> None:
    rally = load_rally(rally_file)
    yaml_text = rally_file.read_text(encoding="utf-8")
    clue = next(
        t for t in rally_texts(rally) if t.key.endswith(".clue") and t.values["fr"] in yaml_text
    )
    others = [language for language in rally.rally.languages if language != "fr"]
    for language in others:  # each language's reviewer checks the clue as it stands
        reviewed = Catalog(locale=language, project="Rallye", version=rally.id)
        reviewed.add(clue.values["fr"], clue.values[language], context=clue.key)
        po = rally_file.parent.parent / f"{language}.po"
        save(reviewed, po)
        code, out, _ = run(capsys, "translations", "import", po, "--into", rally_file)
        assert (code, out) == (0, f"{language}: 1 text updated (1 reviewed, 0 drafts), 0 skipped\n")
    old_ti = read(export(capsys, rally_file, "ti"))

    rally_file.write_text(
        yaml_text.replace(clue.values["fr"], "Allez tout droit, puis à gauche.", 1),
        encoding="utf-8",
    )

    catalog = read(export(capsys, rally_file, "ti"))
    stale = entry(catalog, clue.key)
    assert stale.id == "Allez tout droit, puis à gauche."
    assert stale.string == clue.values["ti"]  # the translation of the old French, to check
    assert stale.fuzzy
    assert stale.user_comments == [STALE_COMMENT]
    code, out, _ = run(capsys, "i18n-check", rally_file)
    assert code == 1  # a stale text needs a review
    n = len(list(rally_texts(rally)))
    for language in others:
        block = out.split(f"\n{language}:", 1)[1].split("\n", 3)
        assert block[1] == f"  rally texts: 0 missing, {n - 1} draft, 0 reviewed, 1 stale"
        assert block[2] == "  rally texts stale (the French changed since: review them): 1"
        assert block[3].startswith(f"    {clue.key}\n")

    # the old catalog, edited: its entry translates a French the rally no longer has
    entry(old_ti, clue.key).string = "ናይ ቀደም"
    entry(old_ti, clue.key).flags.discard("fuzzy")
    old_po = rally_file.parent.parent / "old-ti.po"
    save(old_ti, old_po)
    line = entry(read(old_po), clue.key).lineno
    before = files(rally_file)
    code, out, err = run(capsys, "translations", "import", old_po, "--into", rally_file)
    assert (code, out) == (0, "ti: 0 texts updated (0 reviewed, 0 drafts), 1 skipped\n")
    assert err == (
        f"rallye: old-ti.po:{line}: {clue.key}: the French changed since this catalog was "
        "exported: skipped (export it again to translate the new French)\n"
    )
    assert files(rally_file) == before

    # the new catalog as exported: the stale entry stays stale; reviewed, it is no longer
    po = rally_file.parent.parent / "ti.po"
    code, out, _ = run(capsys, "translations", "import", po, "--into", rally_file)
    assert (code, out) == (0, "ti: 0 texts updated (0 reviewed, 0 drafts), 0 skipped\n")
    assert files(rally_file) == before
    entry(catalog, clue.key).flags.discard("fuzzy")
    save(catalog, po)
    code, out, _ = run(capsys, "translations", "import", po, "--into", rally_file)
    assert (code, out) == (0, "ti: 1 text updated (1 reviewed, 0 drafts), 0 skipped\n")
    assert rally_file.read_bytes() == before[0]  # the translation was kept as it was
    _, out, _ = run(capsys, "i18n-check", rally_file)
    assert f"\nti:\n  rally texts: 0 missing, {n - 1} draft, 1 reviewed, 0 stale\n" in (
        out.replace("ti: complete", "ti:")
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("de", "rallye: rally clermont-ferrand is not offered in de (rally.languages: fr, en, "),
        ("fr", "rallye: fr is rally clermont-ferrand's default language: its texts are the "),
    ],
)
def test_a_language_that_cannot_be_translated_is_refused(
    capsys: pytest.CaptureFixture[str], rally_file: Path, language: str, message: str
) -> None:
    po = rally_file.parent.parent / f"{language}.po"
    code, out, err = run(
        capsys, "translations", "export", rally_file, "--lang", language, "--out", po
    )
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert not po.exists()


@pytest.mark.parametrize(
    ("header", "option", "message"),
    [
        ("Language: de", [], "rallye: rally clermont-ferrand is not offered in de "),
        ("Language: fr", [], "rallye: fr is rally clermont-ferrand's default language"),
        ("Language: ti", ["--lang", "ar"], "rallye: ti.po is in ti (its Language header), not ar"),
        ("Language: ", [], "rallye: ti.po has no Language header: say which with --lang"),
        (
            "Project-Id-Version: Rallye vichy",
            [],
            "rallye: ti.po holds the texts of rally vichy, not of clermont-ferrand",
        ),
    ],
)
def test_a_catalog_for_another_language_or_rally_is_refused(
    capsys: pytest.CaptureFixture[str],
    rally_file: Path,
    header: str,
    option: list[str],
    message: str,
) -> None:
    po = export(capsys, rally_file, "ti")
    raw = po.read_text(encoding="utf-8")
    name = header.split(":", maxsplit=1)[0]
    start = raw.index(f'"{name}: ')
    end = raw.index('\\n"', start)
    po.write_text(raw[:start] + f'"{header}' + raw[end:], encoding="utf-8")
    before = files(rally_file)

    code, out, err = run(capsys, "translations", "import", po, "--into", rally_file, *option)

    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert files(rally_file) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"rally:\n  id: x\n", "ti.po:1: not a .po catalog (Unknown or misformatted keyword)"),
        (b"\x89PNG\r\n\x1a\n\x00\xff", "ti.po: not a .po catalog (not UTF-8 text)"),
        (b"", "ti.po: not a .po catalog of rally texts (no entry in it)"),
        (None, "ti.po: cannot read it (No such file or directory)"),
    ],
)
def test_a_file_that_is_no_catalog_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], rally_file: Path, content: bytes | None, message: str
) -> None:
    po = rally_file.parent.parent / "ti.po"
    if content is not None:
        po.write_bytes(content)
    before = files(rally_file)

    code, out, err = run(capsys, "translations", "import", po, "--into", rally_file)

    assert (code, out) == (1, "")
    assert err == f"rallye: {po.parent / message}\n"
    assert files(rally_file) == before


@pytest.mark.parametrize(
    ("suffix", "kind", "written", "problem"),
    [
        (".accepted", TextKind.ANSWERS, " | ", "no accepted answer for ti"),
        (".clue", TextKind.SENTENCE, "   ", "empty text for ti"),
    ],
)
def test_a_translation_the_rally_refuses_writes_nothing(
    capsys: pytest.CaptureFixture[str],
    rally_file: Path,
    suffix: str,
    kind: TextKind,
    written: str,
    problem: str,
) -> None:
    rally = load_rally(rally_file)
    text = first(rally, suffix, kind)
    po = export(capsys, rally_file, "ti")
    catalog = read(po)
    entry(catalog, text.key).string = written
    entry(catalog, text.key).flags.discard("fuzzy")
    entry(catalog, "rally.title").string = "ሓድሽ ኣርእስቲ"  # a good edit, not written either
    save(catalog, po)
    line = entry(read(po), text.key).lineno
    before = files(rally_file)

    code, out, err = run(capsys, "translations", "import", po, "--into", rally_file)

    assert (code, out) == (1, "")
    [reported, total] = err.splitlines()
    assert reported.startswith(f"{rally_file}:")  # the rally file's line, then the path
    assert problem in reported
    assert reported.endswith(f" (from ti.po:{line}, {text.key})")
    assert total == f"1 error(s) in {rally_file} with ti.po's translations: nothing written"
    assert files(rally_file) == before


def test_an_entry_naming_no_text_of_the_rally_is_skipped_with_its_line(
    capsys: pytest.CaptureFixture[str], rally_file: Path
) -> None:
    catalog = Catalog(locale="ti", project="Rallye", version="clermont-ferrand")
    catalog.add("Une étape qui n'existe plus.", "ዘየሎ", context="stage.nowhere.clue")
    catalog.add("Sans contexte.", "ብዘይ")
    catalog.add("Pas encore traduit.", "", context="stage.elsewhere.clue")  # empty: ignored
    po = rally_file.parent.parent / "ti.po"
    save(catalog, po)
    lines = {m.context: m.lineno for m in entries(read(po))}
    before = files(rally_file)

    code, out, err = run(capsys, "translations", "import", po, "--into", rally_file)

    assert (code, out) == (0, "ti: 0 texts updated (0 reviewed, 0 drafts), 2 skipped\n")
    assert err.splitlines() == [
        f"rallye: ti.po:{lines['stage.nowhere.clue']}: stage.nowhere.clue: rally "
        "clermont-ferrand has no such text (removed or renamed since the export?): skipped",
        f"rallye: ti.po:{lines[None]}: no msgctxt naming the text: skipped",
    ]
    assert files(rally_file) == before


NEW_CLUE_TI = "ናብቲ ጸሊም ካቴድራል ኪዱ፣ ኣብ Place de la Victoire።"


async def test_a_translators_clue_is_what_players_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    po = export(capsys, rally_file, "ti")
    catalog = read(po)
    clue = entry(catalog, "stage.cathedrale.clue")
    clue.string = NEW_CLUE_TI
    clue.flags.discard("fuzzy")  # the reviewer's mark
    save(catalog, po)
    code, _, errors = run(capsys, "translations", "import", po, "--into", rally_file)
    assert (code, errors) == (0, "")

    rally = load_rally(rally_file)
    async for world in open_world(tmp_path, "sqlite", rally):
        admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="fr")
        selam = world.user("Selam", "ti")
        await join(world, selam, "PARU63")  # Pariou starts at the cathedral
        admin.send_command("go")
        await world.settle()
        assert NEW_CLUE_TI in world.texts(selam)[-1]
