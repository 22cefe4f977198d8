"""The `python -m bot` command line: run the bot, validate a rally file, print its QR codes."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import signal
import sys
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.authoring import cards, new_rally, sheet, translations
from bot.core.content import Rally
from bot.core.rally_file import RallyFileError, line_finder, load_rallies, load_rally
from bot.core.texts import missing_texts, translated_share
from bot.demo.options import FILES, DemoOptions, Seat
from bot.report.labels import ReportLanguage
from bot.settings import Settings, SettingsError, load_settings

# The rest is imported by the command that needs it: `python -m bot validate` starts in a
# fraction of a second, without the Telegram, database, PDF and chart libraries.
if TYPE_CHECKING:
    from bot.core.voices import Interface, VoiceKey
    from bot.printing.qr_cards import TeamCode
    from bot.report.files import ReportFiles
    from bot.services.privacy import Purge
    from bot.telegram.context import RallyApplication
    from bot.telegram.webhook import WebServer
    from bot.voices.coverage import Coverage, Recording
    from bot.voices.drafts import DraftRun

QR_OUT = Path("var/qr-codes.pdf")
"""Where `python -m bot qr` writes the QR sheet, by default."""


def _share(share: float) -> str:
    """A translated share, never rounded up to a complete 100%."""
    return "100%" if share >= 1 else f"{math.floor(share * 1000) / 10:g}%"


def summary(rally: Rally, path: str) -> str:
    """What a valid rally file holds, for the organiser who wrote it."""
    line_of = line_finder(path)
    questions = [q for stage in rally.stages for q in stage.questions]
    topics = Counter(q.topic.value for q in questions)
    kinds = Counter(stage.kind.value for stage in rally.stages)
    shares = translated_share(rally)
    title = rally.rally.title[rally.default_language]
    lines = [
        f"{path}: OK: {title}",
        f"  stages: {len(rally.stages)} ("
        + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        + f"), route: {rally.route.policy.value}",
        f"  questions: {len(questions)} ("
        + ", ".join(f"{n} {topic}" for topic, n in sorted(topics.items()))
        + ")",
        f"  teams: {len(rally.teams)}",
        "  translated: " + ", ".join(f"{lang} {_share(share)}" for lang, share in shares.items()),
    ]
    missing = {lang: texts for lang, texts in missing_texts(rally).items() if texts}
    if missing:
        lines.append("  missing texts (the player reads the French instead):")
    for language, texts in missing.items():
        where = ", ".join(f"{text.key} (line {line_of(text.path)})" for text in texts[:5])
        more = f" and {len(texts) - 5} more (`python -m bot i18n-check`)" if len(texts) > 5 else ""
        lines.append(f"    {language}: {len(texts)}: {where}{more}")
    no_location = [stage.id for stage in rally.stages if stage.location is None]
    if no_location:
        lines.append(f"  code word only (no location): {', '.join(no_location)}")
    return "\n".join(lines)


def validate(paths: Sequence[str], as_json: bool, out: TextIO, err: TextIO) -> int:
    """Check rally files (one bot's): 0 with a summary each (or the JSON), 1 with every error.

    Several files are also checked together: distinct rally ids, join codes unique across them.
    """
    try:
        rallies = load_rallies(paths)
    except RallyFileError as exc:
        for problem in exc.problems:
            print(problem, file=err)
        print(f"{len(exc.problems)} error(s) in {', '.join(paths)}", file=err)
        return 1
    if as_json:
        dumped = [rally.model_dump(mode="json") for rally in rallies]
        json.dump(dumped[0] if len(dumped) == 1 else dumped, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        print("\n\n".join(summary(r, p) for r, p in zip(rallies, paths, strict=True)), file=out)
    return 0


REPORT_OUT = Path("var/report.pdf")


def parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    main = argparse.ArgumentParser(
        prog="python -m bot", description="Rallye: a Telegram bot for city integration rallies."
    )
    commands = main.add_subparsers(dest="command")
    check = commands.add_parser("validate", help="check a rally file and summarise it")
    check.add_argument(
        "file", nargs="*", help="rally file(s) (default: RALLY_FILE or data/stages.yaml)"
    )
    check.add_argument(
        "--json", action="store_true", help="print the normalized rally (a list for several)"
    )
    demo = commands.add_parser(
        "demo",
        help="play the rally offline in this terminal, as a team (or run it: --as organiser)",
    )
    demo.add_argument(
        "--as",
        dest="seat",
        type=Seat,
        choices=list(Seat),
        default=Seat.PLAYER,
        help="whose chair: a team's (default), or the staff's while simulated teams play",
    )
    demo.add_argument(
        "--pace",
        type=_pace,
        default=1.0,
        help="the simulated teams' delays, scaled (default 1: the day in a few minutes; "
        "0.5: twice as fast)",
    )
    demo.add_argument(
        "--port",
        type=_port,
        default=0,
        help="the dashboard's port on 127.0.0.1 (default: any free one)",
    )
    demo.add_argument(
        "--open", action="store_true", help="open the dashboard in this computer's browser"
    )
    demo.add_argument(
        "--files",
        type=Path,
        default=FILES,
        help=f"where the files the bot sends are written (default: {FILES})",
    )
    demo.add_argument(
        "--name",
        help="your first name in Telegram (default: your login name, else Alex, or Camille "
        "for the staff)",
    )
    qr = commands.add_parser(
        "qr", help="print the QR codes: one per team (its join link), one per stage code word"
    )
    qr.add_argument(
        "--bot-username", required=True, help="the bot's Telegram username, e.g. RallyeClermontBot"
    )
    qr.add_argument("--out", type=Path, default=QR_OUT, help=f"PDF to write (default: {QR_OUT})")
    qr.add_argument("--rally", help="rally file (default: the one RALLY_FILE names)")
    i18n = commands.add_parser(
        "i18n-check", help="what each language misses: interface strings and rally texts"
    )
    i18n.add_argument("file", nargs="*", help="rally file(s) (default: RALLY_FILE)")
    purge = commands.add_parser(
        "purge",
        help="erase the personal data of the rallies whose retention period is over",
    )
    purge.add_argument(
        "--rally", help="this rally's now, if it is finished, whatever its retention period"
    )
    purge.add_argument("--dry-run", action="store_true", help="only say what would be erased")
    voices = commands.add_parser(
        "voices",
        help="how many texts have a voice, per language and kind (recorded, file, synthetic)",
    )
    voices.add_argument("--rally", help="rally file (default: each one RALLY_FILE names)")
    voices.add_argument(
        "--draft",
        action="store_true",
        help="first make the missing synthetic drafts (espeak-ng) of texts without a voice",
    )
    voices.add_argument(
        "--stage",
        action="append",
        default=[],
        metavar="ID",
        help="with --draft: only this stage's texts (repeatable)",
    )
    voices.add_argument(
        "--text",
        action="append",
        default=[],
        metavar="KEY",
        help="with --draft: only this text, e.g. final or clue:cathedrale (repeatable)",
    )
    voices.add_argument("--json", action="store_true", help="print the coverage as JSON")
    report = commands.add_parser(
        "report", help="the evaluation report: a PDF with charts, and its figures as CSV"
    )
    report.add_argument("--rally", metavar="ID", help="this rally only (default: every rally)")
    report.add_argument(
        "--out", type=Path, default=REPORT_OUT, help=f"PDF to write (default: {REPORT_OUT})"
    )
    report.add_argument(
        "--language",
        type=ReportLanguage,
        choices=list(ReportLanguage),
        default=ReportLanguage.FR,
        help="the report's language (default: fr)",
    )
    for command in (new_rally, sheet, translations, cards):
        command.register(commands)
    return main


def i18n_check(
    paths: Sequence[str],
    out: TextIO,
    err: TextIO,
    *,
    database_url: str | None = None,
    final: FinalWordsOf | None = None,
) -> int:
    """Report each language's gaps: 0 when every language is complete, 1 otherwise.

    The rally texts of each language are counted missing, draft, reviewed or stale, from the
    states file beside the rally file (`bot.i18n.review`); a stale one is a gap, a draft none.
    Each language's voices are reported too (recordings read from `database_url`, the final
    message's words from `final`, by default the bot's catalogs); a missing voice is no gap.
    """
    from bot.i18n.check import check as check_languages
    from bot.i18n.review import ReviewFileError, Reviews

    complete = True
    for path in paths:
        try:
            rally = load_rally(path)
            reviews = Reviews.of(path)
        except RallyFileError as exc:
            print(f"rallye: {exc.problems[0]}", file=err)
            return 1
        except ReviewFileError as exc:
            print(f"rallye: {exc}", file=err)
            return 1
        if len(paths) > 1:
            print(f"{path}:", file=out)
        reports = check_languages(rally, reviews=reviews)
        for report in reports:
            for line in report.lines():
                print(line, file=out)
        complete = complete and all(report.complete for report in reports)
        voiced, _ = voice_coverage(rally, database_url, (final or final_voice_words)(rally))
        print("voices (`python -m bot voices`):", file=out)
        for language in voiced.languages:
            print(f"  {language.line()}", file=out)
    return 0 if complete else 1


def print_qr_codes(
    path: str,
    username: str,
    out_path: Path,
    out: TextIO,
    err: TextIO,
    *,
    database_url: str,
    reserved: Collection[str] = (),
) -> int:
    """Write the rally's QR sheet: 0 saying what was written, 1 with one line saying why not.

    The teams and their codes are read from the bot's database (`database_url`), after the
    file's teams are stored there: a team the file gives no code gets its random one now, the
    one the bot will take (`reserved`: the codes of the bot's other rally files).
    """
    from bot.printing.qr_cards import PrintingError, bot_username, write_sheet

    try:
        rally = load_rally(path)
    except RallyFileError as exc:
        first, more = exc.problems[0], len(exc.problems) - 1
        also = f" (and {more} more: see `python -m bot validate {path}`)" if more else ""
        print(f"rallye: {first}{also}", file=err)
        return 1
    try:
        bot_username(username)  # checked before the database is touched
        teams = asyncio.run(stored_teams(rally, database_url, reserved))
        sheet = write_sheet(rally, teams, username, out_path)
    except PrintingError as exc:
        print(f"rallye: {exc}", file=err)
        return 1
    for name, printed in sheet.renamed:
        shown = f"as '{printed}'" if printed else "without its name"
        print(f"rallye: note: '{name}' printed {shown}: the PDF font lacks its letters", file=err)
    print(
        f"{sheet.path}: {sheet.teams} team card(s), {sheet.stages} stage card(s), "
        f"{sheet.pages} page(s)",
        file=out,
    )
    return 0


async def stored_teams(
    rally: Rally, database_url: str, reserved: Collection[str] = ()
) -> list[TeamCode]:
    """The rally's teams with their join codes as the bot stores them (the file's stored first)."""
    from bot.printing.qr_cards import TeamCode
    from bot.services.base import Services
    from bot.services.teams import TeamService
    from bot.storage.database import create_engine, migrate, session_factory
    from bot.storage.uow import SqlUnitOfWork

    engine = create_engine(database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        teams = TeamService(Services(rally, lambda: SqlUnitOfWork(sessions)))
        await teams.sync_from_file(reserved=reserved)
        return [TeamCode(team.name, team.code) for team in await teams.all_teams()]
    finally:
        await engine.dispose()


def join_codes(paths: Sequence[str]) -> set[str]:
    """The join codes the rally files give (those of the files that can be read)."""
    codes: set[str] = set()
    for path in paths:
        try:
            rally = load_rally(path)
        except RallyFileError:
            continue
        codes |= {team.code for team in rally.teams if team.code is not None}
    return codes


def _chosen_rallies(settings: Settings, rally_id: str | None, err: TextIO) -> list[Rally] | int:
    """The rallies RALLY_FILE names, or only the one with `rally_id`; else the exit code."""
    rallies = _rallies_or_errors(settings)
    if rallies is None:
        return 1
    if rally_id is None:
        return list(rallies)
    chosen = [rally for rally in rallies if rally.id == rally_id]
    if not chosen:
        print(f"rallye: no rally file of RALLY_FILE has the id {rally_id}", file=err)
        return 2
    return chosen


def purge_personal_data(
    settings: Settings, rally_id: str | None, dry_run: bool, out: TextIO, err: TextIO
) -> int:
    """`python -m bot purge`: one line per rally saying what was (or would be) erased."""
    rallies = _chosen_rallies(settings, rally_id, err)
    if isinstance(rallies, int):
        return rallies
    return asyncio.run(
        _purge(settings, rallies, force=rally_id is not None, dry_run=dry_run, out=out)
    )


async def _purge(
    settings: Settings, rallies: Sequence[Rally], *, force: bool, dry_run: bool, out: TextIO
) -> int:
    from bot.services.base import Services
    from bot.services.privacy import PrivacyService
    from bot.storage.database import create_engine, migrate, session_factory
    from bot.storage.uow import SqlUnitOfWork

    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        for rally in rallies:
            privacy = PrivacyService(Services(rally, lambda: SqlUnitOfWork(sessions)))
            done = await privacy.purge(force=force, dry_run=dry_run)
            print(f"{rally.id}: {purge_line(done)}", file=out)
    finally:
        await engine.dispose()
    return 0


def write_report(  # noqa: PLR0917 - the command's options
    settings: Settings,
    rally_id: str | None,
    out_path: Path,
    language: ReportLanguage,
    out: TextIO,
    err: TextIO,
) -> int:
    """`python -m bot report`: the PDF at `out_path` and its figures beside it (`-figures.csv`),
    of one rally or of every rally RALLY_FILE names (then with a comparison page)."""
    from bot.printing.pdf import PrintingError as PdfError

    rallies = _chosen_rallies(settings, rally_id, err)
    if isinstance(rallies, int):
        return rallies
    missing = no_database(settings.database_url)
    if missing is not None:
        print(f"rallye: {missing}: nothing to report (see DATABASE_URL)", file=err)
        return 1
    try:
        made = asyncio.run(_report(settings.database_url, rallies, language))
    except PdfError as exc:
        print(f"rallye: {exc}", file=err)
        return 1
    csv_path = out_path.with_name(f"{out_path.stem}-figures.csv")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(made.pdf)
    csv_path.write_bytes(made.csv.data)
    print(f"{out_path}: the report of {', '.join(r.id for r in rallies)}", file=out)
    print(f"{csv_path}: its figures, {made.csv.rows} rows", file=out)
    return 0


async def _report(
    database_url: str, rallies: Sequence[Rally], language: ReportLanguage
) -> ReportFiles:
    from bot.report.files import make_report
    from bot.services.base import utc_now
    from bot.storage.database import create_engine, migrate

    engine = create_engine(database_url)
    try:
        await migrate(engine)
        return await make_report(engine, rallies, language=language, made_at=utc_now())
    finally:
        await engine.dispose()


def purge_line(done: Purge) -> str:
    """What a purge did, in one line for the operator."""
    from bot.services.privacy import PurgeStatus

    if done.status is PurgeStatus.NOT_FINISHED:
        return "not finished: its data is still in use (nothing erased)"
    if done.status is PurgeStatus.ALREADY_PURGED:
        return "already purged"
    if done.status is PurgeStatus.NOT_DUE:
        due = done.due_at.date().isoformat() if done.due_at else "?"
        return f"kept until {due}, the end of its retention period (--rally ID purges it now)"
    counts = done.counts
    assert counts is not None
    parts = ", ".join(
        f"{value} {name.replace('_', ' ')}" for name, value in counts._asdict().items()
    )
    verb = "would erase" if done.status is PurgeStatus.WOULD_PURGE else "erased"
    return f"{verb}: {parts}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bot`."""
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"rallye: {exc}", file=sys.stderr)
        return 2
    configured = [str(path) for path in settings.rally_files]
    run = getattr(args, "run", None)
    if run is not None:  # the authoring commands (`bot.authoring`)
        status: int = run(args, sys.stdout, sys.stderr)
        return status
    if args.command == "validate":
        return validate(args.file or configured, args.json, sys.stdout, sys.stderr)
    if args.command == "demo":
        return run_demo(
            settings,
            DemoOptions(args.seat, args.pace, args.port, args.open, args.files, name=args.name),
        )
    if args.command == "i18n-check":
        return i18n_check(
            args.file or configured, sys.stdout, sys.stderr, database_url=settings.database_url
        )
    if args.command == "voices":
        return print_voices(
            [args.rally] if args.rally else configured,
            VoicesRequest(args.draft, tuple(args.stage), tuple(args.text), args.json),
            sys.stdout,
            sys.stderr,
            database_url=settings.database_url,
        )
    if args.command == "purge":
        return purge_personal_data(settings, args.rally, args.dry_run, sys.stdout, sys.stderr)
    if args.command == "report":
        return write_report(settings, args.rally, args.out, args.language, sys.stdout, sys.stderr)
    if args.command == "qr":
        if args.rally is None and len(configured) != 1:
            print(
                f"rallye: RALLY_FILE names {len(configured)} rally files: "
                "choose the one to print with --rally FILE",
                file=sys.stderr,
            )
            return 2
        rally_file = args.rally or configured[0]
        return print_qr_codes(
            rally_file,
            args.bot_username,
            args.out,
            sys.stdout,
            sys.stderr,
            database_url=settings.database_url,
            reserved=join_codes(configured),
        )
    if settings.token is None:
        print(
            "rallye: TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather in Telegram and "
            "put it in .env (see .env.example), or run the offline demo: `make run` "
            "(or `python -m bot demo`).",
            file=sys.stderr,
        )
        return 2
    return run_bot(settings)


