"""What organisers read: the leaderboard, team progress, alerts and photo captions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.content import Rally
from bot.core.engine import Ranked, TeamState
from bot.i18n.catalogs import Escaped, Translator
from bot.services.monitoring import TeamWatch
from bot.services.views import Member, TeamView
from bot.telegram.render.play import b, stage_name


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
