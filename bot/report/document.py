"""The report as an HTML document (A4 pages, CSS for print), laid out from the figures.

Made apart from its conversion to PDF (`bot.printing.pdf`, called by `bot.report.files`), so
that the HTML can be checked on its own. Every text is escaped; the charts are embedded as PNG data
URLs. Nothing here computes a figure: each number comes from `RallyFigures`.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.content import Rally
from bot.printing.pdf import FONT_STACK
from bot.report.charts import Chart, RallyCharts, survey_questions
from bot.report.figures import RallyFigures
from bot.report.labels import Labels
from bot.report.survey import SurveyFigures, survey_texts

RANKING_SHOWN = 10
"""Teams shown in the ranking's table (every team is in the CSV)."""

CSS = """
@page {
  size: A4;
  margin: 16mm 15mm 18mm 15mm;
  @bottom-left { content: string(rally); font-size: 7.5pt; color: #666; }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 7.5pt; color: #666; }
}
html {
  font-family: FONT_STACK;
  font-size: 9.5pt;
  color: #1f2933;
}
section.rally, section.comparison { break-before: page; }
section:first-of-type { break-before: auto; }
h1 { font-size: 17pt; margin: 0 0 2mm 0; color: #1c4e80; }
h1 span { string-set: rally content(); }
h1 small { display: block; font-size: 10pt; font-weight: normal; color: #52606d; }
h2 { font-size: 12.5pt; margin: 6mm 0 2mm 0; color: #1c4e80; break-after: avoid;
  border-bottom: 0.6pt solid #c5d3e2; padding-bottom: 1mm; }
h3 { font-size: 10pt; margin: 4mm 0 1mm 0; break-after: avoid; }
p { margin: 1mm 0 2mm 0; }
p.meta { color: #52606d; }
p.note { font-size: 8pt; color: #52606d; }
figure { margin: 2mm 0 3mm 0; break-inside: avoid; }
figure img { width: 100%; }
figcaption { font-size: 8.5pt; font-weight: bold; margin-bottom: 1mm; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm 0; font-size: 8pt; }
th, td { border-bottom: 0.4pt solid #d9e2ec; padding: 0.8mm 1.2mm; text-align: left;
  vertical-align: top; }
th { background: #eef3f8; font-weight: bold; }
td.n, th.n { text-align: right; }
td.n { white-space: nowrap; }
table.wide { font-size: 7pt; }
table.wide th, table.wide td { padding: 0.6mm 0.8mm; }
tr { break-inside: avoid; }
table.keys td.n { font-size: 10pt; font-weight: bold; color: #1c4e80; }
table.keys { width: 100%; }
""".replace("FONT_STACK", FONT_STACK)
"""The report's print stylesheet, with the fonts of every PDF the bot makes (every script)."""


@dataclass(frozen=True)
class RallyPart:
    """One rally's part of the document: its file, its figures, its charts."""

    rally: Rally
    figures: RallyFigures
    charts: RallyCharts


def text(value: object) -> str:
    """Any value as escaped HTML text."""
    return html.escape(str(value), quote=True)


def localized(texts: dict[str, str], labels: Labels, rally: Rally) -> str:
    """A text of the rally file in the report's language, else in the rally's default one."""
    return texts.get(labels.language.value) or texts.get(rally.default_language) or ""


def stage_names(rally: Rally, labels: Labels) -> list[str]:
    """The rally's stages' names in the report's language, in file order."""
    return [localized(stage.name, labels, rally) for stage in rally.stages]


