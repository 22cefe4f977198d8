"""`python -m bot new-rally`: a commented starting rally, valid as written."""

from __future__ import annotations

from pathlib import Path

from bot.authoring.new_rally import rally_id
from bot.cli import main
from bot.core.content import ChoiceQuestion, NumberQuestion, TextQuestion
from bot.core.rally_file import load_rally
from tests.bot.conftest import ADMIN_ID, open_world
from tests.bot.players import join


def test_a_starting_rally_is_valid_and_has_every_kind_of_question(tmp_path: Path) -> None:
    out = tmp_path / "vichy.yaml"
    assert main(["new-rally", "--city", "Vichy", "--out", str(out)]) == 0
    rally = load_rally(out)
    assert rally.id == "vichy"
    assert "Vichy" in rally.rally.title["fr"]
    assert len(rally.stages) == 2
    kinds = {type(q) for stage in rally.stages for q in stage.questions}
    assert kinds == {ChoiceQuestion, TextQuestion, NumberQuestion}
    assert any(stage.photo for stage in rally.stages)
    assert rally.privacy.controller == "Ville de Vichy"
    assert rally.survey is not None
    text = out.read_text(encoding="utf-8")
    # commented in French and in English, pointing to the check, naming no development path
    assert "python -m bot validate vichy.yaml" in text
    assert "Vérifiez-le" in text or "vérifiez-le" in text
    assert "check it each time" in text
    assert ".venv" not in text
    assert "bot/" not in text


def test_the_options_fill_the_controller_and_an_existing_file_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "se.yaml"
    args = ["new-rally", "--city", "Saint-Étienne", "--out", str(out)]
    assert main([*args, "--controller", 'Préfecture "de la Loire"']) == 0
    rally = load_rally(out)
    assert rally.id == "saint-etienne"
    assert rally.privacy.controller == 'Préfecture "de la Loire"'
    before = out.read_bytes()
    assert main([*args, "--controller", "Autre"]) == 1  # not replaced without --force
    assert out.read_bytes() == before
    assert main([*args, "--controller", "Autre", "--force"]) == 0
    assert load_rally(out).privacy.controller == "Autre"


def test_a_placeholder_controller_is_refused_and_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "x.yaml"
    assert main(["new-rally", "--city", "Vichy", "--out", str(out), "--contact", "TODO"]) == 1
    assert not out.exists()


def test_rally_ids_from_city_names() -> None:
    assert rally_id("Clermont-Ferrand") == "clermont-ferrand"
    assert rally_id("Saint-Étienne du Rouvray") == "saint-etienne-du-rouvray"
    assert rally_id("Ελλάδα") == "rallye"
    assert len(rally_id("A" * 60)) <= 24


async def test_a_new_rally_is_played_by_the_bot(tmp_path: Path) -> None:
    out = tmp_path / "vichy.yaml"
    assert main(["new-rally", "--city", "Vichy", "--out", str(out)]) == 0
    rally = load_rally(out)
    async for world in open_world(tmp_path, "sqlite", rally):
        assert world.application is not None
        teams = await world.application.bot_data.default.teams.all_teams()
        first = next(team for team in teams if team.name == "Les Sources")  # starts at the mairie
        admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="fr")
        lina = world.user("Lina", "fr")
        await join(world, lina, first.code)
        admin.send_command("go")
        await world.settle()
        assert rally.stage("mairie").clue["fr"] in world.texts(lina)[-1]
        lina.send_text("bienvenue")  # the desk's code word, typed as players type it
        await world.settle()
        assert world.texts(lina)[-1].startswith("✅ Vous êtes à l'étape Hôtel de ville")