def _rallies_or_errors(settings: Settings) -> list[Rally] | None:
    try:
        return load_rallies(settings.rally_files)
    except RallyFileError as exc:
        for problem in exc.problems:
            print(f"rallye: {problem}", file=sys.stderr)
        return None


def run_bot(settings: Settings) -> int:
    """Run the bot (webhook with RALLY_WEBHOOK_URL, else long polling) until SIGINT or SIGTERM."""
    from bot import logs
    from bot.i18n.catalogs import MissingCatalogError
    from bot.telegram.app import build_application
    from bot.telegram.webhook import ListenError, WebhookError, bind_servers

    rallies = _rallies_or_errors(settings)
    if rallies is None:
        return 1
    try:  # before anything else: a port in use stops the start at once
        server, health = bind_servers(settings)
    except ListenError as exc:
        print(f"rallye: {exc}", file=sys.stderr)
        return 1
    logs.configure(settings.log_level)
    try:
        application = build_application(settings, rallies, polling=not settings.webhook)
        asyncio.run(_serve_until_signalled(application, server, health))
    except (MissingCatalogError, WebhookError) as exc:
        print(f"rallye: {exc}", file=sys.stderr)
        return 1
    finally:
        for bound in (server, health):
            if bound is not None:
                bound.close()
    return 0


