"""Players and teams: meeting a player, choosing a language, joining and creating teams."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.engine import (
    Audience,
    MemberJoined,
    RallyPhase,
    StartRoute,
    TeamEvent,
    TeamState,
    decide,
    new_progress,
)
from bot.core.names import display_name, looks_alike
from bot.core.throttle import WRONG_JOIN_CODES, Throttle
from bot.i18n.catalogs import negotiate_language
from bot.services.base import Services, progress_of, store_progress
from bot.services.play import Outcome
from bot.services.views import Member, TeamView
from bot.storage.models import PlayerRow, ProgressRow, TeamRow
from bot.storage.uow import SqlUnitOfWork

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Join-code letters: no O/0 or I/1, which people mistype from a printed sheet."""


class JoinStatus(enum.StrEnum):
    """What came of a join attempt."""

    JOINED = "joined"
    ALREADY_MEMBER = "already_member"
    SWITCHED = "switched"
    UNKNOWN_CODE = "unknown_code"
    SWITCH_REFUSED = "switch_refused"  # moving teams is refused once the rally runs
    TEAM_FULL = "team_full"  # the team has the rally's max_team_size players already
    THROTTLED = "throttled"  # too many wrong codes lately: this one was not even looked up
    NOTICE_PENDING = "notice_pending"  # the information notice first; the code waits for it


@dataclass(frozen=True)
class JoinResult:
    """The outcome of `/join CODE`, with what to tell the team."""

    status: JoinStatus
    player: Member
    team: TeamView | None = None
    previous_team: str | None = None
    events: tuple[TeamEvent, ...] = field(default=())
    while_running: bool = False
    """Joined while the rally runs: the organisers are told who came into the team."""
    wait: timedelta | None = None
    """THROTTLED: how long until a code is looked up again."""


@dataclass(frozen=True)
class NameTaken:
    """A new team refused: its name looks the same as an existing team's."""

    existing: str
    """The existing team's name."""


