"""What the voice tests need: the speech synthesiser and the encoder, and small rallies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.core.content import Rally
from bot.core.rally_file import parse_rally
from bot.voices.encode import Tools

CI = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}

CLUE_400 = (
    "Bienvenue à Clermont-Ferrand ! Votre première étape est l'office de tourisme, sur la "
    "place de la Victoire, juste en face de la cathédrale noire. Demandez à l'accueil le mot "
    "de passe de l'étape, puis répondez aux questions. Prenez le temps de regarder les plans "
    "de la ville et les brochures gratuites : elles vous aideront pendant tout le rallye. "
    "Bonne chance, et n'oubliez pas de boire un peu d'eau !"
)
"""A clue as long as the longest of the bundled rally's (400 characters)."""


def needed(tools: Tools, *names: str) -> None:
    """Skip a test whose programs are missing on a developer's machine; fail it in CI (`.ci/run`
    installs espeak-ng and opus-tools from Debian)."""
    found = {"espeak-ng": tools.espeak, "opusenc": tools.opusenc}
    missing = [name for name in names if not found[name]]
    if not missing:
        return
    if CI:
        pytest.fail(f"{' and '.join(missing)} missing in CI: .ci/run installs them from Debian")
    pytest.skip(
        f"{' and '.join(missing)} not installed (apt-get install espeak-ng opus-tools); "
        "CI runs this test"
    )


@pytest.fixture
def synthesiser() -> Tools:
    """espeak-ng and opusenc, as `python -m bot voices --draft` uses them."""
    tools = Tools.found()
    needed(tools, "espeak-ng", "opusenc")
    return tools


@pytest.fixture
def encoder() -> Tools:
    """opusenc alone (no ffmpeg, as in CI)."""
    tools = Tools(opusenc=Tools.found().opusenc)
    needed(tools, "opusenc")
    return tools


RALLY = """rally:
  id: voix
  title: {{fr: Rallye, en: Rally}}
  languages: [fr, en, ps]
privacy: {{controller: Rallye Test, contact: rallye@association.fr, legal_basis: consent}}
stages:
  - id: gare
    kind: transport
    name: {{fr: Gare, en: Station, ps: سټېشن}}
    checkin_code: TRAIN
    clue: {{fr: "{clue}", en: Go to the station., ps: سټېشن ته لاړ شئ.}}
    hints:
      - text: {{fr: Derrière le tram., en: Behind the tram.}}
    questions:
      - id: q-quai
        type: choice
        topic: transport
        prompt: {{fr: "Quel quai ?", en: "Which platform?", ps: "کوم پلیټفارم؟"}}
        choices:
          - {{fr: Le premier, en: The first, ps: لومړی}}
          - {{fr: Le dernier, en: The last, ps: وروستی}}
        answer: 1
        explanation: {{fr: Le premier., en: The first., ps: لومړی.}}
{audio}"""


def small_rally(home: Path, *, clue: str = "Allez à la gare.", audio: str = "") -> Rally:
    """A one-stage rally in fr, en and ps whose rally file would be in `home`."""
    text = RALLY.format(clue=clue, audio=audio)
    (home / "rally.yaml").write_text(text, encoding="utf-8")
    return parse_rally(text, str(home / "rally.yaml"), home).read_from(home)


FIXTURE_VOICE = Path(__file__).parents[1] / "rally_files" / "broken" / "voix" / "cpam-fr.ogg"
"""A real Ogg/Opus voice of 2 s (espeak-ng reading "L'assurance maladie.")."""
