"""The report's charts: PNG images drawn with matplotlib from the figures, nothing computed here.

matplotlib is imported when the first chart is drawn (the bot does not pay for it at its
start), with the Agg backend, and used without `pyplot`: each chart is a `Figure` of its own,
so charts may be drawn in a worker thread while the bot goes on answering.

Only Latin text reaches a chart (stage names in the report's language, languages named in it,
question and rally ids): matplotlib does not shape Arabic or Ethiopic scripts. Team names,
which may be in any script, stay in the document's tables.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.report.figures import RallyFigures
from bot.report.labels import Labels
from bot.report.survey import SurveyFigures

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 150
WIDTH = 6.6
"""Inches: the width of the page's text."""
BAR = 0.26
"""Inches a bar takes in a horizontal bar chart."""
COLOURS = {
    "main": "#2b6cb0",
    "light": "#a3c4e8",
    "second": "#dd8a2e",
    "location": "#2b6cb0",
    "live_location": "#63a4dc",
    "code": "#dd8a2e",
    "organiser": "#c0504d",
    "skipped": "#bbbbbb",
    "approved": "#3c9a5f",
    "rejected": "#c0504d",
    "pending": "#bbbbbb",
}
TOPIC_COLOURS = {"heritage": "#8e5ea2", "services": "#2b6cb0", "transport": "#3c9a5f"}
METHODS = ("location", "live_location", "code", "organiser")


@dataclass(frozen=True)
class Chart:
    """A chart of the report: its PNG image and the text that says what it shows."""

    png: bytes
    title: str


def _figure(height: float) -> Figure:
    """A figure the width of the page's text (Agg, no pyplot)."""
    import matplotlib  # noqa: PLC0415 - heavy: imported once a report is drawn

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # noqa: PLC0415

    return Figure(figsize=(WIDTH, max(height, 1.4)), dpi=DPI, layout="constrained")


def _png(figure: Figure, title: str) -> Chart:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return Chart(buffer.getvalue(), title)


def _tidy(axes: Axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=8)


def _barh_height(rows: float) -> float:
    return 0.7 + BAR * rows


def _short(text: str, length: int = 34) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def languages_chart(figures: RallyFigures, labels: Labels) -> Chart:
    """Players by language, and of them those whose team finished."""
    languages = list(reversed(figures.languages))  # most players at the top
    figure = _figure(_barh_height(len(languages)))
    axes = figure.add_subplot()
    names = [labels.language_name(language.language) for language in languages]
    axes.barh(
        names, [x.players for x in languages], color=COLOURS["light"], label=labels.registered
    )
    axes.barh(
        names,
        [x.finished for x in languages],
        height=0.45,
        color=COLOURS["main"],
        label=labels.finished_column.lower(),
    )
    axes.set_xlabel(labels.players, fontsize=8)
    axes.legend(fontsize=7, frameon=False, loc="lower right")
    _tidy(axes)
    return _png(figure, labels.players_by_language)


