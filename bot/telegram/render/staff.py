"""What organisers and admins read: the leaderboard, progress, alerts, photos, the day's phases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import assert_never

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.content import Rally
from bot.core.engine import RallyPhase, Ranked, TeamState
from bot.i18n.catalogs import Escaped, Translator
from bot.services.exports import ExportKind
from bot.services.monitoring import TeamWatch
from bot.services.photos import Photo
from bot.services.views import Member, TeamView
from bot.telegram.buttons import FinishRally, ReviewPhoto, encode
from bot.telegram.render.play import stage_name
from bot.telegram.render.reply import Reply, b


def minutes(span: timedelta) -> int:
    """A duration in whole minutes."""
    return int(span.total_seconds() // 60)


def scoreboard(tr: Translator, ranking: Sequence[Ranked], stages: int) -> str:
    """`/scores`: rank, team, points, stages done, finish time."""
    if not ranking:
        return tr._("No team yet.")
    lines = [b(tr._("🏆 Leaderboard"))]
    for entry in ranking:
        s = entry.standing
        line = tr._(
            "{rank}. {team}: {points} points, {done}/{stages} stages",
            rank=entry.rank,
            team=s.name,
            points=s.score,
            done=s.stages_done,
            stages=stages,
        )
        if s.finished_at is not None:
            finished = tr._("finished at {time}", time=tr.clock(s.finished_at))
            line = Escaped(f"{line}, {finished}")
        lines.append(line)
    return "\n".join(lines)


def team_state(tr: Translator, rally: Rally, team: TeamView) -> Escaped:
    """Where a team is, in a few words."""
    progress = team.progress
    total = len(progress.route)
    if progress.state is TeamState.WAITING:
        return tr._("waiting for the start")
    if progress.state is TeamState.FINISHED:
        return tr._("finished")
    assert progress.stage_id is not None
    state = {
        TeamState.EN_ROUTE: tr._("on the way to"),
        TeamState.CHECKED_IN: tr._("arrived at"),
        TeamState.ANSWERING: tr._("answering at"),
    }[progress.state]
    return tr._(
        "stage {number}/{total}, {state} {stage}",
        number=progress.stage_index + 1,
        total=total,
        state=state,
        stage=stage_name(tr, rally, progress.stage_id),
    )


def progress_report(
    tr: Translator, rally: Rally, watches: Sequence[TeamWatch], now: datetime
) -> str:
    """`/progress`: each team's stage and state, last activity, stuck teams flagged."""
    if not watches:
        return tr._("No team yet.")
    lines = [b(tr._("🗺 Teams"))]
    for watch in watches:
        team = watch.team
        idle = minutes(now - watch.last_activity_at)
        flag = "⚠️ " if watch.stuck else ""
        lines.append(
            f"{flag}{b(tr.value(team.name))} ({tr.value(team.code)}): "
            f"{team_state(tr, rally, team)}. "
            + tr._(
                "{points} points, {members} players, last move {minutes} min ago.",
                points=team.progress.score,
                members=len(team.members),
                minutes=idle,
            )
        )
    stuck = [w for w in watches if w.stuck]
    if stuck:
        lines.append("")
        lines.append(
            tr.n_(
                "⚠️ {count} team has not moved for {minutes} minutes or more.",
                "⚠️ {count} teams have not moved for {minutes} minutes or more.",
                len(stuck),
                minutes=rally.rally.idle_alert_minutes,
            )
        )
    return "\n".join(lines)


def stuck_alert(tr: Translator, rally: Rally, watch: TeamWatch) -> str:
    """An alert to organisers: a team seems stuck."""
    team = watch.team
    idle = minutes(watch.idle) if watch.idle else rally.rally.idle_alert_minutes
    return tr._(
        "⚠️ Team {team} has not moved for {minutes} minutes: {state}. Members: {members}.",
        team=team.name,
        minutes=idle,
        state=team_state(tr, rally, team),
        members=members_list(team.members),
    )


def members_list(members: Sequence[Member]) -> str:
    """Names of a team's members."""
    return ", ".join(m.name for m in members) or "—"


