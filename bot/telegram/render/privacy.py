"""What the bot says about the data it keeps: the information notice (`/privacy`), `/forget`,
its confirmation and its outcome."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.content import LegalBasis, Rally
from bot.i18n.catalogs import Escaped, Translator, language_name
from bot.services.privacy import Erasure, PersonalData
from bot.services.views import TeamView
from bot.telegram.buttons import AcknowledgeNotice, ErasePlayer, ForgetMe, KeepPlayer, encode
from bot.telegram.render.reply import Reply, b


def notice(tr: Translator, rally: Rally, *, ask: bool) -> Reply:
    """The information notice (GDPR art. 13), short and plain, from the rally file's `privacy`.

    `ask`: with the button that acknowledges it (or, for consent, agrees or refuses); a player
    joins a team only once it is pressed.
    """
    privacy = rally.privacy
    controller, contact = privacy.controller, privacy.contact
    basis = {
        LegalBasis.PUBLIC_TASK: lambda: tr._(
            "Why: welcoming newcomers is part of {controller}'s public service. You can object: "
            "write to {contact}.",
            controller=controller,
            contact=contact,
        ),
        LegalBasis.LEGITIMATE_INTEREST: lambda: tr._(
            "Why: {controller} needs it to run the rally. You can object: write to {contact}.",
            controller=controller,
            contact=contact,
        ),
        LegalBasis.CONSENT: lambda: tr._(
            "Why: only if you agree. Without your agreement you cannot play in a team. You can "
            "change your mind at any time with /forget. Under 15: a parent must agree too."
        ),
    }[privacy.legal_basis]()
    paragraphs = [
        b(tr._("🔒 Your data")),
        tr._("{controller} runs this rally.", controller=controller),
        tr._(
            "📝 The bot keeps your first name, your language, your team, your answers, your "
            "photos, and the place where your team checks in at each stage. It keeps them to "
            "run the rally and give the scores."
        ),
        tr._(
            "👀 The organisers see them. Messages pass through Telegram, whose servers are "
            "outside the European Union."
        ),
        tr.n_(
            "🗑 Everything is erased {count} day after the rally.",
            "🗑 Everything is erased {count} days after the rally.",
            rally.rally.retention_days,
        ),
        basis,
        tr._(
            "✋ Your rights: see your data with /mydata, erase it with /forget. To correct it or "
            "for any question: {contact}. You can also complain to the CNIL (cnil.fr).",
            contact=contact,
        ),
    ]
    if privacy.dpo:
        paragraphs.append(tr._("Data protection officer: {dpo}", dpo=privacy.dpo))
    if not ask:
        return Reply("\n\n".join(paragraphs))
    if privacy.legal_basis is LegalBasis.CONSENT:
        rows = [
            [_button(tr._("✅ I agree"), AcknowledgeNotice(True))],
            [_button(tr._("❌ No"), AcknowledgeNotice(False))],
        ]
    else:
        rows = [[_button(tr._("✅ I understand"), AcknowledgeNotice(True))]]
    return Reply("\n\n".join(paragraphs), InlineKeyboardMarkup(rows))


def _button(label: str, pressed: AcknowledgeNotice) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(pressed))


def notice_acknowledged(tr: Translator) -> str:
    """The notice's button pressed: a short notice."""
    return tr._("Thank you.")


def consent_refused(tr: Translator) -> Reply:
    """ "No" to a request for consent: nothing more is kept, and how to change one's mind."""
    return Reply(
        tr._(
            "OK. You are not in a team, and the bot keeps nothing about you. If you change "
            "your mind, scan your team's card again."
        )
    )


def forget_question(tr: Translator) -> Reply:
    """`/forget`: what erasing does, and the two buttons."""
    text = tr._(
        "This erases what the bot keeps about you: your name, your Telegram account, your "
        "answers, your positions and your photos. Your team keeps its points. It cannot be "
        "undone. Erase it?"
    )
    buttons = [
        [InlineKeyboardButton(tr._("🗑 Yes, erase my data"), callback_data=encode(ForgetMe(True)))],
        [InlineKeyboardButton(tr._("No, keep it"), callback_data=encode(ForgetMe(False)))],
    ]
    return Reply(text, InlineKeyboardMarkup(buttons))


def forgotten(tr: Translator) -> Reply:
    """The erasure is done."""
    return Reply(
        tr._(
            "Done: what the bot kept about you is erased. Your team keeps its points, as those "
            "of a former member. To play again, scan your team's card."
        )
    )


def nothing_to_forget(tr: Translator) -> Reply:
    """The bot keeps nothing about this user (already erased, or never played)."""
    return Reply(tr._("The bot keeps nothing about you."))


def kept(tr: Translator) -> str:
    """ "No, keep it": a short notice."""
    return tr._("OK, nothing was erased.")


# ------------------------------------------------------------------ /mydata