async def _serve_until_signalled(
    application: RallyApplication, server: WebServer | None, health: WebServer | None
) -> None:
    """Serve until SIGINT or SIGTERM, then stop cleanly."""
    from bot.telegram.webhook import serve

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    stop_signals = (signal.SIGINT, signal.SIGTERM)
    for stop_signal in stop_signals:
        loop.add_signal_handler(stop_signal, stopping.set)
    try:
        await serve(application, server, stopping, health=health)
    finally:
        for stop_signal in stop_signals:
            loop.remove_signal_handler(stop_signal)


def run_demo(settings: Settings, options: DemoOptions | None = None) -> int:
    """The offline demo: the bot against a loopback Bot API, played in this terminal (as a
    team, or from the staff's chair while simulated teams play).

    It plays the first rally RALLY_FILE names.
    """
    from bot.demo.session import play_demo
    from bot.i18n.catalogs import MissingCatalogError
    from bot.telegram.webhook import ListenError

    rallies = _rallies_or_errors(settings)
    if rallies is None:
        return 1
    try:
        return play_demo(settings, rallies[0], options)
    except (MissingCatalogError, ListenError) as exc:
        print(f"rallye: {exc}", file=sys.stderr)
        return 1


def _port(value: str) -> int:
    """`--port`: 0 (any free port) to 65535."""
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"not a port: {value!r}")
    return int(value)


