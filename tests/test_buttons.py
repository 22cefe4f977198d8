"""Button data: every kind written and read back the same; forged or unknown data refused."""

from __future__ import annotations

import pytest

from bot.core.voices import VoiceKey, VoicePart
from bot.telegram.buttons import (
    KINDS,
    MAX_CALLBACK_BYTES,
    AcknowledgeNotice,
    AskHint,
    AskKeepsake,
    BeginStage,
    Button,
    ChooseAnswer,
    ChooseLanguage,
    ChooseVoice,
    ConfirmHint,
    DashboardLink,
    DeclineHint,
    ErasePlayer,
    FinishRally,
    ForgetMe,
    KeepPlayer,
    Listen,
    PlayRecording,
    RecordIn,
    RecordStage,
    RecordText,
    ReviewPhoto,
    SurveyPress,
    decode,
    encode,
)

HINT = VoiceKey(VoicePart.HINT, "cathedrale", 2)
EXAMPLES: list[Button] = [
    ChooseLanguage("fa_AF"),
    ChooseAnswer("q-2", 3),
    AskHint("jaude"),
    ConfirmHint("jaude", 1),
    DeclineHint(),
    BeginStage("office-tourisme"),
    ReviewPhoto(4012, approve=True),
    ReviewPhoto(7, approve=False),
    ForgetMe(erase=True),
    ForgetMe(erase=False),
    AcknowledgeNotice(agree=True),
    AcknowledgeNotice(agree=False),
    ErasePlayer(55, confirmed=False),
    ErasePlayer(55, confirmed=True),
    KeepPlayer(),
    FinishRally("clermont-ferrand", confirmed=True),
    FinishRally("clermont-ferrand", confirmed=False),
    Listen(VoiceKey(VoicePart.CLUE, "jaude")),
    Listen(VoiceKey(VoicePart.FINAL)),
    ChooseVoice(on=True),
    ChooseVoice(on=False),
    RecordStage("cpam"),
    RecordStage(""),
    RecordText(HINT),
    RecordIn(HINT, "ar"),
    PlayRecording(VoiceKey(VoicePart.QUESTION, "q-2"), "fa_AF"),
    DashboardLink("clermont-ferrand"),
    AskKeepsake(certificate=False),
    AskKeepsake(certificate=True),
    SurveyPress(),
    SurveyPress("q-day", 3),
    SurveyPress("q-day", 0),
]


def test_every_kind_of_button_has_an_example_here() -> None:
    assert {type(button) for button in EXAMPLES} == set(KINDS)


@pytest.mark.parametrize("button", EXAMPLES, ids=encode)
def test_a_button_reads_back_as_written_within_telegrams_64_bytes(button: Button) -> None:
    data = encode(button)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert decode(data) == button


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "lang:english",
        "ans:q-2:0",
        "ans:Q2:1",
        "photo:ok:0",
        "photo:maybe:3",
        "erase:yes:",
        "finish:yes:Rally!",
        "listen:nothing:here",
        "rec:t:fr:clue:jaude",
        "rec:l:clue:jaude",
        "rec:s:UPPER",
        "voice:loud",
        "begin:" + "a" * 60,
        "lang:fr ",
        "survey:q-day:6",
        "survey:maybe",
        "survey:no",
    ],
)
def test_forged_or_unknown_data_is_refused(data: str | None) -> None:
    assert decode(data) is None


def test_a_button_too_long_for_telegram_is_refused_when_written() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        encode(RecordIn(VoiceKey(VoicePart.QUESTION, "q" * 60), "ar"))