def random_code(length: int = 6) -> str:
    """A fresh join code, easy to read aloud and to type."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


class TeamService:
    """Players and teams of the rally."""

    def __init__(
        self,
        services: Services,
        make_code: Callable[[], str] = random_code,
        wrong_codes: Throttle[int] | None = None,
    ) -> None:
        self.services = services
        self.rally = services.rally
        self.make_code = make_code
        self.wrong_codes: Throttle[int] = wrong_codes or Throttle(WRONG_JOIN_CODES)
        """Each Telegram user's recent wrong join codes (in memory; one for every rally of
        the bot, given by the composition root)."""

    # ------------------------------------------------------------ set-up

    async def sync_from_file(self, *, reserved: Collection[str] = ()) -> int:
        """Store the rally and the teams its file names (idempotent); returns teams added.

        A team is found again by the code its file gives it, or by its name when the file
        gives none: such a team gets a random code when first stored, kept from then on (the
        QR cards print it from the database). `reserved`: the codes the bot's other rally
        files give, which a random code must not take before they are stored.
        """

        async def work(uow: SqlUnitOfWork) -> int:
            now = self.services.clock()
            rally_row = await uow.rallies.ensure(self.rally.id, at=now)
            taken = {code.upper() for code in reserved}
            taken |= {team.code for team in self.rally.teams if team.code is not None}
            added = 0
            for team in self.rally.teams:
                if team.code is not None:
                    stored = await uow.teams.by_code(self.rally.id, team.code)
                else:
                    stored = await uow.teams.by_name(self.rally.id, team.name)
                if stored is None:
                    code = team.code or await self._fresh_code(uow, taken)
                    await self._add_team(uow, team.name, code, RallyPhase(rally_row.phase), now)
                    added += 1
            await uow.commit()
            return added

        return await self.services.retrying(work)

    async def create_team(self, name: str, *, actor_user_id: int) -> TeamView | NameTaken:
        """A new team with a fresh join code, audited; refused if its name looks the same
        as an existing team's (`bot.core.names.looks_alike`)."""

        async def work(uow: SqlUnitOfWork) -> TeamView | NameTaken:
            now = self.services.clock()
            rally_row = await uow.rallies.ensure(self.rally.id, at=now)
            for existing in await uow.teams.list(self.rally.id):
                if looks_alike(existing.name, name):
                    return NameTaken(existing.name)
            code = await self._fresh_code(uow)
            row, progress = await self._add_team(uow, name, code, RallyPhase(rally_row.phase), now)
            await uow.audit.log(
                self.rally.id, actor_user_id, "newteam", {"team": name, "code": code}, at=now
            )
            await uow.commit()
            return TeamView.of(row, (), progress_of(progress))

        return await self.services.retrying(work)

    async def _fresh_code(self, uow: SqlUnitOfWork, reserved: Collection[str] = ()) -> str:
        """A random join code that no team of any rally has, nor `reserved`: on a bot running
        several rallies, a join code tells which rally a player joins."""
        while True:
            code = self.make_code().upper()
            if code not in reserved and not await uow.teams.code_in_use(code):
                return code

    async def _add_team(
        self, uow: SqlUnitOfWork, name: str, code: str, phase: RallyPhase, now: datetime
    ) -> tuple[TeamRow, ProgressRow]:
        position = await uow.teams.next_position(self.rally.id)
        team = await uow.teams.add(self.rally.id, name, code, position, at=now)
        start = new_progress(self.rally, position)
        if phase is RallyPhase.RUNNING:  # a team created during the rally starts at once
            start = decide(self.rally, phase, start, StartRoute(), now).progress
        row = ProgressRow(team_id=team.id, rally_id=self.rally.id, version=1)
        store_progress(row, start, now)
        await uow.progress.add(row)
        return team, row

    # ------------------------------------------------------------ players

    async def meet(
        self, user_id: int, chat_id: int, name: str, language_code: str | None
    ) -> Member:
        """The player for a Telegram user, registered on first contact in their best language."""

        async def work(uow: SqlUnitOfWork) -> Member:
            player = await self._meet(uow, user_id, chat_id, name, language_code)
            await uow.commit()
            return Member.of(player)

        return await self.services.retrying(work)

    async def _meet(
        self, uow: SqlUnitOfWork, user_id: int, chat_id: int, name: str, language_code: str | None
    ) -> PlayerRow:
        now = self.services.clock()
        name = display_name(name)  # the first name, without what could mislead its readers
        await uow.rallies.ensure(self.rally.id, at=now)
        player = await uow.players.by_user(self.rally.id, user_id)
        if player is None:
            language = negotiate_language(
                language_code, self.rally.rally.languages, self.rally.default_language
            )
            return await uow.players.add(self.rally.id, user_id, chat_id, name, language, at=now)
        player.display_name = name
        player.chat_id = chat_id
        player.last_seen_at = now
        player.reachable = True
        return player

    async def acknowledge_notice(
        self, user_id: int, chat_id: int, name: str, language_code: str | None
    ) -> tuple[Member, str | None]:
        """The player read the information notice: stored with its time (the controller's proof
        that they were told); returns them and the join code that waited for it, if any."""

        async def work(uow: SqlUnitOfWork) -> tuple[Member, str | None]:
            player = await self._meet(uow, user_id, chat_id, name, language_code)
            if player.notice_acknowledged_at is None:
                player.notice_acknowledged_at = self.services.clock()
            code, player.pending_code = player.pending_code, None
            await uow.commit()
            return Member.of(player), code

        return await self.services.retrying(work)

    async def mark_unreachable(self, user_id: int) -> None:
        """Remember that a player blocked the bot, so nothing more is sent to them."""

        async def work(uow: SqlUnitOfWork) -> None:
            player = await uow.players.by_user(self.rally.id, user_id)
            if player is not None and player.reachable:
                player.reachable = False
                await uow.commit()

        await self.services.retrying(work)

    async def find(self, user_id: int) -> Member | None:
        """The player a Telegram user is, if they have written before."""
        async with self.services.new_uow() as uow:
            player = await uow.players.by_user(self.rally.id, user_id)
            return Member.of(player) if player else None

    async def set_language(self, user_id: int, language: str) -> Member | None:
        """Store a player's chosen language; None if it is not one of the rally's."""
        if language not in self.rally.rally.languages:
            return None

        async def work(uow: SqlUnitOfWork) -> Member | None:
            player = await uow.players.by_user(self.rally.id, user_id)
            if player is None:
                return None
            player.language = language
            await uow.commit()
            return Member.of(player)

        return await self.services.retrying(work)

    async def join(
        self, user_id: int, chat_id: int, name: str, language_code: str | None, code: str
    ) -> JoinResult:
        """Join the team with this code (any case); a wrong code changes nothing.

        After too many wrong codes (`bot.core.throttle.WRONG_JOIN_CODES`) the user waits: a
        code tried meanwhile is not even looked up. A full team is refused.
        """
        wait = self.join_wait(user_id)

        async def work(uow: SqlUnitOfWork) -> JoinResult:
            player = await self._meet(uow, user_id, chat_id, name, language_code)
            if wait is not None:
                await uow.commit()
                return JoinResult(JoinStatus.THROTTLED, Member.of(player), wait=wait)
            cleaned = code.strip().upper()
            team = await uow.teams.by_code(self.rally.id, cleaned) if cleaned else None
            if team is None:
                await uow.commit()
                return JoinResult(JoinStatus.UNKNOWN_CODE, Member.of(player))
            if player.team_id == team.id:
                await uow.commit()
                view = await self._view(uow, team)
                return JoinResult(JoinStatus.ALREADY_MEMBER, Member.of(player), view)
            progress = await uow.progress.get_for_update(team.id)  # one join at a time
            if len(await uow.players.members(team.id)) >= self.rally.rally.max_team_size:
                await uow.commit()
                view = await self._view(uow, team)
                return JoinResult(JoinStatus.TEAM_FULL, Member.of(player), view)
            if player.notice_acknowledged_at is None:
                # nobody joins a team before reading what is kept about them (GDPR art. 13)
                player.pending_code = team.code
                await uow.commit()
                view = await self._view(uow, team)
                return JoinResult(JoinStatus.NOTICE_PENDING, Member.of(player), view)
            previous = await uow.teams.get(player.team_id) if player.team_id else None
            rally_row = await uow.rallies.ensure(self.rally.id, at=self.services.clock())
            if previous is not None and rally_row.phase == RallyPhase.RUNNING:
                await uow.commit()
                view = await self._view(uow, previous)
                return JoinResult(JoinStatus.SWITCH_REFUSED, Member.of(player), view)
            now = self.services.clock()
            player.team_id = team.id
            player.joined_at = now
            events: list[TeamEvent] = [MemberJoined(Audience.TEAM, player.display_name)]
            running = rally_row.phase == RallyPhase.RUNNING
            if progress is not None and running:
                before = progress_of(progress)
                if before.state is TeamState.WAITING:
                    decision = decide(self.rally, RallyPhase.RUNNING, before, StartRoute(), now)
                    store_progress(progress, decision.progress, now)
                    events.extend(decision.events)
            view = await self._view(uow, team)
            await self.services.stage_news(uow, Outcome(tuple(events), view, Member.of(player)))
            await uow.commit()
            status = JoinStatus.SWITCHED if previous else JoinStatus.JOINED
            return JoinResult(
                status,
                Member.of(player),
                view,
                previous.name if previous else None,
                tuple(events),
                while_running=running,
            )

        result = await self.services.retrying(work)
        if result.status is JoinStatus.UNKNOWN_CODE:
            self.wrong_codes.failed(user_id, self.services.clock())
        return result

    def join_wait(self, user_id: int) -> timedelta | None:
        """How long this user must wait before a join code of theirs is looked up again."""
        return self.wrong_codes.wait(user_id, self.services.clock())

    async def leave_for_another_rally(self, user_id: int) -> TeamView | None:
        """Leave this rally's team, to join a team of another rally on the same bot.

        Returns the team instead, unchanged, when the rally runs: moving a player out of a
        team in play is for an organiser, as between teams of one rally.
        """

        async def work(uow: SqlUnitOfWork) -> TeamView | None:
            player = await uow.players.by_user(self.rally.id, user_id)
            if player is None or player.team_id is None:
                return None
            team = await uow.teams.get(player.team_id)
            rally_row = await uow.rallies.ensure(self.rally.id, at=self.services.clock())
            if team is not None and rally_row.phase == RallyPhase.RUNNING:
                return await self._view(uow, team)
            player.team_id = None
            await uow.audit.log(
                self.rally.id,
                user_id,
                "left-for-another-rally",
                {"team": team.name if team else None},
                at=self.services.clock(),
            )
            await uow.commit()
            return None

        return await self.services.retrying(work)

    # ------------------------------------------------------------ reading

    async def team_of(self, user_id: int) -> TeamView | None:
        """The team a player is in, with its members and progress."""
        async with self.services.new_uow() as uow:
            player = await uow.players.by_user(self.rally.id, user_id)
            if player is None or player.team_id is None:
                return None
            team = await uow.teams.get(player.team_id)
            return await self._view(uow, team) if team else None

    async def team_by_code(self, code: str) -> TeamView | None:
        """A team by its join code (organiser commands name teams this way)."""
        async with self.services.new_uow() as uow:
            team = await uow.teams.by_code(self.rally.id, code.strip().upper())
            return await self._view(uow, team) if team else None

    async def all_players(self) -> list[Member]:
        """Every player of the rally, in or out of a team (not those playing another rally)."""
        async with self.services.new_uow() as uow:
            return [Member.of(p) for p in await uow.players.audience(self.rally.id)]

    async def all_teams(self) -> list[TeamView]:
        """Every team of the rally in position order."""
        async with self.services.new_uow() as uow:
            return [await self._view(uow, team) for team in await uow.teams.list(self.rally.id)]

    async def _view(self, uow: SqlUnitOfWork, team: TeamRow) -> TeamView:
        members = tuple(Member.of(p) for p in await uow.players.members(team.id))
        progress = await uow.progress.get(team.id)
        assert progress is not None, f"team {team.id} has no progress row"
        return TeamView.of(team, members, progress_of(progress))
