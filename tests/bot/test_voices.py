"""🔊 Voices for players who read little: a text's voice after it (voice on) or a Listen button,
sent once uploaded and then by Telegram's file id; `/record` by a translator. Through the real
Application over HTTP, against the loopback Bot API (which takes only Ogg/Opus voices)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.content import Rally
from bot.core.engine import route_for
from bot.core.rally_file import load_rally
from bot.core.voices import clue_key, digest, rally_keys, spoken_text
from bot.telegram.buttons import ChooseVoice, Listen, RecordIn, RecordStage, RecordText, encode
from loopback.ogg import sample_voice
from loopback.records import ChatMessage, FileSource
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, World, open_world
from tests.bot.players import finish, join, press
from tests.databases import BACKENDS

TRANSLATOR_ID = 9100
FINAL_WORDS = "Thank you for playing! Your practical cards stay in this chat."
DATA = Path(__file__).parents[2] / "data" / "stages.yaml"


def drafted(directory: Path, languages: tuple[str, ...]) -> Rally:
    """The bundled rally copied into `directory`, with a draft voice (a short Ogg/Opus) of every
    clue in these languages, and a translator in its staff."""
    text = DATA.read_text(encoding="utf-8") + f"\nstaff:\n  translators: [{TRANSLATOR_ID}]\n"
    rally_file = directory / "stages.yaml"
    rally_file.write_text(text, encoding="utf-8")
    # (not the bundled drafts: these tests choose which texts have a voice)
    rally = load_rally(rally_file)
    assert TRANSLATOR_ID in rally.staff.translators
    sound = sample_voice()
    for key in rally_keys(rally):
        if key.part not in {"clue", "final"}:
            continue
        for language in languages:
            said = spoken_text(rally, key, language, lambda _: FINAL_WORDS)
            assert said is not None
            folder = directory / "voices" / rally.id / language
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{key.slug.replace(':', '_')}.{digest(said)}.ogg"
            (folder / name).write_bytes(sound)
    return rally


@pytest.fixture(params=BACKENDS)
async def voiced(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    home = tmp_path / "rally"
    home.mkdir()
    rally = drafted(home, ("en",))
    async for world in open_world(tmp_path, request.param, rally):
        yield world


def voices_to(world: World, user: SimulatedUser) -> list[ChatMessage]:
    """The voice messages the bot sent this user."""
    return [m for m in world.api.transcript(user.chat_id) if m.kind == "voice"]


def first_stage(world: World, code: str) -> str:
    """The first stage of the team with this join code."""
    position = next(i for i, team in enumerate(world.rally.teams) if team.code == code)
    return route_for(world.rally, position)[0]


def buttons(message: ChatMessage) -> list[str]:
    return [str(b.get("callback_data")) for row in message.inline_keyboard for b in row]


async def test_a_player_with_voice_on_hears_each_clue_after_its_text(voiced: World) -> None:
    world = voiced
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    amina = world.user("Amina", "en")
    await join(world, amina, "PUY63")
    amina.send_command("voice")
    await world.settle()
    assert world.texts(amina)[-1].startswith("🔊 Voice on")

    admin.send_command("go")
    await world.settle()
    stage = world.rally.stage(first_stage(world, "PUY63"))
    transcript = world.api.transcript(amina.chat_id)
    clue_at = next(i for i, m in enumerate(transcript) if stage.clue["en"] in (m.text or ""))
    voice = transcript[clue_at + 1]  # right after the text
    assert voice.kind == "voice"
    assert voice.file_source is FileSource.UPLOAD
    assert voice.file is not None and voice.file.data[:4] == b"OggS"
    assert encode(Listen(clue_key(stage.id))) not in buttons(transcript[clue_at])  # heard

    amina.send_command("clue")  # the same text again: sent by Telegram's file id
    await world.settle()
    again = voices_to(world, amina)
    assert len(again) == 2
    assert again[-1].file_source is FileSource.FILE_ID
    assert again[-1].file is not None and again[-1].file.file_id == voice.file.file_id
    uploads = [c for c in world.api.calls_of("sendVoice") if c.files]
    assert len(uploads) == 1  # never uploaded again

    amina.send_command("voice")  # and off again
    await world.settle()
    assert world.texts(amina)[-1].startswith("🔇 Voice off")
    amina.send_command("clue")
    await world.settle()
    assert len(voices_to(world, amina)) == 2


async def test_a_player_without_voice_gets_a_listen_button_that_plays_it_once(
    voiced: World,
) -> None:
    world = voiced
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    bilal, chloe = world.user("Bilal", "en"), world.user("Chloé", "fr")
    await join(world, bilal, "PUY63")
    await join(world, chloe, "PUY63")
    admin.send_command("go")
    await world.settle()
    key = clue_key(first_stage(world, "PUY63"))
    clue = next(m for m in world.api.transcript(bilal.chat_id) if encode(Listen(key)) in buttons(m))
    # the first clue also offers to hear every text
    assert encode(ChooseVoice(True)) in buttons(clue)
    assert voices_to(world, bilal) == []

    press(world, bilal, encode(Listen(key)))
    await world.settle()
    assert len(voices_to(world, bilal)) == 1

    # Chloé reads French: the clue has no French voice, and nothing says so
    french = world.api.transcript(chloe.chat_id)
    assert not any(encode(Listen(key)) in buttons(m) for m in french)
    assert not any(encode(ChooseVoice(True)) in buttons(m) for m in french)
    assert voices_to(world, chloe) == []


async def test_a_translator_records_a_clue_and_players_hear_her_voice(voiced: World) -> None:
    world = voiced
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    player = world.user("Omar", "fr")
    player.send_command("record")  # a player may not record
    await world.settle()
    assert world.texts(player)[-1] == world.says(
        "fr", "Recording the voices is for the rally's organisers and translators."
    )

    fatima = world.api.create_user("Fatima", user_id=TRANSLATOR_ID, language_code="fr")
    fatima.send_command("record")
    await world.settle()
    stage_id = first_stage(world, "PUY63")
    key = clue_key(stage_id)
    press(world, fatima, encode(RecordStage(stage_id)))
    await world.settle()
    press(world, fatima, encode(RecordText(key)))
    await world.settle()
    press(world, fatima, encode(RecordIn(key, "fr")))
    await world.settle()
    to_read = world.texts(fatima)[-1]
    assert world.rally.stage(stage_id).clue["fr"].split(" ")[0] in to_read

    recording = sample_voice()
    fatima.send_voice(data=recording)
    await world.settle()
    kept = world.api.transcript(fatima.chat_id)[-1]
    assert (kept.text or "").startswith("✅")
    assert len(buttons(kept)) == 2  # listen, redo

    # a French player with voice on hears Fatima's recording, by its Telegram file id
    await join(world, player, "PUY63")
    player.send_command("voice")
    await world.settle()
    admin.send_command("go")
    await world.settle()
    (heard,) = voices_to(world, player)
    assert heard.file_source is FileSource.FILE_ID
    assert heard.file is not None and heard.file.data == recording


async def test_the_final_words_are_heard_after_the_ranking(voiced: World) -> None:
    world = voiced
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    amina, bilal = world.user("Amina", "en"), world.user("Bilal", "en")
    await join(world, amina, "PUY63")
    await join(world, bilal, "PUY63")
    amina.send_command("voice")
    await world.settle()
    admin.send_command("go")
    await world.settle()
    await finish(world, admin)
    last_two = world.api.transcript(amina.chat_id)[-2:]
    assert (last_two[0].text or "").startswith("🏁 The rally is over! Final ranking:")
    assert FINAL_WORDS in (last_two[0].text or "")
    assert last_two[1].kind == "voice"
    assert world.api.transcript(bilal.chat_id)[-1].kind != "voice"  # he did not ask for it
