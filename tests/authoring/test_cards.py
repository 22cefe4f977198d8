"""Practical cards from public data: the annuaire's export read, opening hours understood, the
card written into a copy of the bundled rally and shown to players, open or closed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.authoring.annuaire import AnnuaireError, ChoiceError, choose, read_export
from bot.core.content import Card, Rally
from bot.core.engine import Audience, ClueGiven
from bot.core.opening import (
    ClosedNow,
    OpeningHoursError,
    OpenNow,
    TimeRange,
    Week,
    Weekday,
    days_text,
    parse_days,
    parse_hours,
)
from bot.core.rally_file import RallyFileError, load_rally, parse_rally
from bot.i18n.catalogs import Catalogs, Translator
from bot.printing.guide import guide_pdf
from bot.services.views import Member
from bot.telegram.render.play import Scene, card, render
from tests.printing.reading import pdf_text, readable

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "data" / "annuaire-sample.json"
BUNDLED = ROOT / "data" / "stages.yaml"
MINI = ROOT / "tests" / "rally_files" / "mini.yaml"
PARIS = ZoneInfo("Europe/Paris")
CPAM_ID = "00000000-0000-4000-a000-000000000001"
MON, TUE, WED, THU, FRI, SAT, SUN = Weekday


def t(text: str) -> time:
    return time.fromisoformat(text)


def week(*slots: tuple[str, str]) -> Week:
    return Week.of((parse_days(days), parse_hours(hours)) for days, hours in slots)


def record(**fields: object) -> dict[str, object]:
    """A record as the export writes it: nested fields as JSON text."""
    return {
        key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for key, value in {"id": "r1", "nom": "Accueil", **fields}.items()
    }


def plage(first: str, last: str, *hours: str, commentaire: str = "") -> dict[str, str]:
    ranges = [h.split("-") for h in hours] + [["", ""]] * (2 - len(hours))
    return {
        "nom_jour_debut": first,
        "nom_jour_fin": last,
        "valeur_heure_debut_1": ranges[0][0],
        "valeur_heure_fin_1": ranges[0][1],
        "valeur_heure_debut_2": ranges[1][0],
        "valeur_heure_fin_2": ranges[1][1],
        "commentaire": commentaire,
    }


def export(*records: dict[str, object]) -> str:
    return json.dumps(list(records), ensure_ascii=False)


# ------------------------------------------------------------------ the annuaire's export


def test_the_sample_export_reads_as_the_annuaire_writes_it():
    """Nested fields as JSON text, days as "Lundi", times as "08:30:00": the card's values."""
    offices = read_export(SAMPLE.read_text(encoding="utf-8"), "sample.json")
    assert [office.id[-1] for office in offices] == ["1", "2", "3"]
    cpam = offices[0]
    assert cpam.address == "Bâtiment Solaris, rue du Clos-Four, 63100 Clermont-Ferrand"
    assert cpam.phone == "36 46"
    assert cpam.website == "https://www.ameli.fr/puy-de-dome"
    assert cpam.week.open_days == (MON, TUE, WED, THU, FRI)
    assert cpam.week.ranges(WED) == (
        TimeRange(t("08:30"), t("12:00")),
        TimeRange(t("13:30"), t("16:30")),
    )
    assert cpam.notes == ("mon-fri: L'après-midi, accueil sur rendez-vous uniquement.",)


@pytest.mark.parametrize(
    ("plages", "expected"),
    [
        # one entry for a range of days, two time ranges (closed at lunch)
        (
            [plage("Lundi", "Vendredi", "08:30:00-12:00:00", "13:30:00-16:30:00")],
            "mon-fri 08:30-12:00, 13:30-16:30",
        ),
        # one entry per day, as most records have; the days without one are closed
        (
            [
                plage("Lundi", "Lundi", "09:00:00-12:00:00"),
                plage("Mardi", "Mardi", "09:00:00-12:00:00"),
                plage("Jeudi", "Jeudi", "14:00:00-17:00:00"),
            ],
            "mon, tue 09:00-12:00; thu 14:00-17:00",
        ),
        # no last day: that day only; English day names (some exports have them)
        ([plage("Saturday", "", "09:00-12:00")], "sat 09:00-12:00"),
        # an entry without hours (a comment only) opens nothing
        ([plage("Mercredi", "Mercredi", commentaire="Fermé")], ""),
        ([], ""),
    ],
)
def test_opening_hours_of_a_record(plages, expected):
    (office,) = read_export(export(record(plage_ouverture=plages)))
    assert _runs(office.week) == expected


