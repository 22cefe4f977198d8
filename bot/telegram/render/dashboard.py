"""What the organisers read of the dashboard: the page's texts, and `/dashboard`'s messages."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.i18n.catalogs import Translator
from bot.telegram.buttons import DashboardLink
from bot.telegram.render.reply import Reply, b


def _(message: str) -> str:
    """Marks a page text for extraction (`make i18n`); `page_texts` translates it."""
    return message


PAGE_TEXTS: dict[str, str] = {
    "title": _("Rally dashboard"),
    "map": _("Map"),
    "teams": _("Teams"),
    "leaderboard": _("Leaderboard"),
    "alerts": _("Alerts"),
    "photos": _("Photos to review"),
    "broadcast": _("Message to players"),
    "announcements": _("Prepared announcements"),
    "team": _("Team"),
    "stage": _("Stage"),
    "score": _("Points"),
    "state": _("State"),
    "members": _("Members"),
    "last_move": _("Last move"),
    "hints_used": _("Hints used"),
    "stages_done": _("Stages done"),
    "rank": _("Rank"),
    "approve": _("Approve"),
    "reject": _("Reject"),
    "send": _("Send"),
    "audience": _("To"),
    "audience_all": _("Every player"),
    "audience_team": _("Team {name}"),
    "audience_language": _("Language: {name}"),
    "message_placeholder": _("Your message (players read it in Telegram)"),
    "no_alerts": _("No alert: every team is moving."),
    "no_photos": _("No photo waiting."),
    "no_teams": _("No team yet."),
    "online": _("Updated {time}"),
    "offline": _("Connection lost: retrying…"),
    "loading": _("Loading…"),
    "expired": _("Your session has ended. Open the dashboard again from the bot (/dashboard)."),
    "forbidden": _("This dashboard is for the rally's organisers."),
    "state_waiting": _("waiting for the start"),
    "state_en_route": _("on its way"),
    "state_checked_in": _("at a stage"),
    "state_answering": _("answering questions"),
    "state_finished": _("finished"),
    "idle": _("idle"),
    "lost": _("asked for help"),
    "phase_draft": _("in preparation"),
    "phase_open": _("open to teams"),
    "phase_running": _("running"),
    "phase_paused": _("paused"),
    "phase_finished": _("finished"),
    "minutes_ago": _("{minutes} min ago"),
    "just_now": _("just now"),
    "alert_lost": _("🆘 {team} asked for help"),
    "alert_idle": _("⏳ {team} has not moved for {minutes} min"),
    "confirm_announcement": _("Send “{title}” to every player?"),
    "sending": _("Sending…"),
    "finished": _("finished"),
    "no_position": _("No position yet"),
    "close": _("Close"),
    "bad_request": _("This request was not understood: reload the page and try again."),
    "empty_message": _("Write the message first."),
    "not_sent": _("Not sent: the connection was lost. Press again."),
    "already_sent": _("Already sent: this message went out once."),
    "photo_unknown": _("This photo is not in the rally any more."),
    "photo_unavailable": _("Telegram did not give this photo: try again in a moment."),
    "link_refused": _(
        "This link is unknown, already used or older than 10 minutes. Ask the bot for a new "
        "one: /dashboard, then “A link for a computer”."
    ),
}
"""Every text of the page, by the key `static/app.js` reads (with `{name}` placeholders the
page fills in)."""


def page_texts(tr: Translator) -> dict[str, str]:
    """The page's texts in the reader's language (plain text: the page escapes them)."""
    return {key: tr.translations.gettext(message) for key, message in PAGE_TEXTS.items()}


def direction(tr: Translator) -> str:
    """The page's writing direction in the reader's language: "rtl" or "ltr"."""
    return "rtl" if tr.rtl else "ltr"


def menu_button_text(tr: Translator) -> str:
    """The chat's menu button that opens the dashboard (plain text)."""
    return tr.translations.gettext(_("📊 Dashboard"))


def open_dashboard(tr: Translator, url: str, rally_id: str) -> Reply:
    """`/dashboard`: the Mini App's button, and the one-time link for a laptop."""
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr._("📊 Open the dashboard"), web_app=WebAppInfo(url))],
            [
                InlineKeyboardButton(
                    tr._("💻 A link for a computer"),
                    callback_data=DashboardLink(rally_id).data(),
                )
            ],
        ]
    )
    text = "\n".join(
        [
            b(tr._("📊 The rally's dashboard")),
            tr._(
                "The map of the teams, the alerts, the photos to review and the messages to "
                "players, on one screen. It is also under the menu button of this chat."
            ),
        ]
    )
    return Reply(text, markup)


def login_link(tr: Translator, url: str, minutes: int) -> Reply:
    """A one-time link that opens the dashboard in a computer's browser."""
    return Reply(
        "\n".join(
            [
                tr._(
                    "💻 Open this link on the computer within {minutes} minutes. It works once, "
                    "and only for you: do not share it.",
                    minutes=minutes,
                ),
                tr.value(url),
            ]
        )
    )


def no_public_url(tr: Translator) -> Reply:
    """`/dashboard` on a bot without RALLY_PUBLIC_URL: how to set one."""
    return Reply(
        "\n".join(
            [
                tr._("The dashboard needs the bot's public HTTPS address."),
                tr._(
                    "Set RALLY_PUBLIC_URL (for example https://rallye.example.org) behind the "
                    "reverse proxy described in the README, and restart the bot."
                ),
            ]
        )
    )