def lost_alert(tr: Translator, rally: Rally, watch: TeamWatch, who: Member, now: datetime) -> str:
    """A player pressed "we are lost": the team, its stage and its last known position."""
    team = watch.team
    lines = [
        b(tr._("🆘 Team {team} asks for help", team=team.name)),
        tr._("Asked by {name} ({state}).", name=who.name, state=team_state(tr, rally, team)),
        tr._("Members: {members}", members=members_list(team.members)),
    ]
    if watch.last_lat is not None and watch.last_lon is not None:
        lines.append(
            tr._(
                "Last position sent: {lat}, {lon} (see the map below).",
                lat=str(round(watch.last_lat, 5)),
                lon=str(round(watch.last_lon, 5)),
            )
        )
    else:
        lines.append(tr._("No position sent yet."))
    lines.append(
        tr._("Last move {minutes} min ago.", minutes=minutes(now - watch.last_activity_at))
    )
    return "\n".join(lines)


def photo_caption(tr: Translator, rally: Rally, team: TeamView, stage_id: str, points: int) -> str:
    """The caption of a team photo sent to organisers for review."""
    mission = rally.stage(stage_id).photo
    prompt = tr.text(mission.prompt) if mission else ""
    return "\n".join(
        [
            b(
                tr._(
                    "📸 Team {team}: {stage}", team=team.name, stage=stage_name(tr, rally, stage_id)
                )
            ),
            str(prompt),
            tr._("Approve for {points} points?", points=points),
        ]
    )


def review_buttons(tr: Translator, photo_id: int, points: int) -> InlineKeyboardMarkup:
    """Approve and reject buttons under a team photo."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr._("✅ Approve (+{points})", points=points),
                    callback_data=encode(ReviewPhoto(photo_id, approve=True)),
                ),
                InlineKeyboardButton(
                    tr._("❌ Reject"), callback_data=encode(ReviewPhoto(photo_id, approve=False))
                ),
            ]
        ]
    )


def photo_for_review(tr: Translator, rally: Rally, team: TeamView, photo: Photo) -> Reply:
    """A team photo's caption and its review buttons."""
    caption = photo_caption(tr, rally, team, photo.stage_id, photo.points)
    return Reply(caption, review_buttons(tr, photo.id, photo.points))


def phase_name(tr: Translator, phase: RallyPhase) -> Escaped:
    """A phase in words."""
    return {
        RallyPhase.DRAFT: tr._("in preparation"),
        RallyPhase.OPEN: tr._("open for joining"),
        RallyPhase.RUNNING: tr._("running"),
        RallyPhase.PAUSED: tr._("paused"),
        RallyPhase.FINISHED: tr._("finished"),
    }[phase]


def final_ranking(tr: Translator, ranking: Sequence[Ranked], team_id: int | None) -> str:
    """The final ranking, as every player gets it at the finish, with their team's place."""
    lines = [b(tr._("🏁 The rally is over! Final ranking:"))]
    lines += [
        tr._(
            "{rank}. {team}: {points} points",
            rank=entry.rank,
            team=entry.standing.name,
            points=entry.standing.score,
        )
        for entry in ranking
    ]
    places = {entry.standing.team_id: entry.rank for entry in ranking}
    if team_id in places:
        lines += [
            "",
            tr._(
                "Your team's place: {rank} of {teams}. Thank you for playing!",
                rank=places[team_id],
                teams=len(ranking),
            ),
        ]
    return "\n".join(lines)


def end_reminder_text(tr: Translator, minutes: int) -> Escaped:
    """The reminder every player gets shortly before the scheduled end."""
    return tr.n_(
        "⏳ The rally ends in {count} minute. Finish your stage and go to the meeting point.",
        "⏳ The rally ends in {count} minutes. Finish your stage and go to the meeting point.",
        minutes,
    )


# ------------------------------------------------------------------ corrections


