"""The voices of the rally's texts: which one is played for a text in a language, the Telegram
file ids learnt once a voice was sent, the recordings volunteers make (`/record`), and each
player's 🔊 choice.

The voices are known in memory (a few hundred at most), loaded at start from the database and
from the files next to the rally file (`bot.voices.library`); a voice is played only if it
reads the text as it is written now (its digest).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core.voices import (
    Interface,
    VoiceKey,
    VoiceSource,
    digest,
    rally_keys,
    spoken_text,
)
from bot.services.base import Services
from bot.services.views import Member
from bot.storage.models import VoiceRow
from bot.storage.uow import SqlUnitOfWork
from bot.voices.library import DiskVoice

log = logging.getLogger(__name__)

DiskVoices = Callable[[], Iterable[DiskVoice]]
"""The voices found on disk for this rally (`bot.voices.library.on_disk`)."""


@dataclass(frozen=True)
class Voice:
    """A voice to play: Telegram's file id once known, else the file to upload."""

    key: VoiceKey
    language: str
    source: VoiceSource
    file_id: str | None
    path: Path | None
    duration_s: int
    row_id: int


class VoiceService:
    """The rally's voices, and who listens."""

    def __init__(self, services: Services, interface: Interface, disk: DiskVoices) -> None:
        self.services = services
        self.rally = services.rally
        self.interface = interface
        self.disk = disk
        self._best: dict[tuple[VoiceKey, str], Voice] = {}

    # ------------------------------------------------------------ what is played

    def text(self, key: VoiceKey, language: str) -> str | None:
        """What the voice of `key` says in `language` (None: the text is not written in it)."""
        return spoken_text(self.rally, key, language, self.interface)

    def voice(self, key: VoiceKey, language: str) -> Voice | None:
        """The best voice of this text in this language, if it has one."""
        return self._best.get((key, language))

    def has(self, key: VoiceKey, language: str) -> bool:
        """Whether this text has a voice in this language."""
        return (key, language) in self._best

    def speaks(self, language: str) -> bool:
        """Whether any text has a voice in this language."""
        return any(lang == language for _, lang in self._best)

    def languages_of(self, key: VoiceKey) -> list[str]:
        """The languages this text has a voice in."""
        return [lang for lang in self.rally.rally.languages if (key, lang) in self._best]

    # ------------------------------------------------------------ loading

    async def load(self) -> int:
        """Store the voices found on disk and learn every current voice; how many there are.

        A file or draft already stored keeps its Telegram file id while it reads the same
        text from the same file; one whose text changed is stored anew.
        """
        # a file of the rally file may be converted to Ogg/Opus here: not in the event loop
        found = await asyncio.to_thread(lambda: list(self.disk()))

        async def work(uow: SqlUnitOfWork) -> list[VoiceRow]:
            now = self.services.clock()
            for voice in found:
                row = await uow.voices.find(
                    self.rally.id, voice.key.slug, voice.language, voice.source
                )
                path = str(voice.path)
                if row is None:
                    await uow.voices.add(
                        VoiceRow(
                            rally_id=self.rally.id,
                            key=voice.key.slug,
                            language=voice.language,
                            source=voice.source,
                            path=path,
                            duration_s=voice.duration_s,
                            text_digest=voice.digest,
                            created_at=now,
                        )
                    )
                elif row.path != path or row.text_digest != voice.digest:
                    row.path, row.text_digest, row.file_id = path, voice.digest, None
                    row.duration_s = voice.duration_s
            rows = list(await uow.voices.all(self.rally.id))
            await uow.commit()
            return rows

        rows = await self.services.retrying(work)
        on_disk = {(v.key.slug, v.language, str(v.source)) for v in found}
        self._best = {}
        for row in rows:
            key = VoiceKey.parse(row.key)
            if key is None:
                continue
            source = VoiceSource(row.source)
            if source is not VoiceSource.RECORDED and (row.key, row.language, row.source) not in (
                on_disk
            ):
                continue  # its file is gone (or out of date): the stored id is not played
            self._learn(row, key)
        return len(self._best)

    def _learn(self, row: VoiceRow, key: VoiceKey) -> None:
        """Play this voice if it reads the current text and beats the one known."""
        text = self.text(key, row.language)
        if text is None or digest(text) != row.text_digest:
            return  # an older wording, or a language the text is no longer written in
        voice = Voice(
            key,
            row.language,
            VoiceSource(row.source),
            row.file_id,
            Path(row.path) if row.path else None,
            row.duration_s,
            row.id,
        )
        known = self._best.get((key, row.language))
        if known is None or voice.source.rank < known.source.rank:
            self._best[(key, row.language)] = voice

    # ------------------------------------------------------------ learning from Telegram

    async def sent(self, voice: Voice, file_id: str) -> None:
        """A voice was uploaded and Telegram gave its file id: it is sent by id from now on."""
        if voice.file_id == file_id:
            return

        async def work(uow: SqlUnitOfWork) -> None:
            row = await uow.voices.get(voice.row_id)
            if row is not None:
                row.file_id = file_id
                await uow.commit()

        await self.services.retrying(work)
        if self._best.get((voice.key, voice.language)) == voice:
            self._best[(voice.key, voice.language)] = replace(voice, file_id=file_id)

    async def record(
        self, key: VoiceKey, language: str, file_id: str, duration_s: int, *, user_id: int
    ) -> Voice | None:
        """A volunteer's recording of a text (`/record`), played from now on instead of a
        file or a draft; a second recording replaces the first. None if the text is not
        written in that language (nothing to read)."""
        text = self.text(key, language)
        if text is None:
            return None

        async def work(uow: SqlUnitOfWork) -> VoiceRow:
            now = self.services.clock()
            row = await uow.voices.find(self.rally.id, key.slug, language, VoiceSource.RECORDED)
            if row is None:
                row = await uow.voices.add(
                    VoiceRow(
                        rally_id=self.rally.id,
                        key=key.slug,
                        language=language,
                        source=VoiceSource.RECORDED,
                        file_id=file_id,
                        duration_s=duration_s,
                        text_digest=digest(text),
                        recorded_by=user_id,
                        created_at=now,
                    )
                )
            else:
                row.file_id, row.duration_s, row.text_digest = file_id, duration_s, digest(text)
                row.recorded_by, row.created_at = user_id, now
            await uow.commit()
            return row

        row = await self.services.retrying(work)
        self._best.pop((key, language), None)
        self._learn(row, key)
        return self.voice(key, language)

    def keys(self) -> list[VoiceKey]:
        """Every text of the rally with a voice (or that could have one)."""
        return rally_keys(self.rally)

    # ------------------------------------------------------------ who listens

    async def listen(self, user_id: int, on: bool) -> Member | None:
        """Switch a player's 🔊 on or off; None if the bot does not know them."""

        async def work(uow: SqlUnitOfWork) -> Member | None:
            player = await uow.players.by_user(self.rally.id, user_id)
            if player is None:
                return None
            player.voice = on
            await uow.commit()
            return Member.of(player)

        return await self.services.retrying(work)
