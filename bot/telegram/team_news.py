"""What a team's other members are told of an action, rendered as outbox rows.

The services write these rows in the action's own transaction (`bot.services.news`); the
outbox worker sends them later, coalesced per chat (`bot.telegram.outbox`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.content import Rally
from bot.core.engine import Audience, MemberJoined, TeamEvent
from bot.i18n.catalogs import Catalogs
from bot.services.base import Clock
from bot.services.news import NewsTopic
from bot.services.play import Outcome
from bot.services.views import Member
from bot.services.voices import VoiceService
from bot.storage.repositories import NewsEntry
from bot.telegram.render.play import Scene, render
from bot.telegram.render.reply import Reply, markup_to_json
from bot.telegram.voices import for_reader, stored_voices


class TeamNews:
    """Renders an outcome's news for each reachable teammate but the actor, in their language
    and with their voices (`bot.services.news.TeamNewsTexts`)."""

    def __init__(
        self, rally: Rally, catalogs: Catalogs, voices: VoiceService, clock: Clock
    ) -> None:
        self.rally = rally
        self.catalogs = catalogs
        self.voices = voices
        self.clock = clock  # a card says whether its place is open now

    def __call__(self, outcome: Outcome, rank: tuple[int, int] | None) -> list[NewsEntry]:
        team, actor = outcome.team, outcome.actor
        for_team = outcome.for_audience(Audience.TEAM)
        if team is None or not for_team:
            return []
        news: list[NewsEntry] = []
        for member in team.members:
            if actor is not None and member.player_id == actor.player_id:
                continue
            if not member.reachable:
                continue
            tr = self.catalogs.translator(member.language)
            scene = Scene(self.rally, member, actor, team, rank, now=self.clock())
            told = for_reader(render(tr, scene, for_team), tr, self.voices, listening=member.voice)
            news += news_of(member, for_team, told)
        return news


def news_of(
    member: Member, events: Sequence[TeamEvent], replies: Sequence[Reply]
) -> list[NewsEntry]:
    """The outbox rows of one teammate's news: who joined by name (summed up when sent), or
    the rendered messages with their keyboards."""
    joined = [event.name for event in events if isinstance(event, MemberJoined)]
    if joined and len(joined) == len(events):
        # no text: rendered when sent, summed up with the chat's other joins (`team_news`)
        return [
            NewsEntry(member.chat_id, member.player_id, "", NewsTopic.JOINED, name)
            for name in joined
        ]
    return [
        NewsEntry(
            member.chat_id,
            member.player_id,
            reply.text,
            NewsTopic.TEAM,
            markup=markup_to_json(reply.markup),
            voices=stored_voices(reply.voices),
        )
        for reply in replies
    ]