class Usage:
    """How to type each correction command."""

    @staticmethod
    def checkin(tr: Translator) -> Escaped:
        """`/checkin` without a team and a stage."""
        return tr._("Type /checkin TEAM-CODE STAGE, for example /checkin PUY63 cpam.")

    @staticmethod
    def skip(tr: Translator) -> Escaped:
        """`/skip` without one team."""
        return tr._("Type /skip TEAM-CODE, for example /skip PUY63.")

    @staticmethod
    def award(tr: Translator) -> Escaped:
        """`/award` without a team, points and a reason."""
        return tr._(
            "Type /award TEAM-CODE POINTS REASON, for example "
            "/award PUY63 -5 late at the meeting point."
        )

    @staticmethod
    def export(tr: Translator) -> Escaped:
        """`/export` with a word it does not know."""
        return tr._(
            "Type /export for the files with names, positions and answers, or /export pseudo "
            "for the same files without names, positions or typed answers."
        )

    @staticmethod
    def newteam(tr: Translator) -> Escaped:
        """`/newteam` without a usable name."""
        return tr._(
            "Type /newteam and the team's name (2 to 64 characters), for example "
            "/newteam Les Dômes."
        )


def no_team_with_code(tr: Translator, code: str, usage: str) -> Escaped:
    """A correction naming a join code no team has."""
    return tr._("No team has the code {code}. {usage}", code=code, usage=usage)


def no_such_stage(tr: Translator, stage_id: str, rally: Rally) -> Escaped:
    """`/checkin` naming a stage the rally does not have."""
    stages = ", ".join(stage.id for stage in rally.stages)
    return tr._(
        "There is no stage {stage}. The stages are: {stages}.", stage=stage_id, stages=stages
    )


def points_out_of_range(tr: Translator, most: int) -> Escaped:
    """`/award` with points out of bounds, or 0."""
    return tr._("Points must be between -{max} and {max}, and not 0.", max=most)


def correction_refused(tr: Translator, team: str, reasons: Sequence[str]) -> Escaped:
    """A correction that changed nothing, and why."""
    return tr._("Nothing changed for team {team}: {why}", team=team, why=" ".join(reasons) or "—")


def correction_done(tr: Translator, team: str, score: int) -> Escaped:
    """A correction that was applied (the team is told too)."""
    return tr._("Done for team {team}. Score: {score}.", team=team, score=score)


def team_exists(tr: Translator, name: str) -> Escaped:
    """`/newteam` with a name a team already has."""
    return tr._("A team named {team} already exists.", team=name)


def name_taken(tr: Translator, name: str, existing: str) -> Escaped:
    """`/newteam` with a name that is, or looks the same as, an existing team's."""
    if name == existing:
        return team_exists(tr, name)
    return tr._(
        "The name {name} looks the same as the team {team}'s: players could take one team "
        "for the other. Please choose another name.",
        name=name,
        team=existing,
    )


def joined_while_running(tr: Translator, who: Member, team: TeamView) -> Escaped:
    """The organisers' note: someone joined a team while the rally runs."""
    return tr._(
        "👋 {name} joined team {team} during the rally. Members now: {members}.",
        name=who.name,
        team=team.name,
        members=members_list(team.members),
    )


def team_created(tr: Translator, team: str, code: str, link: str) -> Escaped:
    """A new team's join code and deep link."""
    return tr._(
        "✅ Team {team} created. Join code: {code}\nLink to join: {link}",
        team=team,
        code=code,
        link=link,
    )


def export_caption(tr: Translator, name: str, rows: int, kind: ExportKind = ExportKind.FULL) -> str:
    """The caption of one exported CSV file: its rows, and what it holds of the players."""
    count = tr.n_("{name}: {count} row", "{name}: {count} rows", rows, name=name)
    match kind:
        case ExportKind.FULL:
            warning = tr._(
                "🔒 Personal data: share it only with those who need it, and delete it once the "
                "report is written."
            )
            other = tr._(
                "/export pseudo gives the same files without names, positions or typed answers."
            )
            return f"{count}\n{warning}\n{other}"
        case ExportKind.PSEUDONYMISED:
            warning = tr._(
                "🔒 Pseudonymised: no names, Telegram ids, positions or typed answers; each "
                "player is their team's code and a number. Whoever knows the teams may still "
                "tell who is who: share it only with those who need it."
            )
            return f"{count}\n{warning}"
        case _:
            assert_never(kind)