def _runs(week: Week) -> str:
    return "; ".join(
        f"{days_text(days)} {', '.join(map(str, ranges))}" for days, ranges in week.runs()
    )


def test_a_record_without_the_cards_fields_gives_nothing_for_them():
    (office,) = read_export(export({"id": "r1", "nom": "Accueil"}))
    assert (office.address, office.phone, office.website) == (None, None, None)
    assert office.week.open_days == ()


def test_nested_fields_already_decoded_and_the_records_endpoint_are_read_too():
    decoded = {
        "id": "r1",
        "nom": "Accueil",
        "telephone": [{"valeur": "04 73 00 00 00", "description": ""}],
        "site_internet": [{"libelle": "", "valeur": "ftp://x.fr"}, {"valeur": "https://x.fr"}],
        "adresse": [{"type_adresse": "Adresse", "numero_voie": "1 rue A", "code_postal": "63000"}],
    }
    (office,) = read_export(json.dumps({"total_count": 1, "results": [decoded]}))
    assert office.phone == "04 73 00 00 00"
    assert office.website == "https://x.fr"  # the first web address
    assert office.address == "1 rue A, 63000"


def test_a_postal_only_address_is_no_address_to_walk_to():
    postal = {"type_adresse": "Adresse postale", "service_distribution": "BP 1"}
    (office,) = read_export(export(record(adresse=[postal])))
    assert office.address is None
    assert office.postal_only


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"id": "r1",}]', "x.json: not JSON (line 1, column 14"),
        ('{"total_count": 0}', 'expected a list of records or {"results": [...]}'),
        ("[3]", "x.json: record 1: not a record"),
        (
            export(record(adresse='[{"type_adresse": "Adresse"')),
            "x.json: record 1 (r1): adresse is not valid JSON text",
        ),
        (export(record(telephone='"36 46"')), "telephone must be a list of objects"),
        (
            export(record(plage_ouverture=[plage("Lundi", "Lundi", "09:00-")])),
            "plage_ouverture: mon: an opening time without its closing time",
        ),
        (
            export(record(plage_ouverture=[plage("Lunday", "Lundi", "09:00-12:00")])),
            "plage_ouverture: 'Lunday' is not a day",
        ),
        (
            export(record(plage_ouverture=[plage("Lundi", "Lundi", "14:00-12:00")])),
            "14:00-12:00: the closing time must come after the opening time",
        ),
        (
            export(
                record(
                    plage_ouverture=[
                        plage("Lundi", "Vendredi", "09:00-12:00"),
                        plage("Mardi", "Mardi", "11:00-13:00"),
                    ]
                )
            ),
            "plage_ouverture: tue: 09:00-12:00 overlaps 11:00-13:00",
        ),
    ],
)
def test_an_export_that_cannot_be_read_says_where(text, message):
    with pytest.raises(AnnuaireError) as raised:
        read_export(text, "x.json")
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


def test_every_broken_record_is_reported_at_once():
    broken = [record(id=f"r{n}", adresse="[") for n in (1, 2)]
    with pytest.raises(AnnuaireError) as raised:
        read_export(export(*broken), "x.json")
    assert [p.split(":")[1] for p in raised.value.problems] == [" record 1 (r1)", " record 2 (r2)"]


def test_a_record_is_chosen_by_id_by_name_or_as_the_only_one():
    offices = read_export(SAMPLE.read_text(encoding="utf-8"))
    assert choose(offices, id_=CPAM_ID, name=None) is offices[0]
    assert choose(offices, id_=None, name="cpam") is offices[0]
    assert choose(offices, id_=None, name="ALLOCATIONS familiales") is offices[1]
    assert choose(offices, id_=None, name="exempleville") is offices[2]
    assert choose(offices[:1], id_=None, name=None) is offices[0]


