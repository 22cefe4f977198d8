"""The rally at a glance, as `GET /dashboard/api/state` answers it (a contract: keep its keys).

```
{"rally": {"id", "title", "phase"}, "now",
 "stages": [{"id", "name", "location": {"lat", "lon"} | null}],
 "teams": [{"code", "name", "state", "stage", "stage_name", "score", "rank",
            "position": {"lat", "lon", "at"} | null, "idle", "lost",
            "members", "stages_done", "hints_used", "last_move"}],
 "leaderboard": [{"rank", "code", "name", "score", "finished"}],
 "photos_pending", "photos": [{"id", "team", "team_name", "stage", "stage_name", "at"}],
 "alerts": [{"kind": "lost" | "idle", "team", "team_name", "at", "minutes"}],
 "announcements": [{"key", "title"}], "languages": [{"tag", "name"}],
 "map": {"tiles", "attribution"}}
```

A team's position is where the bot keeps it, nothing more precise (the privacy rules): on its
way in a running rally, the last position it shared (`ProgressRow.last_lat`, dropped at the next
check-in); otherwise the stage it last reached; none before the first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.content import Rally
from bot.core.engine import Progress, TeamState
from bot.i18n.catalogs import Translator, language_name
from bot.services.monitoring import TeamWatch
from bot.telegram.context import Runtime
from bot.telegram.render.staff import minutes

Json = dict[str, Any]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _stage_point(rally: Rally, stage_id: str | None) -> Json | None:
    if stage_id is None or not rally.has_stage(stage_id):
        return None
    location = rally.stage(stage_id).location
    return {"lat": location.lat, "lon": location.lon} if location is not None else None


def last_stage_reached(progress: Progress) -> str | None:
    """The stage a team last checked in at: the current one once there, else the one before."""
    if progress.state is TeamState.WAITING or not progress.route:
        return None
    if progress.state is TeamState.FINISHED:
        return progress.route[-1]
    if progress.state is TeamState.EN_ROUTE:
        return progress.route[progress.stage_index - 1] if progress.stage_index > 0 else None
    return progress.route[progress.stage_index]


def position_of(rally: Rally, watch: TeamWatch) -> Json | None:
    """Where the map shows a team (see the module's note), with the time it was there."""
    at = _iso(watch.last_activity_at)
    if watch.last_lat is not None and watch.last_lon is not None:
        return {"lat": watch.last_lat, "lon": watch.last_lon, "at": at}
    point = _stage_point(rally, last_stage_reached(watch.team.progress))
    return {**point, "at": at} if point is not None else None


def is_lost(runtime: Runtime, watch: TeamWatch) -> datetime | None:
    """When the team pressed 🆘, if it has not moved since."""
    asked = runtime.help_requests.get(watch.team.id)
    return asked if asked is not None and asked >= watch.last_activity_at else None


async def rally_state(runtime: Runtime, tr: Translator, tiles: str, attribution: str) -> Json:
    """The dashboard's whole state for one rally, in the reader's language."""
    rally = runtime.rally
    now = runtime.clock()
    phase = await runtime.timeline.phase()
    watched = await runtime.monitoring.overview()
    ranking = await runtime.leaderboard.ranking()
    photos = await runtime.photos.pending()
    ranks = {entry.standing.team_id: entry.rank for entry in ranking}
    by_id = {watch.team.id: watch.team for watch in watched}

    def stage_name(stage_id: str | None) -> str | None:
        if stage_id is None or not rally.has_stage(stage_id):
            return None
        return tr.plain(rally.stage(stage_id).name)

    teams: list[Json] = []
    alerts: list[Json] = []
    for watch in watched:
        team, progress = watch.team, watch.team.progress
        asked = is_lost(runtime, watch)
        teams.append(
            {
                "code": team.code,
                "name": team.name,
                "state": progress.state.value,
                "stage": progress.stage_id,
                "stage_name": stage_name(progress.stage_id),
                "score": progress.score,
                "rank": ranks.get(team.id),
                "position": position_of(rally, watch),
                "idle": watch.stuck,
                "lost": asked is not None,
                "members": [member.name for member in team.members],
                "stages_done": progress.stages_done,
                "hints_used": progress.hints_used,
                "last_move": _iso(watch.last_activity_at),
            }
        )
        if asked is not None:
            alerts.append(_alert("lost", team.code, team.name, asked, now))
        if watch.idle is not None:
            alerts.append(_alert("idle", team.code, team.name, watch.last_activity_at, now))
    alerts.sort(key=lambda alert: str(alert["at"]), reverse=True)
    return {
        "rally": {"id": rally.id, "title": tr.plain(rally.rally.title), "phase": phase.value},
        "now": now.isoformat(),
        "stages": [
            {
                "id": stage.id,
                "name": tr.plain(stage.name),
                "location": _stage_point(rally, stage.id),
            }
            for stage in rally.stages
        ],
        "teams": teams,
        "leaderboard": [
            {
                "rank": entry.rank,
                "code": by_id[entry.standing.team_id].code,
                "name": entry.standing.name,
                "score": entry.standing.score,
                "finished": entry.standing.finished_at is not None,
            }
            for entry in ranking
            if entry.standing.team_id in by_id
        ],
        "photos_pending": len(photos),
        "photos": [
            {
                "id": photo.id,
                "team": by_id[photo.team_id].code,
                "team_name": by_id[photo.team_id].name,
                "stage": photo.stage_id,
                "stage_name": stage_name(photo.stage_id),
                "at": _iso(photo.at),
            }
            for photo in photos
            if photo.team_id in by_id
        ],
        "alerts": alerts,
        "announcements": [
            {"key": key, "title": _title(tr.plain(text))}
            for key, text in rally.announcements.items()
        ],
        "languages": [{"tag": tag, "name": language_name(tag)} for tag in rally.rally.languages],
        "map": {"tiles": tiles, "attribution": attribution if tiles else ""},
    }


def _alert(kind: str, code: str, name: str, at: datetime, now: datetime) -> Json:
    return {
        "kind": kind,
        "team": code,
        "team_name": name,
        "at": at.isoformat(),
        "minutes": max(0, minutes(now - at)),
    }


TITLE = 60
"""Characters of an announcement shown on its button."""


def _title(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else text
    return line if len(line) <= TITLE else line[: TITLE - 1] + "…"
