"""What a player reads of their keepsakes: the city guide's cards and the certificate's steps."""

from __future__ import annotations

from bot.core.content import Rally
from bot.core.voices import card_key
from bot.i18n.catalogs import Escaped, Translator
from bot.services.keepsakes import Keepsake, KeepsakeRefusal
from bot.telegram.render.play import card
from bot.telegram.render.reply import Reply, b

MAX_FULL_NAME = 80


def keepsake_commands(tr: Translator) -> Escaped:
    """One line under the final ranking: where the guide and the certificate are."""
    return tr._("📘 /guide: your city guide. 🎓 /certificate: your certificate of participation.")


def guide(tr: Translator, rally: Rally, keepsake: Keepsake) -> list[Reply]:
    """The city guide: a heading, then one message per place of the team's route that has a
    practical card (with its voice, for who listens)."""
    replies = [
        Reply(
            "\n".join(
                [
                    b(tr._("📘 Your city guide")),
                    tr._(
                        "The places of the day, to keep: one message for each, and the same as "
                        "a PDF to print."
                    ),
                ]
            )
        )
    ]
    for stage_id in keepsake.route:
        stage = rally.stage(stage_id)
        if stage.card is None:
            continue
        text = f"{b(tr.text(stage.name))}\n{card(tr, stage)}"
        replies.append(Reply(text, voices=(card_key(stage_id),)))
    return replies


def guide_caption(tr: Translator) -> str:
    """The guide's PDF."""
    return tr._("📘 Your city guide, to print or keep on your phone.")


def ask_full_name(tr: Translator) -> Reply:
    """The certificate's first step: the name as it should be printed."""
    return Reply(
        "\n".join(
            [
                b(tr._("🎓 Your certificate of participation")),
                tr._("Type your first and last name as they should be printed on it."),
                tr._(
                    "The bot uses your name only to make the certificate, then forgets it: "
                    "it is not kept."
                ),
            ]
        )
    )


def bad_full_name(tr: Translator) -> Reply:
    """A name the certificate cannot print: nothing was made."""
    return Reply(
        tr._(
            "Please type your name in letters, at most {limit} characters. Or send "
            "/certificate again later.",
            limit=MAX_FULL_NAME,
        )
    )


def certificate_caption(tr: Translator) -> str:
    """The certificate's PDF."""
    return tr._("🎓 Your certificate of participation. Congratulations!")


def keepsake_failed(tr: Translator) -> Reply:
    """The PDF could not be made now."""
    return Reply(tr._("Sorry, the document could not be made now. Please try again later."))


def refused(tr: Translator, refusal: KeepsakeRefusal) -> Reply:
    """Why there is no guide or certificate for this player (yet)."""
    if refusal is KeepsakeRefusal.NOT_IN_TEAM:
        return Reply(tr._("The guide and the certificate are for the players of a team."))
    if refusal is KeepsakeRefusal.NOT_FINISHED:
        return Reply(tr._("Your guide and your certificate are ready when your team has finished."))
    return Reply(
        tr._("This rally is over and its data was erased: the bot no longer knows who played.")
    )