@pytest.mark.parametrize(
    ("id_", "name", "first_line", "listed"),
    [
        (None, None, "3 records: choose one with --id (or --name)", 3),
        (
            None,
            "Puy-de-Dome",  # accents aside
            "2 records named like 'Puy-de-Dome': choose one with --id (or --name)",
            2,
        ),
        (None, "préfecture", "no record's name contains 'préfecture'", 3),
        ("nope", None, "no record has the id 'nope'", 3),
    ],
)
def test_a_choice_that_is_not_one_lists_the_candidates(id_, name, first_line, listed):
    offices = read_export(SAMPLE.read_text(encoding="utf-8"))
    with pytest.raises(ChoiceError) as raised:
        choose(offices, id_=id_, name=name)
    lines = str(raised.value).splitlines()
    assert lines[0] == first_line
    assert len(lines) == 1 + listed
    assert all(line.startswith("  00000000-") for line in lines[1:])


# ------------------------------------------------------------------ opening hours


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", (MON, TUE, WED, THU, FRI)),
        ("sat, sun", (SAT, SUN)),
        ("Lundi-Vendredi", (MON, TUE, WED, THU, FRI)),
        ("lun., mer., ven.", (MON, WED, FRI)),
        ("fri-mon", (MON, FRI, SAT, SUN)),  # round the weekend
        ("tue", (TUE,)),
        ("Samedi – Dimanche", (SAT, SUN)),
    ],
)
def test_days_as_written(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mon-fru", "'fru' is not a day (write mon, tue, wed, thu, fri, sat or sun)"),
        ("", "no days in ''"),
        ("mon-tue-wed", "'mon-tue-wed' is not a range of days"),
        ("mon-fri, wed", "'wed' is given twice"),
    ],
)
def test_days_that_are_not(text, message):
    with pytest.raises(OpeningHoursError, match=re.escape(message)):
        parse_days(text)


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("08:30-12:00, 13:30-16:30", ["08:30-12:00", "13:30-16:30"]),
        ("13:30-16:30, 08:30-12:00", ["08:30-12:00", "13:30-16:30"]),
        ("8h30-12h00", ["08:30-12:00"]),
        ("09:00:00-12:00:00", ["09:00-12:00"]),
        ("9:00 – 17:00", ["09:00-17:00"]),
    ],
)
def test_hours_as_written(text, ranges):
    assert [str(r) for r in parse_hours(text)] == ranges


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12:00-08:00", "the closing time must come after the opening time"),
        ("22:00-02:00", "hours past midnight are not supported"),
        ("08:00-12:00, 11:00-14:00", "08:00-12:00 overlaps 11:00-14:00"),
        ("8-9", "'8' is not a time of day"),
        ("25:00-26:00", "'25:00' is not a time of day"),
        ("08:00", "'08:00' is not a time range"),
        (" , ", "no hours"),
    ],
)
def test_hours_that_are_not(text, message):
    with pytest.raises(OpeningHoursError, match=re.escape(message)):
        parse_hours(text)


OFFICE = week(("mon-fri", "08:30-12:00, 13:30-16:30"), ("sat", "09:00-12:00"))


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


@pytest.mark.parametrize(
    ("at", "status"),
    [
        ("2026-10-19 09:00", OpenNow(paris("2026-10-19 12:00"))),  # a Monday morning
        ("2026-10-19 08:30", OpenNow(paris("2026-10-19 12:00"))),  # as the door opens
        ("2026-10-19 08:29", ClosedNow(paris("2026-10-19 08:30"))),
        ("2026-10-19 12:00", ClosedNow(paris("2026-10-19 13:30"))),  # lunch break
        ("2026-10-19 15:00", OpenNow(paris("2026-10-19 16:30"))),
        ("2026-10-19 16:30", ClosedNow(paris("2026-10-20 08:30"))),  # closed as it closes
        ("2026-10-23 17:00", ClosedNow(paris("2026-10-24 09:00"))),  # Friday: Saturday
        ("2026-10-24 12:30", ClosedNow(paris("2026-10-26 08:30"))),  # Saturday: Monday
        ("2026-10-25 10:00", ClosedNow(paris("2026-10-26 08:30"))),  # Sunday
    ],
)
def test_open_or_closed_at_an_instant(at, status):
    assert OFFICE.status(paris(at), PARIS) == status