def _pace(value: str) -> float:
    """`--pace`: a positive factor."""
    try:
        pace = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < pace <= 100:
        raise argparse.ArgumentTypeError("give a factor above 0 (and at most 100)")
    return pace


@dataclass(frozen=True)
class VoicesRequest:
    """What `python -m bot voices` was asked."""

    draft: bool = False
    stages: tuple[str, ...] = ()
    """Draft only these stages' texts (and `texts`); none given: every text."""
    texts: tuple[str, ...] = ()
    """Draft only these texts (keys such as `final`, `clue:cathedrale`), and `stages`."""
    as_json: bool = False


def print_voices(
    paths: Sequence[str],
    request: VoicesRequest,
    out: TextIO,
    err: TextIO,
    *,
    database_url: str | None,
    final: FinalWordsOf | None = None,
) -> int:
    """`python -m bot voices`: each rally's voice coverage, after making the missing drafts
    with `--draft`. 0; 1 if a file cannot be played or a draft could not be made; 2 for a
    stage or text that is not the rally's.

    `final`: the final message's words of a rally (by default from the bot's catalogs).
    """
    from bot.voices.drafts import make_drafts
    from bot.voices.library import spoken_texts

    reports: list[dict[str, object]] = []
    status = 0
    for path in paths:
        try:
            rally = load_rally(path)
        except RallyFileError as exc:
            print(f"rallye: {exc.problems[0]}", file=err)
            return 1
        words = (final or final_voice_words)(rally)
        voiced, recorded_note = voice_coverage(rally, database_url, words)
        drafted: DraftRun | None = None
        if request.draft:
            wanted = _to_draft(rally, voiced, request, err)
            if wanted is None:
                return 2
            drafted = make_drafts(rally, rally.home, wanted, spoken_texts(rally, words))
            voiced, recorded_note = voice_coverage(rally, database_url, words)
            status = max(status, 1 if drafted.failed else 0)
        status = max(status, 1 if voiced.problems else 0)
        if request.as_json:
            report: dict[str, object] = {"file": path, **voiced.as_json()}
            report["recorded_from"] = recorded_note or "database"
            if drafted is not None:
                report["drafted"] = _drafted_json(drafted)
            reports.append(report)
            continue
        if drafted is not None:
            for line in _drafted_lines(drafted):
                print(line, file=out)
        for line in _coverage_lines(path, voiced, recorded_note):
            print(line, file=out)
        for problem in voiced.problems:
            print(f"rallye: voice not played: {problem}", file=err)
    if request.as_json:
        json.dump(reports[0] if len(reports) == 1 else reports, out, ensure_ascii=False, indent=2)
        out.write("\n")
    return status