def _image(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    return (
        f"<figure><figcaption>{text(chart.title)}</figcaption>"
        f'<img src="data:image/png;base64,{data}" alt="{text(chart.title)}"></figure>'
    )


def _cell(value: object, *, number: bool = False) -> str:
    return f'<td class="n">{text(value)}</td>' if number else f"<td>{text(value)}</td>"


def _table(
    header: Sequence[str], rows: Iterable[Sequence[object]], numbers: int, css: str = ""
) -> str:
    """A table whose last `numbers` columns are figures (right-aligned)."""
    first = len(header) - numbers
    head = "".join(
        f'<th class="n">{text(h)}</th>' if i >= first else f"<th>{text(h)}</th>"
        for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>" + "".join(_cell(v, number=i >= first) for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    attribute = f' class="{css}"' if css else ""
    return f"<table{attribute}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _keys(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(f'<tr><td>{text(k)}</td><td class="n">{text(v)}</td></tr>' for k, v in rows)
    return f'<table class="keys"><tbody>{body}</tbody></table>'


def _who_came(part: RallyPart, labels: Labels) -> str:
    f = part.figures
    sizes = sorted(f.team_sizes)
    median_size = (sizes[(len(sizes) - 1) // 2] + sizes[len(sizes) // 2]) / 2 if sizes else None
    keys = _keys(
        [
            (labels.players, labels.number(f.players, 0)),
            (labels.players_finished, labels.number(f.players_finished, 0)),
            (labels.teams, labels.number(f.teams, 0)),
            (labels.teams_playing, labels.number(f.teams_playing, 0)),
            (labels.teams_started, labels.number(f.teams_started, 0)),
            (
                labels.teams_finished,
                f"{labels.number(f.teams_finished, 0)} ({labels.percent(f.finished_share)})",
            ),
            (labels.team_size, labels.number(median_size)),
            (labels.duration, labels.minutes(f.duration)),
            (labels.players_gone, labels.number(f.players_gone, 0)),
        ]
    )
    table = _table(
        [labels.language_column, labels.players, labels.teams_playing, labels.finished_column],
        (
            [labels.language_in_full(x.language), x.players, x.teams, x.finished]
            for x in f.languages
        ),
        numbers=3,
    )
    chart = _image(part.charts.languages) if f.languages else ""
    return f"<h2>{text(labels.who_came)}</h2>{keys}{chart}{table}"


def _route(part: RallyPart, labels: Labels) -> str:
    f, names = part.figures, stage_names(part.rally, labels)
    share = f.position_share
    gps = (
        labels.position_share.format(share=labels.percent(share))
        if share is not None
        else labels.no_located_stage
    )
    table = _table(
        [
            labels.stage,
            labels.reached,
            labels.skipped,
            labels.walking,
            labels.at_stage,
            *(labels.methods[m] for m in ("location", "live_location", "code", "organiser")),
            labels.distance,
        ],
        (
            [
                name,
                s.reached,
                s.skipped,
                labels.number(s.walking),
                labels.number(s.time_at_stage),
                s.by_location,
                s.by_live_location,
                s.by_code,
                s.by_organiser,
                labels.number(s.distance_m, 0),
            ]
            for name, s in zip(names, f.stages, strict=True)
        ),
        numbers=9,
        css="wide",
    )
    return (
        f"<h2>{text(labels.route)}</h2>"
        f"{_image(part.charts.methods)}<p>{text(gps)}</p>"
        f"{_image(part.charts.times)}{table}"
        f'<p class="note">{text(labels.route_definitions)}</p>'
    )


def _learning(part: RallyPart, labels: Labels) -> str:
    f, rally = part.figures, part.rally
    prompts = {
        q.id: localized(q.prompt, labels, rally) for stage in rally.stages for q in stage.questions
    }
    questions = _table(
        [
            labels.question,
            "",
            labels.answered,
            labels.right_first,
            labels.right_first_share,
            labels.right,
        ],
        (
            [
                q.question_id,
                prompts.get(q.question_id, ""),
                q.answered,
                q.right_first,
                labels.percent(q.right_first_share),
                q.right,
            ]
            for q in f.questions
        ),
        numbers=4,
    )
    topics = _table(
        [labels.topic, labels.questions, labels.answered, labels.right_first_share],
        (
            [
                labels.topics.get(t.topic, t.topic),
                t.questions,
                t.answered,
                labels.percent(t.right_first_share),
            ]
            for t in f.topics
        ),
        numbers=3,
    )
    hints = _table(
        [labels.stage, labels.hints_column, labels.hint_teams, labels.hint_points],
        (
            [name, s.hints, s.teams_with_hints, s.hint_points]
            for name, s in zip(stage_names(rally, labels), f.stages, strict=True)
        ),
        numbers=3,
    )
    return (
        f"<h2>{text(labels.learning)}</h2>"
        f'<p class="note">{text(labels.learning_definitions)}</p>'
        f"<h3>{text(labels.by_topic)}</h3>{topics}"
        f"{_image(part.charts.right_first)}{questions}"
        f"<h3>{text(labels.hints)}</h3>{_image(part.charts.hints)}{hints}"
    )


def _survey(part: RallyPart, labels: Labels) -> str:
    survey = part.figures.survey
    title = f"<h2>{text(labels.survey)}</h2>"
    if not isinstance(survey, SurveyFigures):
        return f"{title}<p>{text(labels.no_survey)}</p>"
    texts = survey_texts_of(part.rally, labels)
    languages = list(dict.fromkeys(count.language for count in survey.counts))
    parts = [title]
    questions = survey_questions(survey, texts)
    for question, chart in zip(questions, part.charts.survey, strict=True):
        _, choices = texts.get(question, (question, []))
        counts: dict[str, dict[str, int]] = {}
        for count in survey.of(question):
            number = int(count.choice) if count.choice.isdigit() else 0
            name = choices[number - 1] if 0 < number <= len(choices) else count.choice
            counts.setdefault(name, {})[count.language] = count.answers
        parts.append(_image(chart))
        parts.append(
            _table(
                [labels.answer, *(labels.language_name(x) for x in languages), labels.total],
                (
                    [choice, *(by.get(x, 0) for x in languages), sum(by.values())]
                    for choice, by in counts.items()
                ),
                numbers=len(languages) + 1,
            )
        )
    return "".join(parts)


def survey_texts_of(rally: Rally, labels: Labels) -> dict[str, tuple[str, list[str]]]:
    """The rally's survey questions' and choices' texts in the report's language."""
    return survey_texts(rally, labels.language.value, rally.default_language)


def _incidents(part: RallyPart, labels: Labels) -> str:
    i = part.figures.incidents
    table = _table(
        ["", labels.count],
        [
            (labels.lost_alerts, labels.not_recorded),
            (labels.idle_teams, i.idle_teams),
            (labels.photos_approved, i.photos_approved),
            (labels.photos_rejected, i.photos_rejected),
            (labels.photos_pending, i.photos_pending),
            (labels.skips, i.skips),
            (labels.staffed_checkins, i.staffed_checkins),
            (labels.awards, i.awards),
            (labels.broadcasts, i.broadcasts),
            (labels.pauses, i.pauses),
        ],
        numbers=1,
    )
    return (
        f"<h2>{text(labels.incidents)}</h2>{table}{_image(part.charts.photos)}"
        f'<p class="note">{text(labels.not_recorded_note)}</p>'
    )


def _ranking(part: RallyPart, labels: Labels) -> str:
    ranking = part.figures.ranking
    if not ranking:
        return ""
    table = _table(
        [labels.rank, labels.team, labels.score, labels.stages_done],
        (
            [
                entry.rank,
                entry.team + (f" ({labels.finished_mark})" if entry.finished else ""),
                entry.score,
                f"{entry.stages_done} / {part.figures.stages_total}",
            ]
            for entry in ranking[:RANKING_SHOWN]
        ),
        numbers=2,
    )
    more = len(ranking) - RANKING_SHOWN
    tail = f'<p class="note">{text(labels.ranking_more.format(count=more))}</p>' if more > 0 else ""
    return f"<h2>{text(labels.ranking)}</h2>{table}{tail}"


def _rally_section(part: RallyPart, labels: Labels) -> str:
    f, rally = part.figures, part.rally
    zone = rally.rally.zone
    title = localized(rally.rally.title, labels, rally)
    if f.started_at is None:
        period = labels.not_started
    else:
        period = labels.period.format(
            start=labels.moment(f.started_at, zone), end=labels.moment(f.finished_at, zone)
        )
    phase = labels.phase.format(phase=labels.phases.get(f.phase, f.phase))
    purged = f'<p class="meta">{text(labels.purged)}</p>' if f.purged else ""
    return (
        f'<section class="rally"><h1><span>{text(title)}</span>'
        f"<small>{text(labels.title)} · {text(rally.id)}</small></h1>"
        f'<p class="meta">{text(period)} {text(phase)}</p>{purged}'
        f"{_who_came(part, labels)}{_route(part, labels)}{_learning(part, labels)}"
        f"{_survey(part, labels)}{_incidents(part, labels)}{_ranking(part, labels)}"
        "</section>"
    )


def _comparison_section(
    parts: Sequence[RallyPart], charts: tuple[Chart, Chart], labels: Labels
) -> str:
    table = _table(
        [
            labels.rally,
            labels.players,
            labels.teams_started,
            labels.finished_share,
            labels.duration,
            labels.right_first,
            labels.gps_share,
            labels.hints_per_team,
            labels.photos_approved,
            labels.photos_rejected,
        ],
        (
            [
                localized(p.rally.rally.title, labels, p.rally),
                labels.number(p.figures.players, 0),
                labels.number(p.figures.teams_started, 0),
                labels.percent(p.figures.finished_share),
                labels.minutes(p.figures.duration),
                labels.percent(p.figures.right_first_share),
                labels.percent(p.figures.position_share),
                labels.number(p.figures.hints_per_team),
                labels.number(p.figures.incidents.photos_approved, 0),
                labels.number(p.figures.incidents.photos_rejected, 0),
            ]
            for p in parts
        ),
        numbers=9,
    )
    people, shares = charts
    return (
        f'<section class="comparison"><h1><span>{text(labels.comparison_title)}</span>'
        f"<small>{text(labels.title)}</small></h1>{table}{_image(people)}{_image(shares)}"
        "</section>"
    )


def report_html(
    parts: Sequence[RallyPart],
    labels: Labels,
    made_at: datetime,
    comparison: tuple[Chart, Chart] | None = None,
) -> str:
    """The whole report: the comparison page first when there is one, then each rally."""
    zone = parts[0].rally.rally.zone if parts else UTC
    made = labels.made_on.format(date=labels.moment(made_at, zone))
    intro = f'<p class="meta">{text(made)} {text(labels.no_names)}</p>'
    sections = []
    if comparison is not None:
        sections.append(_comparison_section(parts, comparison, labels))
    sections += [_rally_section(part, labels) for part in parts]
    if sections:  # the note opens the first page, under its title
        first = sections[0]
        cut = first.index("</h1>") + len("</h1>")
        sections[0] = first[:cut] + intro + first[cut:]
    title = labels.title
    return (
        f'<!DOCTYPE html><html lang="{labels.language.value}"><head><meta charset="utf-8">'
        f"<title>{text(title)}</title><style>{CSS}</style></head>"
        f"<body>{''.join(sections)}</body></html>"
    )
