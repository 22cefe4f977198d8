"""`python -m bot new-rally --city Vichy --out vichy.yaml`: a starting rally file to edit.

The file (`new-rally.yaml` beside this module) is a small, complete rally, commented in French
and English: two stages, one question of each kind, a photo mission, announcements, a survey
and the privacy section. It is valid as written; the city, the rally's id and the controller's
details are filled in from the options.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import TextIO

TEMPLATE = "new-rally.yaml"


def rally_id(city: str) -> str:
    """A rally id made from a city's name: `Saint-Étienne` → `saint-etienne`."""
    ascii_name = unicodedata.normalize("NFKD", city).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:24].strip("-")
    return slug or "rallye"


def _quoted(value: str) -> str:
    """A value inside the template's double quotes."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def starting_rally(city: str, out_name: str, controller: str, contact: str) -> str:
    """The starting rally file's text."""
    template = Template(files("bot.authoring").joinpath(TEMPLATE).read_text(encoding="utf-8"))
    return template.substitute(
        city=_quoted(city),
        out=out_name,
        rally_id=rally_id(city),
        controller=_quoted(controller),
        contact=_quoted(contact),
    )


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `new-rally` command."""
    command = commands.add_parser(
        "new-rally",
        help="write a commented starting rally file (two stages, every kind of question)",
    )
    command.add_argument("--city", required=True, help="the rally's city, e.g. Vichy")
    command.add_argument("--out", type=Path, required=True, help="the rally file to write")
    command.add_argument(
        "--controller",
        help="who runs the rally and answers for the players' data (default: Ville de CITY)",
    )
    command.add_argument(
        "--contact",
        help="where players ask about their data: an e-mail, a phone, a desk "
        "(default: the city hall's reception desk)",
    )
    command.add_argument("--force", action="store_true", help="replace an existing file")
    command.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write the starting rally: 0, or 1 saying why not (an existing file, a bad city)."""
    from bot.core.rally_file import RallyFileError, parse_rally

    city = " ".join(str(args.city).split())
    path: Path = args.out
    if not city:
        print("rallye: --city: give the city's name", file=err)
        return 2
    if path.exists() and not args.force:
        print(f"rallye: {path} exists: choose another --out, or add --force", file=err)
        return 1
    text = starting_rally(
        city,
        path.name,
        args.controller or f"Ville de {city}",
        args.contact or f"Mairie de {city}, accueil du public",
    )
    try:
        parse_rally(text, str(path))
    except RallyFileError as exc:  # a detail given in the options that the file refuses
        for problem in exc.problems:
            print(f"rallye: {problem}", file=err)
        return 1
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"rallye: cannot write {path}: {exc.strerror}", file=err)
        return 1
    print(f"{path}: a starting rally for {city}, 2 stages. Edit it, then check it with:", file=out)
    print(f"  python -m bot validate {path}", file=out)
    return 0