FinalWordsOf = Callable[[Rally], "Interface | None"]
"""The final message's words of a rally, per language (`final_voice_words`)."""


def final_voice_words(rally: Rally) -> Interface | None:
    """The bot's final words in each language, as its voice reads them; None without the
    compiled catalogs (`make i18n`): the final message's voices are then not counted."""
    from bot.i18n.catalogs import Catalogs, MissingCatalogError
    from bot.telegram.render.play import final_words
    from bot.voices.final import final_interface

    try:
        catalogs = Catalogs(rally.rally.languages, rally.default_language, rally.rally.timezone)
    except MissingCatalogError:
        return None
    return final_interface(catalogs, final_words)


def voice_coverage(
    rally: Rally, database_url: str | None, final: Interface | None
) -> tuple[Coverage, str | None]:
    """The rally's voice coverage, and a note when no recording could be read (0 recorded)."""
    from bot.voices.coverage import coverage

    recordings: list[Recording] = []
    note = "no database given" if database_url is None else no_database(database_url)
    if database_url is not None and note is None:
        recordings, note = asyncio.run(stored_recordings(database_url, rally.id))
    return coverage(rally, rally.home, interface=final, recordings=recordings), note


def no_database(database_url: str) -> str | None:
    """Why there is no database to read at `database_url` (a SQLite file not made yet), or
    None: reading it creates nothing."""
    from sqlalchemy import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in {"", ":memory:"} or not Path(database).expanduser().is_file():
        return f"no database at {database or ':memory:'}"
    return None