@pytest.mark.parametrize(
    ("utc", "status"),
    [
        # 06:45 UTC on the Monday after the clocks went forward (29 March 2026): 08:45 in Paris
        ("2026-03-30 06:45", OpenNow(datetime(2026, 3, 30, 10, 0, tzinfo=UTC))),
        # the same UTC time a week before, in winter time: 07:45, before the door opens
        ("2026-03-23 06:45", ClosedNow(datetime(2026, 3, 23, 7, 30, tzinfo=UTC))),
        # a Saturday evening in summer time; it opens on Monday in winter time (25 October)
        ("2026-10-24 17:00", ClosedNow(datetime(2026, 10, 26, 7, 30, tzinfo=UTC))),
    ],
)
def test_open_or_closed_by_the_wall_clock_across_summer_time(utc, status):
    got = OFFICE.status(datetime.fromisoformat(utc).replace(tzinfo=UTC), PARIS)
    assert type(got) is type(status)
    assert got == status  # aware datetimes compare as instants


def test_ranges_that_meet_are_one_stretch_and_an_empty_week_never_opens():
    meeting = week(("mon", "08:00-12:00, 12:00-14:00"))
    assert meeting.status(paris("2026-10-19 11:00"), PARIS) == OpenNow(paris("2026-10-19 14:00"))
    assert Week.of(()).status(paris("2026-10-19 11:00"), PARIS) == ClosedNow(None)
    with pytest.raises(ValueError, match="timezone"):
        OFFICE.status(datetime(2026, 10, 19, 9, 0), PARIS)


def test_slots_that_overlap_on_a_day_are_refused_and_the_same_hours_read_together():
    with pytest.raises(OpeningHoursError, match="wed: 08:00-12:00 overlaps 11:00-13:00"):
        week(("mon-fri", "08:00-12:00"), ("wed", "11:00-13:00"))
    split = week(("mon, tue", "09:00-12:00"), ("wed-fri", "09:00-12:00"), ("sun", "10:00-11:00"))
    assert _runs(split) == "mon-fri 09:00-12:00; sun 10:00-11:00"


# ------------------------------------------------------------------ the rally file


def mini_with_card(card_yaml: str) -> str:
    """The mini rally with a card on its cpam stage."""
    text = MINI.read_text(encoding="utf-8")
    anchor = "    checkin_code: Carte Vitale\n"
    return text.replace(anchor, anchor + "    card:\n" + card_yaml)


def test_a_card_may_give_opening_hours_a_website_and_no_address():
    rally = parse_rally(
        mini_with_card(
            "      opening:\n"
            '        - {days: mon-fri, hours: "08:30-12:00, 13:30-16:30"}\n'
            "        - {days: [sat], hours: [09:00-12:00]}\n"
            "      website: https://www.ameli.fr/puy-de-dome\n"
        )
    )
    cpam = rally.stage("cpam").card
    assert cpam is not None
    assert cpam.address is None
    assert cpam.website == "https://www.ameli.fr/puy-de-dome"
    assert cpam.week == OFFICE
    dumped = rally.model_dump(mode="json")["stages"][1]["card"]["opening"]
    assert dumped == [
        {"days": "mon-fri", "hours": "08:30-12:00, 13:30-16:30"},
        {"days": "sat", "hours": "09:00-12:00"},
    ]


