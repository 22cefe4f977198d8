"""The report's figures as one long CSV table: one row per figure.

Columns: `rally, section, item, measure, language, value`. `item` is what the figure is about (a
stage id, a question id, a survey question, a rank), `measure` what is counted or timed, and
`language` is set only for the figures given per language; the ranking's item is the team.
Medians are in minutes (`_min`) or metres (`_m`), shares between 0 and 1; an empty value is a
figure that cannot be computed (a median over no team). Written with the exports' CSV writer
(UTF-8 with a BOM, formulas quoted).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bot.report.figures import RallyFigures
from bot.report.survey import SurveyFigures
from bot.services.exports import CsvFile, to_csv

HEADER = ("rally", "section", "item", "measure", "language", "value")
Row = tuple[str, str, str, str, str, object]


def figure_rows(figures: RallyFigures) -> Iterator[Row]:
    """Every figure of one rally, as rows of the table."""
    yield from _attendance(figures)
    yield from _route(figures)
    yield from _learning(figures)
    yield from _rest(figures)


def _attendance(figures: RallyFigures) -> Iterator[Row]:
    r = figures.rally_id
    for measure, value in (
        ("players", figures.players),
        ("players_finished", figures.players_finished),
        ("players_gone", figures.players_gone),
        ("teams", figures.teams),
        ("teams_playing", figures.teams_playing),
        ("teams_started", figures.teams_started),
        ("teams_finished", figures.teams_finished),
        ("finished_share", figures.finished_share),
        ("median_duration_min", figures.duration),
    ):
        yield r, "attendance", "rally", measure, "", value
    for size in sorted(set(figures.team_sizes)):
        yield r, "attendance", f"size {size}", "teams", "", figures.team_sizes.count(size)
    for language in figures.languages:
        for measure, value in (
            ("players", language.players),
            ("teams", language.teams),
            ("players_finished", language.finished),
        ):
            yield r, "attendance", "language", measure, language.language, value


def _route(figures: RallyFigures) -> Iterator[Row]:
    r = figures.rally_id
    for stage in figures.stages:
        for measure, value in (
            ("reached", stage.reached),
            ("skipped", stage.skipped),
            ("median_walking_min", stage.walking),
            ("walking_teams", stage.timed_walking),
            ("median_at_stage_min", stage.time_at_stage),
            ("at_stage_teams", stage.timed_at_stage),
            ("by_location", stage.by_location),
            ("by_live_location", stage.by_live_location),
            ("by_code", stage.by_code),
            ("by_organiser", stage.by_organiser),
            ("position_share", stage.position_share),
            ("median_distance_m", stage.distance_m),
            ("hints", stage.hints),
            ("teams_with_hints", stage.teams_with_hints),
            ("hint_points", stage.hint_points),
        ):
            yield r, "route", stage.stage_id, measure, "", value


def _learning(figures: RallyFigures) -> Iterator[Row]:
    r = figures.rally_id
    for question in figures.questions:
        for measure, value in (
            ("answered", question.answered),
            ("right_first", question.right_first),
            ("right_first_share", question.right_first_share),
            ("right", question.right),
            ("attempts", question.attempts),
        ):
            yield r, "learning", question.question_id, measure, "", value
    for topic in figures.topics:
        yield (
            r,
            "learning",
            f"topic {topic.topic}",
            "right_first_share",
            "",
            topic.right_first_share,
        )


def _rest(figures: RallyFigures) -> Iterator[Row]:
    r = figures.rally_id
    if isinstance(figures.survey, SurveyFigures):
        for count in figures.survey.counts:
            item = f"{count.question_id}: {count.choice}"
            yield r, "survey", item, "answers", count.language, count.answers
    incidents = figures.incidents
    for measure, value in (
        ("photos_approved", incidents.photos_approved),
        ("photos_rejected", incidents.photos_rejected),
        ("photos_pending", incidents.photos_pending),
        ("idle_teams", incidents.idle_teams),
        ("skips", incidents.skips),
        ("staffed_checkins", incidents.staffed_checkins),
        ("awards", incidents.awards),
        ("broadcasts", incidents.broadcasts),
        ("pauses", incidents.pauses),
    ):
        yield r, "incidents", "rally", measure, "", value
    for entry in figures.ranking:
        yield r, "ranking", entry.team, "rank", "", entry.rank
        yield r, "ranking", entry.team, "score", "", entry.score
        yield r, "ranking", entry.team, "stages_done", "", entry.stages_done


def figures_csv(name: str, rallies: Sequence[RallyFigures]) -> CsvFile:
    """The figures of every rally, as one CSV file."""
    return to_csv(
        name,
        HEADER,
        ((*row[:-1], _value(row[-1])) for figures in rallies for row in figure_rows(figures)),
    )


def _value(value: object) -> object:
    """Shares and medians to 4 decimals: the table is read by people too."""
    return round(value, 4) if isinstance(value, float) else value