MY_DATA_FILE = "my-data.json"


def my_data(tr: Translator, data: PersonalData) -> Reply:
    """`/mydata`: what the bot keeps about the player, short; the file has every detail."""
    profile = data.profile
    lines = [
        b(tr._("🔒 What the bot keeps about you")),
        tr._("Your first name: {name}", name=profile.first_name),
        tr._("Your language: {language}", language=language_name(profile.language)),
        tr._("Your Telegram account: {number}", number=str(profile.telegram_user_id)),
    ]
    if data.team is not None:
        lines.append(tr._("Your team: {team}", team=data.team.name))
    counts = [
        (len(data.checkins), _checkins),
        (len(data.answers), _answers),
        (len(data.hints), _hints),
        (len(data.photos), _photos),
        (len(data.messages_received), _messages),
    ]
    lines += [say(tr, count) for count, say in counts if count]
    if data.team_last_position is not None:
        lines.append(tr._("Your team's last position, for the 🆘 button"))
    lines += [
        "",
        tr._("Everything is in the file {file}. /forget erases it.", file=MY_DATA_FILE),
    ]
    return Reply("\n".join(lines))


def _checkins(tr: Translator, count: int) -> Escaped:
    return tr.n_(
        "{count} check-in, with the place where you were",
        "{count} check-ins, with the places where you were",
        count,
    )


def _answers(tr: Translator, count: int) -> Escaped:
    return tr.n_("{count} answer you gave", "{count} answers you gave", count)


def _hints(tr: Translator, count: int) -> Escaped:
    return tr.n_("{count} hint you asked for", "{count} hints you asked for", count)


def _photos(tr: Translator, count: int) -> Escaped:
    return tr.n_("{count} photo you sent", "{count} photos you sent", count)


def _messages(tr: Translator, count: int) -> Escaped:
    return tr.n_(
        "{count} message sent to you by the rally",
        "{count} messages sent to you by the rally",
        count,
    )


def my_data_caption(tr: Translator) -> str:
    """The caption of `/mydata`'s file."""
    return tr._("🔒 Your data, for you only.")


# ------------------------------------------------------------------ /erase (organisers)


def erase_usage(tr: Translator) -> Escaped:
    """`/erase` without one team code."""
    return tr._("Type /erase TEAM-CODE, for example /erase PUY63, then choose the player.")


def erase_whom(tr: Translator, team: TeamView) -> Reply:
    """`/erase TEAM-CODE`: the team's players as buttons."""
    buttons = [
        [
            InlineKeyboardButton(
                f"🗑 {member.name}", callback_data=encode(ErasePlayer(member.player_id, False))
            )
        ]
        for member in team.members
    ]
    text = tr._("Whose data should the bot erase? Team {team}:", team=team.name)
    return Reply(text, InlineKeyboardMarkup(buttons))


def no_members(tr: Translator, team: str) -> Escaped:
    """`/erase` naming a team without players."""
    return tr._("Team {team} has no players.", team=team)


def erase_question(tr: Translator, erasure: Erasure) -> Reply:
    """The confirmation of an organiser's erasure, naming the player."""
    assert erasure.player is not None
    name = erasure.player.name
    if erasure.team_name is not None:
        question = tr._(
            "Erase what the bot keeps about {name} (team {team})?",
            name=name,
            team=erasure.team_name,
        )
    else:
        question = tr._("Erase what the bot keeps about {name}?", name=name)
    text = "\n\n".join(
        [
            question,
            tr._(
                "Their name, Telegram account, answers, positions and photos. Their team keeps "
                "its points. It cannot be undone."
            ),
        ]
    )
    buttons = [
        [
            InlineKeyboardButton(
                tr._("🗑 Yes, erase"),
                callback_data=encode(ErasePlayer(erasure.player.player_id, True)),
            )
        ],
        [InlineKeyboardButton(tr._("No, keep it"), callback_data=encode(KeepPlayer()))],
    ]
    return Reply(text, InlineKeyboardMarkup(buttons))


def erased(tr: Translator, erasure: Erasure) -> Reply:
    """The organiser's erasure is done (without the player's name: it is gone)."""
    if erasure.team_name is not None:
        return Reply(
            tr._(
                "Done: the player's data is erased. Team {team} keeps its points.",
                team=erasure.team_name,
            )
        )
    return Reply(tr._("Done: the player's data is erased."))


def erased_by_organiser(tr: Translator) -> Reply:
    """What the erased player is told, in their language."""
    return Reply(
        tr._(
            "An organiser erased what the bot kept about you: your name, your Telegram account, "
            "your answers, your positions and your photos. Your team keeps its points. To play "
            "again, scan your team's card."
        )
    )


def already_erased(tr: Translator) -> str:
    """An erase button of a player whose data is already gone."""
    return tr._("This player's data is already erased.")