@pytest.mark.parametrize(
    ("card_yaml", "problem"),
    [
        (
            "      opening:\n        - {days: mon-fru, hours: 08:30-12:00}\n",
            "<rally>:55: stages[1].card.opening[0].days: 'fru' is not a day",
        ),
        (
            "      opening:\n        - {days: mon, hours: 12:00-08:30}\n",
            "<rally>:55: stages[1].card.opening[0].hours: 12:00-08:30: the closing time",
        ),
        (
            "      opening:\n        - {days: mon, hours: 08:30}\n",
            "opening[0].hours: '08:30' is not a time range (write it as 08:30-12:00)",
        ),
        (
            "      opening:\n        - {days: mon, hours: 8:30}\n",  # YAML 1.1 reads 510
            'opening[0].hours: write the hours as text, for example "08:30-12:00, 13:30-16:30"',
        ),
        (
            "      opening:\n        - {days: 1, hours: 08:30-12:00}\n",
            'opening[0].days: write the days as text, for example "mon-fri" or "sat, sun"',
        ),
        (
            "      opening:\n        - {day: mon, hours: 08:30-12:00}\n",
            "opening[0].day: unknown key (did you mean 'days'?)",
        ),
        (
            "      opening:\n"
            "        - {days: mon-fri, hours: 08:30-12:00}\n"
            "        - {days: wed, hours: 11:00-13:00}\n",
            "stages[1].card.opening: wed: 08:30-12:00 overlaps 11:00-13:00",
        ),
        (
            "      website: www.ameli.fr\n",
            "card.website: 'www.ameli.fr' is not a web address (write it as https://...)",
        ),
    ],
)
def test_opening_hours_written_wrong_are_named_with_their_line(card_yaml, problem):
    with pytest.raises(RallyFileError) as raised:
        parse_rally(mini_with_card(card_yaml))
    found = [str(p) for p in raised.value.problems]
    assert any(problem in p for p in found), found


# ------------------------------------------------------------------ what players read


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    rally = load_rally(BUNDLED)
    return Catalogs(rally.rally.languages, rally.default_language, rally.rally.timezone)


@pytest.fixture(scope="module")
def mini_cpam() -> Rally:
    return parse_rally(
        mini_with_card(
            "      opening:\n"
            '        - {days: mon-fri, hours: "08:30-12:00, 13:30-16:30"}\n'
            "      phone: 36 46\n"
            "      website: https://www.ameli.fr/puy-de-dome\n"
        )
    )


@pytest.mark.parametrize(
    ("language", "week_line", "closed_day"),
    [
        ("fr", "Lundi – vendredi : 08:30 – 12:00 et 13:30 – 16:30", "lundi"),
        ("ar", "الاثنين – الجمعة: 8:30 ص – 12:00 م و1:30–4:30 م", "الاثنين"),
        ("ru", "Понедельник – пятница: 08:30—12:00 и 13:30—16:30", "понедельник"),
    ],
)
def test_the_card_gives_the_week_in_babels_words(
    catalogs, mini_cpam, language, week_line, closed_day
):
    tr = catalogs.translator(language)
    friday_evening = paris("2026-10-23 18:00")
    text = readable(card(tr, mini_cpam.stage("cpam"), now=friday_evening))
    assert week_line in text
    closed = text.split("🔴", 1)[1].split("☎️", 1)[0]  # the sentence saying when it opens
    assert closed_day in closed  # with Babel's name of the day
    assert "https://www.ameli.fr/puy-de-dome" in text
    assert "📍" not in text  # no address yet: no address line


def test_a_card_sent_without_an_instant_gives_the_week_only(catalogs, mini_cpam):
    text = readable(card(catalogs.translator("en"), mini_cpam.stage("cpam")))
    assert "• Monday – Friday: 8:30 AM – 12:00 PM and 1:30 – 4:30 PM" in text
    assert "🟢" not in text
    assert "🔴" not in text


@pytest.mark.parametrize(
    ("at", "said"),
    [
        ("2026-10-19 10:00", "🟢 Open now, until 12:00 PM."),
        ("2026-10-19 12:15", "🔴 Closed now, opens today at 1:30 PM."),
        ("2026-10-19 17:00", "🔴 Closed now, opens tomorrow at 8:30 AM."),
        ("2026-10-23 17:00", "🔴 Closed now, opens Monday at 8:30 AM."),
    ],
)
def test_the_card_says_whether_the_place_is_open_when_it_is_sent(catalogs, mini_cpam, at, said):
    text = card(catalogs.translator("en"), mini_cpam.stage("cpam"), now=paris(at))
    assert said in [readable(line) for line in text.splitlines()]