def export_failed(tr: Translator, name: str) -> Escaped:
    """An export file Telegram did not take."""
    return tr._("Sorry, {name} could not be sent. Please try again.", name=name)


# ------------------------------------------------------------------ the day


def move_refused(tr: Translator, phase: RallyPhase) -> Escaped:
    """A timeline move the current phase does not allow."""
    return tr._("Not possible now: the rally is {phase}.", phase=phase_name(tr, phase))


def move_done(tr: Translator, phase: RallyPhase) -> Escaped:
    """A timeline move made."""
    return tr._("Done: the rally is now {phase}.", phase=phase_name(tr, phase))


def finish_question(tr: Translator, rally: Rally) -> Reply:
    """`/finish`: what finishing does, and the two buttons (it cannot be undone)."""
    text = tr._(
        "Finish the rally now? Answers close for every team and the final ranking goes to "
        "every player. This cannot be undone."
    )
    buttons = [
        [
            InlineKeyboardButton(
                tr._("🏁 Yes, finish the rally"),
                callback_data=encode(FinishRally(rally.id, confirmed=True)),
            )
        ],
        [
            InlineKeyboardButton(
                tr._("No, the rally goes on"),
                callback_data=encode(FinishRally(rally.id, confirmed=False)),
            )
        ],
    ]
    return Reply(text, InlineKeyboardMarkup(buttons))


def finish_declined(tr: Translator) -> Escaped:
    """ "No" to finishing: a short notice."""
    return tr._("OK, the rally goes on.")


def already_finished(tr: Translator) -> Escaped:
    """A finish confirmed once the rally is finished already (an old or second press)."""
    return tr._("The rally is already finished: nothing changed.")


def ranking_on_its_way(tr: Translator, players: int) -> Escaped:
    """At the finish: how many players the final ranking is queued for."""
    return tr.n_(
        "The final ranking is on its way to {count} player.",
        "The final ranking is on its way to {count} players.",
        players,
    )


def started_on_schedule(tr: Translator) -> Escaped:
    """The organisers' note when the rally file's start time has come."""
    return tr._("▶️ The rally has started (scheduled).")


def finished_on_schedule(tr: Translator) -> Escaped:
    """The organisers' note when the rally file's end time has come."""
    return tr._("🏁 The rally has finished (scheduled).")


# ------------------------------------------------------------------ several rallies


def rally_title(tr: Translator, rally: Rally) -> str:
    """A rally's title in the reader's language, else in the rally's default language."""
    title = rally.rally.title
    return title.get(tr.language) or title[rally.default_language]


def rallies_listing(
    tr: Translator, current: Rally, staffed: Sequence[tuple[Rally, RallyPhase]]
) -> str:
    """`/rally`: the rallies the user works on, each with its phase, the current one marked."""
    lines = [
        b(tr._("Rallies you work on (now: {rally}).", rally=current.id)),
        tr._("Type /rally and an id to switch."),
        "",
    ]
    for rally, phase in staffed:
        marker = "▶️" if rally.id == current.id else "•"
        line = tr._(
            "{rally}: {title} ({phase})",
            rally=rally.id,
            title=rally_title(tr, rally),
            phase=phase_name(tr, phase),
        )
        lines.append(f"{marker} {line}")
    return "\n".join(lines)


def no_rally_with_id(tr: Translator, wanted: str, listing: str) -> str:
    """`/rally ID` naming no rally the user works on, and the ones they do."""
    return tr._("No rally you work on has the id {rally}.", rally=wanted[:40]) + "\n\n" + listing


def working_on(tr: Translator, rally: Rally) -> Escaped:
    """`/rally ID` switched."""
    return tr._(
        "You now work on the rally {rally}: {title}.", rally=rally.id, title=rally_title(tr, rally)
    )


def no_photo_waiting(tr: Translator) -> Escaped:
    """`/photos` with nothing to review."""
    return tr._("No photo is waiting for review.")