async def stored_recordings(database_url: str, rally_id: str) -> tuple[list[Recording], str | None]:
    """The voices volunteers recorded in Telegram (`/record`), from the bot's database; none,
    with a note saying why, when it cannot be read."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot import logs
    from bot.core.voices import VoiceSource
    from bot.storage.database import create_engine, session_factory
    from bot.storage.uow import SqlUnitOfWork
    from bot.voices.coverage import Recording

    engine = create_engine(database_url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            rows = await uow.voices.all(rally_id)
    except (SQLAlchemyError, OSError) as exc:
        return [], f"database not readable ({type(exc).__name__}: {logs.mask(str(exc))[:120]})"
    finally:
        await engine.dispose()
    return [
        Recording(row.key, row.language, row.text_digest)
        for row in rows
        if row.source == VoiceSource.RECORDED
    ], None


def _to_draft(
    rally: Rally, voiced: Coverage, request: VoicesRequest, err: TextIO
) -> list[tuple[VoiceKey, str]] | None:
    """The missing voices to draft: those of the stages and texts asked for, else all."""
    from bot.core.voices import VoiceKey, rally_keys, stage_keys

    if not request.stages and not request.texts:
        return list(voiced.missing)
    chosen: set[VoiceKey] = set()
    for stage_id in request.stages:
        if not rally.has_stage(stage_id):
            print(f"rallye: rally {rally.id} has no stage {stage_id}", file=err)
            return None
        chosen.update(stage_keys(rally.stage(stage_id)))
    for slug in request.texts:
        key = VoiceKey.parse(slug)
        if key is None or key not in rally_keys(rally):
            print(f"rallye: rally {rally.id} has no text {slug} (clue:ID, final...)", file=err)
            return None
        chosen.add(key)
    return [(key, language) for key, language in voiced.missing if key in chosen]


def _drafted_lines(drafted: DraftRun) -> list[str]:
    per_language = Counter(draft.language for draft in drafted.made)
    made = ", ".join(f"{language} {count}" for language, count in per_language.items())
    lines = [
        f"drafted {len(drafted.made)} voice(s), {_size(drafted.total_bytes)}"
        + (f" ({made})" if made else "")
        + (f", replacing {len(drafted.replaced)} outdated draft(s)" if drafted.replaced else "")
    ]
    if drafted.no_voice:
        lines.append(
            f"no synthesiser voice for {', '.join(drafted.no_voice)}: record them with /record"
        )
    lines += [f"not drafted: {failure}" for failure in drafted.failed]
    return lines


def _drafted_json(drafted: DraftRun) -> dict[str, object]:
    return {
        "made": [
            {
                "key": draft.key.slug,
                "language": draft.language,
                "path": str(draft.path),
                "bytes": draft.size_bytes,
                "duration_s": draft.duration_s,
            }
            for draft in drafted.made
        ],
        "total_bytes": drafted.total_bytes,
        "replaced": [str(path) for path in drafted.replaced],
        "no_voice": drafted.no_voice,
        "failed": drafted.failed,
    }


def _coverage_lines(path: str, voiced: Coverage, recorded_note: str | None) -> list[str]:
    columns = ("texts", "recorded", "file", "synthetic", "missing", "outdated")
    lines = [
        f"{path}: voices of rally {voiced.rally_id}",
        "  " + f"{'language':<9}" + "".join(f"{name:>11}" for name in columns) + "  synthesiser",
    ]
    for c in voiced.languages:
        counts = (c.texts, c.recorded, c.file, c.synthetic, c.missing)
        outdated = c.outdated_drafts + c.outdated_recordings
        synthesiser = f"espeak-ng {c.synthesiser}" if c.synthesiser else "none: record with /record"
        lines.append(
            f"  {c.language:<9}"
            + "".join(f"{count:>11}" for count in (*counts, outdated))
            + f"  {synthesiser}"
        )
    if recorded_note:
        lines.append(f"  recorded: 0 counted ({recorded_note})")
    if voiced.outdated:
        lines.append(
            f"  outdated drafts: {len(voiced.outdated)}, not played (an older wording, or a "
            "text no longer in the rally; `--draft` replaces those of current texts)"
        )
    return lines


def _size(count: int) -> str:
    return f"{count / 1_000_000:.2f} MB" if count >= 1_000_000 else f"{count / 1000:.0f} KB"