def test_the_guide_prints_the_week_and_the_website_of_a_card_without_address(mini_cpam):
    text = readable(pdf_text(guide_pdf(mini_cpam, "fr")))
    assert "Lundi – vendredi 08:30 – 12:00 et 13:30 – 16:30" in text
    assert "https://www.ameli.fr/puy-de-dome" in text
    assert "Adresse" not in text


# ------------------------------------------------------------------ the command, end to end


def run_cli(capsys, *arguments: str) -> tuple[int, str, str]:
    status = cli.main(["cards", "import", *arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    path = tmp_path / "stages.yaml"
    shutil.copy(BUNDLED, path)
    return path


def _line_of_card(text: str, stage_id: str) -> range:
    """The lines (from 0) of a stage's `card:` block in a rally file's text."""
    lines = text.splitlines()
    start = lines.index(f"  - id: {stage_id}")
    card_at = next(i for i in range(start, len(lines)) if lines[i] == "    card:")
    end = next(i for i in range(card_at + 1, len(lines)) if not lines[i].startswith("      "))
    return range(card_at, end)


# what the sample's CPAM record gives (the bundled rally's own card may already have some)
SAMPLE_CARD = {
    "address": "Bâtiment Solaris, rue du Clos-Four, 63100 Clermont-Ferrand",
    "phone": "36 46",
    "website": "https://www.ameli.fr/puy-de-dome",
}
SAMPLE_OPENING = '        - {days: "mon-fri", hours: "08:30-12:00, 13:30-16:30"}'


def _expected_summary(card: Card | None, suffix: str = "") -> str:
    """The first line the import prints for the sample's CPAM record over this card."""
    filled = [key for key, value in SAMPLE_CARD.items() if getattr(card, key, None) != value]
    if card is None or _runs(card.week) != "mon-fri 08:30-12:00, 13:30-16:30":
        filled.append("opening hours (5 days)")
    return f"cpam: {', '.join(filled)}{suffix}" if filled else "cpam: nothing to change"


def test_import_fills_the_card_keeping_the_rest_of_the_file(capsys, copy, catalogs):
    before_text = copy.read_text(encoding="utf-8")
    before = load_rally(copy)
    old_cpam = before.stage("cpam")
    status, out, err = run_cli(
        capsys, str(SAMPLE), "--stage", "cpam", "--into", str(copy), "--id", CPAM_ID
    )
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == _expected_summary(old_cpam.card)
    assert "note: the annuaire says (mon-fri: L'après-midi, accueil sur rendez-vous" in out
    source = "Annuaire de l'administration (Service-public.gouv.fr, DILA), Licence Ouverte 2.0"
    assert f"  source: {source}; record {CPAM_ID}, changed 02/09/2025 10:12:45" in out

    after_text = copy.read_text(encoding="utf-8")
    after = load_rally(copy)  # still a valid rally
    # every comment is still there, and every line outside cpam's card is as it was
    comments = [line for line in before_text.splitlines() if line.lstrip().startswith("#")]
    assert comments
    assert [line for line in after_text.splitlines() if line.lstrip().startswith("#")] == comments
    old_card, new_card = _line_of_card(before_text, "cpam"), _line_of_card(after_text, "cpam")
    old_lines, new_lines = before_text.splitlines(), after_text.splitlines()
    assert old_lines[: old_card.start] == new_lines[: new_card.start]
    assert old_lines[old_card.stop :] == new_lines[new_card.stop :]
    # the card's keys in the usual order, the new values written as the file writes texts
    card_lines = new_lines[new_card.start : new_card.stop]
    for key, value in SAMPLE_CARD.items():
        assert f'      {key}: "{value}"' in card_lines
    assert card_lines[card_lines.index("      opening:") + 1] == SAMPLE_OPENING
    keys = [line.split(":")[0].strip() for line in card_lines if re.match(r"^ {6}\w+:", line)]
    known = [key for key in ("address", "phone", "website", "opening", "hours") if key in keys]
    assert [key for key in keys if key in known] == known
    # and in the rally itself, only that card changed
    assert [s for s in after.stages if s.id != "cpam"] == [
        s for s in before.stages if s.id != "cpam"
    ]
    new_cpam = after.stage("cpam")
    assert new_cpam.model_copy(update={"card": old_cpam.card}) == old_cpam
    assert new_cpam.card is not None
    if old_cpam.card is not None:
        assert new_cpam.card.words == old_cpam.card.words
        assert new_cpam.card.hours == old_cpam.card.hours
        assert new_cpam.card.bring == old_cpam.card.bring

    # played: the clue's card tells the team whether the CPAM is open when it is sent
    open_ = _clue_card(after, catalogs.translator("en"), paris("2026-10-19 15:00"))
    assert "🟢 Open now, until 4:30 PM." in open_
    closed = _clue_card(after, catalogs.translator("en"), paris("2026-10-19 17:00"))
    assert "Open now" not in closed
    assert "🔴 Closed now, opens tomorrow at 8:30 AM." in closed
    french = _clue_card(after, catalogs.translator("fr"), paris("2026-10-19 15:00"))
    assert "🟢" in french
    assert "16:30" in french


def test_a_sentence_about_the_hours_is_kept_and_pointed_out(capsys, tmp_path):
    rally = tmp_path / "mini.yaml"
    rally.write_text(
        mini_with_card("      hours: {fr: Demandez à l'accueil., en: Ask at the desk.}\n"),
        encoding="utf-8",
    )
    status, out, _ = run_cli(
        capsys, str(SAMPLE), "--stage", "cpam", "--into", str(rally), "--name", "cpam"
    )
    assert status == 0
    assert '  check: card.hours still says "Demandez à l\'accueil."' in out.splitlines()
    card = load_rally(rally).stage("cpam").card
    assert card is not None and card.hours == {
        "fr": "Demandez à l'accueil.",
        "en": "Ask at the desk.",
    }


def _clue_card(rally: Rally, tr: Translator, now: datetime) -> str:
    """The clue of the cpam stage as a team member reads it, sent at `now`."""
    viewer = Member(1, 1, 1, "Amina", tr.language, 1)
    clue = ClueGiven(Audience.TEAM, "cpam", 8, 8)
    (reply,) = render(tr, Scene(rally, viewer, viewer, None, now=now), [clue])
    return readable(reply.text)


def test_importing_the_same_record_again_changes_nothing(capsys, copy):
    arguments = (str(SAMPLE), "--stage", "cpam", "--into", str(copy), "--name", "CPAM")
    assert run_cli(capsys, *arguments)[0] == 0
    written = copy.read_bytes()
    status, out, _ = run_cli(capsys, *arguments)
    assert status == 0
    assert out.splitlines()[0] == "cpam: nothing to change"
    assert copy.read_bytes() == written


def test_a_dry_run_prints_the_changes_and_writes_nothing(capsys, tmp_path):
    rally = tmp_path / "mini.yaml"
    rally.write_text(
        mini_with_card('      address: "Clos-Four"\n      phone: "36 46"\n'), encoding="utf-8"
    )
    original = rally.read_bytes()
    status, out, _ = run_cli(
        capsys, str(SAMPLE), "--stage", "cpam", "--into", str(rally), "--name", "cpam", "--dry-run"
    )
    assert status == 0
    assert rally.read_bytes() == original
    assert out.splitlines()[:4] == [
        "cpam: address, website, opening hours (5 days) (dry run: nothing written)",
        '  address: "Clos-Four" → "Bâtiment Solaris, rue du Clos-Four, 63100 Clermont-Ferrand"',
        '  website: (none) → "https://www.ameli.fr/puy-de-dome"',
        "  opening: (none) → mon-fri 08:30-12:00, 13:30-16:30",
    ]


def test_a_dry_run_on_the_bundled_rally_writes_nothing(capsys, copy):
    original = copy.read_bytes()
    card = load_rally(copy).stage("cpam").card
    status, out, _ = run_cli(
        capsys, str(SAMPLE), "--stage", "cpam", "--into", str(copy), "--name", "cpam", "--dry-run"
    )
    assert status == 0
    assert out.splitlines()[0] == _expected_summary(card, " (dry run: nothing written)")
    assert copy.read_bytes() == original


def test_a_stage_without_a_card_gets_one_in_its_place(capsys, tmp_path):
    rally = tmp_path / "mini.yaml"
    shutil.copy(MINI, rally)
    status, out, _ = run_cli(
        capsys, str(SAMPLE), "--stage", "cpam", "--into", str(rally), "--name", "caf"
    )
    assert status == 0
    assert out.splitlines()[0] == ("cpam: address, phone, website, opening hours (4 days)")
    cpam = load_rally(rally).stage("cpam")
    assert cpam.card is not None
    assert cpam.card.phone == "32 30"
    assert cpam.card.week.ranges(WED) == ()  # closed on Wednesdays
    assert (
        _runs(cpam.card.week)
        == "mon, tue 08:30-12:00, 13:30-16:00; thu 08:30-12:00, 13:30-16:00; fri 08:30-12:00"
    )
    text = rally.read_text(encoding="utf-8")
    # the card sits where a stage's card goes: after the clue, before the questions
    assert text.index("    card:\n") < text.index("    questions:\n      - id: q-emergency")


def test_a_record_without_the_fields_leaves_the_card_as_it_was(capsys, copy):
    original = copy.read_bytes()
    status, out, _ = run_cli(
        capsys, str(SAMPLE), "--stage", "cpam", "--into", str(copy), "--name", "exempleville"
    )
    assert status == 0
    assert out.splitlines()[:2] == [
        "cpam: nothing to change (not in the record: address, phone, website, opening hours)",
        "  note: the record gives a postal address only: the address is left as it is",
    ]
    assert copy.read_bytes() == original


@pytest.mark.parametrize(
    ("arguments", "status", "first_line"),
    [
        (("--stage", "cpam"), 2, "rallye: {sample}: 3 records: choose one with --id (or --name)"),
        (
            ("--stage", "nowhere", "--name", "cpam"),
            2,
            "rallye: no stage 'nowhere' in {copy} (stages: ",
        ),
        (
            ("--stage", "cpam", "--name", "préfecture"),
            2,
            "rallye: {sample}: no record's name contains 'préfecture'",
        ),
    ],
)
def test_a_wrong_choice_is_a_usage_error(capsys, copy, arguments, status, first_line):
    original = copy.read_bytes()
    got, out, err = run_cli(capsys, str(SAMPLE), "--into", str(copy), *arguments)
    assert (got, out) == (status, "")
    assert err.splitlines()[0].startswith(first_line.format(sample=SAMPLE, copy=copy))
    assert copy.read_bytes() == original


def test_a_broken_export_is_a_data_error_and_nothing_is_written(capsys, copy, tmp_path):
    broken = tmp_path / "annuaire.json"
    broken.write_text('[{"id": "r1", "adresse": "[{"}]', encoding="utf-8")
    original = copy.read_bytes()
    status, _, err = run_cli(capsys, str(broken), "--stage", "cpam", "--into", str(copy))
    assert status == 1
    assert err.startswith(f"rallye: {broken}: record 1 (r1): adresse is not valid JSON text")
    missing = run_cli(capsys, str(tmp_path / "none.json"), "--stage", "cpam", "--into", str(copy))
    assert missing[0] == 1
    assert missing[2].startswith(f"rallye: {tmp_path / 'none.json'}: cannot read it")
    assert copy.read_bytes() == original


def test_a_value_the_rally_file_refuses_is_not_written(capsys, copy, tmp_path):
    spaced = tmp_path / "annuaire.json"
    sites = [{"libelle": "", "valeur": "https://www.ameli .fr"}]
    spaced.write_text(export(record(site_internet=sites)), encoding="utf-8")
    original = copy.read_bytes()
    status, out, err = run_cli(capsys, str(spaced), "--stage", "cpam", "--into", str(copy))
    assert (status, out) == (1, "")
    assert err.splitlines()[0] == (f"rallye: the card would make {copy} invalid; nothing written:")
    assert "card.website: 'https://www.ameli .fr' is not a web address" in err
    assert copy.read_bytes() == original


def test_the_command_module_imports_nothing_heavy():
    """`python -m bot validate` imports every command's module: this one stays light."""
    probe = (
        "import sys, bot.authoring.cards\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in {'ruamel', 'pydantic', 'babel'}"
        " or m in {'bot.authoring.annuaire', 'bot.authoring.document'}]\n"
        "print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"