def methods_chart(figures: RallyFigures, labels: Labels, stage_names: Sequence[str]) -> Chart:
    """Per stage, the teams that reached it by check-in method, and those that skipped it."""
    stages = list(reversed(figures.stages))
    names = [_short(name) for name in reversed(stage_names)]
    figure = _figure(_barh_height(len(stages)) + 0.3)
    axes = figure.add_subplot()
    left = [0] * len(stages)
    for method in METHODS:
        counts = [getattr(stage, f"by_{method}") for stage in stages]
        axes.barh(names, counts, left=left, color=COLOURS[method], label=labels.methods[method])
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.barh(
        names,
        [stage.skipped for stage in stages],
        left=left,
        color=COLOURS["skipped"],
        label=labels.skipped,
    )
    axes.set_xlabel(labels.reached, fontsize=8)
    axes.legend(fontsize=7, frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    _tidy(axes)
    return _png(figure, labels.methods_chart)


def times_chart(figures: RallyFigures, labels: Labels, stage_names: Sequence[str]) -> Chart:
    """Per stage, the median walking time to it and the median time spent there."""
    stages = list(reversed(figures.stages))
    names = [_short(name) for name in reversed(stage_names)]
    figure = _figure(_barh_height(len(stages) * 1.4) + 0.3)
    axes = figure.add_subplot()
    rows = range(len(stages))
    axes.barh(
        [row + 0.2 for row in rows],
        [stage.walking or 0 for stage in stages],
        height=0.38,
        color=COLOURS["main"],
        label=labels.walking_legend,
    )
    axes.barh(
        [row - 0.2 for row in rows],
        [stage.time_at_stage or 0 for stage in stages],
        height=0.38,
        color=COLOURS["second"],
        label=labels.at_stage_legend,
    )
    axes.set_yticks(list(rows), names)
    axes.set_xlabel("min", fontsize=8)
    axes.legend(fontsize=7, frameon=False, ncols=2, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    _tidy(axes)
    return _png(figure, labels.times_chart)


def right_first_chart(figures: RallyFigures, labels: Labels) -> Chart:
    """Per question, the share of right first answers, coloured by topic."""
    questions = list(reversed(figures.questions))
    figure = _figure(_barh_height(len(questions)) + 0.3)
    axes = figure.add_subplot()
    shares = [100 * (q.right_first_share or 0) for q in questions]
    colours = [TOPIC_COLOURS.get(q.topic, COLOURS["main"]) for q in questions]
    axes.barh([q.question_id for q in questions], shares, color=colours)
    axes.set_xlim(0, 100)
    axes.set_xlabel("%", fontsize=8)
    for topic, colour in TOPIC_COLOURS.items():
        if any(q.topic == topic for q in questions):
            axes.barh([], [], color=colour, label=labels.topics.get(topic, topic))
    axes.legend(fontsize=7, frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    _tidy(axes)
    axes.tick_params(axis="y", labelsize=7)
    return _png(figure, labels.right_first_chart)


def hints_chart(figures: RallyFigures, labels: Labels, stage_names: Sequence[str]) -> Chart:
    """Per stage, the hints taken."""
    stages = list(reversed(figures.stages))
    names = [_short(name) for name in reversed(stage_names)]
    figure = _figure(_barh_height(len(stages)))
    axes = figure.add_subplot()
    axes.barh(names, [stage.hints for stage in stages], color=COLOURS["second"])
    axes.set_xlabel(labels.hints_column, fontsize=8)
    _tidy(axes)
    return _png(figure, labels.hints_chart)


def photos_chart(figures: RallyFigures, labels: Labels) -> Chart:
    """The mission photos by review status."""
    incidents = figures.incidents
    figure = _figure(1.5)
    axes = figure.add_subplot()
    bars = [
        (labels.photos_approved, incidents.photos_approved, COLOURS["approved"]),
        (labels.photos_rejected, incidents.photos_rejected, COLOURS["rejected"]),
        (labels.photos_pending, incidents.photos_pending, COLOURS["pending"]),
    ]
    axes.barh(
        [name for name, _, _ in reversed(bars)],
        [count for _, count, _ in reversed(bars)],
        color=[colour for _, _, colour in reversed(bars)],
    )
    _tidy(axes)
    return _png(figure, labels.photos_chart)


def survey_charts(
    survey: SurveyFigures, labels: Labels, texts: Mapping[str, tuple[str, list[str]]]
) -> list[Chart]:
    """Per survey question (in `survey_questions` order), the answers each choice had, every
    language together; `texts`: the questions' and choices' texts (`survey_texts`)."""
    charts = []
    for question in survey_questions(survey, texts):
        prompt, choices = texts.get(question, (question, []))
        totals: dict[str, int] = {}
        for count in survey.of(question):
            number = int(count.choice) if count.choice.isdigit() else 0
            name = choices[number - 1] if 0 < number <= len(choices) else count.choice
            totals[name] = totals.get(name, 0) + count.answers
        figure = _figure(_barh_height(len(totals)))
        axes = figure.add_subplot()
        axes.barh(
            [_short(choice, 40) for choice in reversed(totals)],
            list(reversed(totals.values())),
            color=COLOURS["main"],
        )
        axes.set_xlabel(labels.count, fontsize=8)
        _tidy(axes)
        charts.append(_png(figure, prompt or question))
    return charts


def survey_questions(survey: SurveyFigures, texts: Mapping[str, object]) -> list[str]:
    """The questions answered: in the rally file's order, then any the file no longer has."""
    answered = survey.questions
    return [q for q in texts if q in answered] + [q for q in answered if q not in texts]


def comparison_charts(rallies: Sequence[RallyFigures], labels: Labels) -> tuple[Chart, Chart]:
    """Across rallies: players and finishers; the shares of right answers and of GPS check-ins."""
    names = [figures.rally_id for figures in rallies]
    rows = range(len(rallies))
    people = _figure(_barh_height(len(rallies) * 1.4) + 0.3)
    axes = people.add_subplot()
    axes.barh(
        [row + 0.2 for row in rows],
        [f.players for f in rallies],
        height=0.38,
        color=COLOURS["light"],
        label=labels.registered,
    )
    axes.barh(
        [row - 0.2 for row in rows],
        [f.players_finished for f in rallies],
        height=0.38,
        color=COLOURS["main"],
        label=labels.finished_column.lower(),
    )
    axes.set_yticks(list(rows), names)
    axes.legend(fontsize=7, frameon=False, ncols=2, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    _tidy(axes)
    shares = _figure(_barh_height(len(rallies) * 2) + 0.3)
    axes = shares.add_subplot()
    series: list[tuple[str, Callable[[RallyFigures], float | None], str]] = [
        (labels.finished_share, lambda f: f.finished_share, COLOURS["main"]),
        (labels.right_first, lambda f: f.right_first_share, TOPIC_COLOURS["heritage"]),
        (labels.gps_share, lambda f: f.position_share, COLOURS["second"]),
    ]
    for offset, (name, value, colour) in zip((0.27, 0, -0.27), series, strict=True):
        axes.barh(
            [row + offset for row in rows],
            [100 * (value(f) or 0) for f in rallies],
            height=0.26,
            color=colour,
            label=name,
        )
    axes.set_yticks(list(rows), names)
    axes.set_xlim(0, 100)
    axes.set_xlabel("%", fontsize=8)
    axes.legend(fontsize=7, frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    _tidy(axes)
    return (
        _png(people, labels.comparison_people_chart),
        _png(shares, labels.comparison_shares_chart),
    )


@dataclass(frozen=True)
class RallyCharts:
    """Every chart of one rally's report."""

    languages: Chart
    methods: Chart
    times: Chart
    right_first: Chart
    hints: Chart
    photos: Chart
    survey: tuple[Chart, ...]


def rally_charts(
    figures: RallyFigures,
    labels: Labels,
    stage_names: Sequence[str],
    survey_texts: Mapping[str, tuple[str, list[str]]],
) -> RallyCharts:
    """Draw one rally's charts; `stage_names`: its stages' names, in the figures' order;
    `survey_texts`: its survey's questions' and choices' texts."""
    return RallyCharts(
        languages=languages_chart(figures, labels),
        methods=methods_chart(figures, labels, stage_names),
        times=times_chart(figures, labels, stage_names),
        right_first=right_first_chart(figures, labels),
        hints=hints_chart(figures, labels, stage_names),
        photos=photos_chart(figures, labels),
        survey=(
            tuple(survey_charts(figures.survey, labels, survey_texts))
            if isinstance(figures.survey, SurveyFigures)
            else ()
        ),
    )
