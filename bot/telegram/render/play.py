"""What the bot says: engine events and service results rendered in one reader's language.

Each function returns `Reply` objects (HTML text and an optional keyboard). Events of one
action are gathered into as few messages as possible: a teammate gets one message per action,
not one per step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.core.content import ChoiceQuestion, NumberQuestion, Rally, Stage, TextQuestion
from bot.core.engine import (
    AnswerJudged,
    AnswerRefused,
    CheckedIn,
    CheckInMethod,
    CheckInRefused,
    ClueGiven,
    Event,
    HintOffered,
    HintShown,
    Progress,
    QuestionAsked,
    Refusal,
    Refused,
    ScoreAdjusted,
    StageCompleted,
    StageSkipped,
    TeamFinished,
    TeamState,
)
from bot.core.roles import Role
from bot.i18n.catalogs import Escaped, Translator, language_name
from bot.services.photos import PhotoReviewed
from bot.services.teams import MemberJoined
from bot.services.views import Member, TeamView
from bot.telegram.buttons import (
    AskHint,
    BeginStage,
    ChooseAnswer,
    ChooseLanguage,
    ConfirmHint,
    DeclineHint,
    encode,
)

MAX_TEXT = 4096
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass(frozen=True)
class Reply:
    """One message to send: HTML text and an optional keyboard."""

    text: str
    markup: Markup | None = None


def signed(points: int) -> str:
    """Points with their sign, e.g. +5 or -3."""
    return f"{points:+d}"


def b(text: str) -> str:
    """Bold (the text is already escaped)."""
    return f"<b>{text}</b>"


def gather(parts: Iterable[Reply]) -> list[Reply]:
    """Join consecutive texts into one message; a keyboard closes its message."""
    messages: list[Reply] = []
    pending: list[str] = []
    for part in parts:
        pending.append(part.text)
        if part.markup is not None:
            messages.append(Reply("\n\n".join(pending), part.markup))
            pending = []
    if pending:
        messages.append(Reply("\n\n".join(pending)))
    return [piece for message in messages for piece in split_long(message)]


def split_long(reply: Reply, limit: int = MAX_TEXT) -> list[Reply]:
    """A reply cut at line breaks to fit Telegram's 4096 characters; the keyboard goes last."""
    if len(reply.text) <= limit:
        return [reply]
    lines: list[str] = []
    for line in reply.text.split("\n"):  # a single enormous line is cut hard
        lines.extend(line[i : i + limit] for i in range(0, max(len(line), 1), limit))
    pieces: list[str] = []
    current: str | None = None
    for line in lines:
        candidate = line if current is None else f"{current}\n{line}"
        if len(candidate) > limit and current is not None:
            pieces.append(current)
            current = line
        else:
            current = candidate
    pieces.append(current or "")
    return [Reply(text) for text in pieces[:-1]] + [Reply(pieces[-1], reply.markup)]


# ------------------------------------------------------------------ keyboards


def location_keyboard(tr: Translator) -> ReplyKeyboardMarkup:
    """The keyboard under the chat with a button that sends the phone's location."""
    return ReplyKeyboardMarkup(
        [
            [
                KeyboardButton(tr._("📍 Send my location"), request_location=True),
                KeyboardButton(tr._("🆘 We are lost")),
            ]
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def language_picker(languages: Sequence[str]) -> InlineKeyboardMarkup:
    """Every language of the rally, each in its own name, two per row."""
    buttons = [
        InlineKeyboardButton(language_name(tag), callback_data=encode(ChooseLanguage(tag)))
        for tag in languages
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _button_label(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------ stages


def stage_name(tr: Translator, rally: Rally, stage_id: str) -> Escaped:
    """A stage's name in the reader's language."""
    return tr.text(rally.stage(stage_id).name)


def card(tr: Translator, stage: Stage) -> str:
    """The practical card of a stage: address, hours, what to bring, transport, French words."""
    if stage.card is None:
        return ""
    c = stage.card
    lines = [b(tr._("📋 Practical card"))]
    lines.append(tr._("📍 Address: {address}", address=c.address))
    if c.hours:  # a sentence of its own in the rally file ("Visiting hours: ...")
        lines.append(f"🕘 {tr.text(c.hours)}")
    if c.bring:
        lines.append(tr._("🎒 Bring: {things}", things=tr.text(c.bring)))
    if c.transit:
        lines.append(tr._("🚋 Tram or bus: {stop}", stop=c.transit))
    if c.phone:
        lines.append(tr._("☎️ Phone: {phone}", phone=c.phone))
    if c.words:
        lines.append(tr._("🇫🇷 Useful French words:"))
        lines.extend(f"• {b(tr.value(word.fr))}: {tr.text(word.meaning)}" for word in c.words)
    return "\n".join(lines)


def clue(tr: Translator, rally: Rally, stage_id: str, number: int, total: int) -> Reply:
    """The clue of a stage with its practical card and the hint button."""
    stage = rally.stage(stage_id)
    head = b(
        tr._(
            "Stage {number} of {total}: {name}",
            number=number,
            total=total,
            name=tr.text(stage.name),
        )
    )
    how = (
        tr._("When you are there, send your location or type the code word given at the desk.")
        if stage.location
        else tr._("When you are there, type the code word given at the desk.")
    )
    parts = [head, f"🧭 {tr.text(stage.clue)}", how]
    practical = card(tr, stage)
    if practical:
        parts.append(practical)
    markup = None
    if stage.hints:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(tr._("💡 Hint"), callback_data=encode(AskHint(stage_id)))]]
        )
    return Reply("\n\n".join(parts), markup)


def question(
    tr: Translator, rally: Rally, *, stage_id: str, question_id: str, number: int, total: int
) -> Reply:
    """A question with its answer buttons, or how to type the answer."""
    stage = rally.stage(stage_id)
    q = next(q for q in stage.questions if q.id == question_id)
    head = b(tr._("Question {number} of {total}", number=number, total=total))
    text = f"{head}\n{tr.text(q.prompt)}"
    if isinstance(q, ChoiceQuestion):
        rows = [
            [
                InlineKeyboardButton(
                    _button_label(f"{i}. {tr.plain(choice)}"),
                    callback_data=encode(ChooseAnswer(q.id, i)),
                )
            ]
            for i, choice in enumerate(q.choices, start=1)
        ]
        return Reply(text, InlineKeyboardMarkup(rows))
    how = tr._("Type a number.") if isinstance(q, NumberQuestion) else tr._("Type your answer.")
    return Reply(f"{text}\n\n✍️ {how}")


def right_answer(tr: Translator, rally: Rally, question_id: str) -> str:
    """The right answer of a question, in the reader's language."""
    located = rally.locate_question(question_id)
    assert located is not None
    stage, index = located
    q = stage.questions[index]
    if isinstance(q, ChoiceQuestion):
        return ", ".join(tr.plain(q.choices[n - 1]) for n in q.answer)
    if isinstance(q, NumberQuestion):
        return tr.number(q.value)
    assert isinstance(q, TextQuestion)
    answers = q.accepted.get(tr.language) or q.accepted[rally.default_language]
    return answers[0]


def explanation(tr: Translator, rally: Rally, question_id: str) -> Escaped:
    """Why the right answer is right."""
    located = rally.locate_question(question_id)
    assert located is not None
    stage, index = located
    return tr.text(stage.questions[index].explanation)


# ------------------------------------------------------------------ events

COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def direction(tr: Translator, compass: str) -> Escaped:
    """A compass point in words."""
    words = {
        "N": tr._("north"),
        "NE": tr._("north-east"),
        "E": tr._("east"),
        "SE": tr._("south-east"),
        "S": tr._("south"),
        "SW": tr._("south-west"),
        "W": tr._("west"),
        "NW": tr._("north-west"),
    }
    return words[compass]


def distance(tr: Translator, metres: float) -> Escaped:
    """A walking distance: metres up to a kilometre, then kilometres."""
    if metres < 1000:
        rounded = max(10, int(round(metres / 10.0) * 10))
        return tr._("{metres} m", metres=rounded)
    return tr._("{km} km", km=round(metres / 1000, 1))


def refusal(
    tr: Translator,
    rally: Rally,
    reason: Refusal,
    progress: Progress | None,
    stage_id: str | None = None,
) -> Escaped:
    """Why an action changed nothing, and what to do instead."""
    current = progress.stage_id if progress else None
    current_name = stage_name(tr, rally, current) if current else ""
    messages = {
        Refusal.RALLY_NOT_STARTED: lambda: tr._(
            "The rally has not started yet. You will get your first clue here when it starts."
        ),
        Refusal.RALLY_PAUSED: lambda: tr._("The rally is paused. Please wait for the organisers."),
        Refusal.RALLY_FINISHED: lambda: tr._("The rally is over: answers are closed. Thank you!"),
        Refusal.TEAM_FINISHED: lambda: tr._("Your team has finished the rally. Well done!"),
        Refusal.NOT_CHECKED_IN: lambda: tr._(
            "First check in at {stage}: send your location or the code word from the desk.",
            stage=current_name,
        ),
        Refusal.ALREADY_CHECKED_IN: lambda: tr._(
            "Your team is already checked in at {stage}.", stage=current_name
        ),
        Refusal.QUESTIONS_NOT_BEGUN: lambda: tr._(
            "Press “Start the questions” when your team is ready."
        ),
        Refusal.WRONG_CODE: lambda: tr._(
            "This is not the code word of {stage}. Ask the staff at the desk for it.",
            stage=current_name,
        ),
        Refusal.NO_LOCATION: lambda: tr._(
            "At {stage}, check in with the code word given at the desk.", stage=current_name
        ),
        Refusal.INVALID_LOCATION: lambda: tr._(
            "This location cannot be right. Please send your location again."
        ),
        Refusal.STALE_QUESTION: lambda: tr._("This question is already answered."),
        Refusal.NOT_A_NUMBER: lambda: tr._("Please type a number, for example 12."),
        Refusal.NO_SUCH_CHOICE: lambda: tr._("Press one of the buttons, or type its number."),
        Refusal.EMPTY_ANSWER: lambda: tr._("Please type your answer."),
        Refusal.NO_HINTS: lambda: tr._("There are no more hints for this stage."),
        Refusal.HINT_OUT_OF_ORDER: lambda: tr._("Please take the hints in order."),
        Refusal.HINTS_ONLY_EN_ROUTE: lambda: tr._(
            "Hints help to find the place, and your team is already there."
        ),
        Refusal.UNKNOWN_STAGE: lambda: tr._("There is no such stage."),
        Refusal.NOT_IN_TEAM: lambda: tr._(
            "You are not in a team yet. Type /join and your team code, for example /join ABC123."
        ),
        Refusal.WRONG_STAGE: lambda: _wrong_stage(tr, rally, progress, stage_id),
        Refusal.STALE_BUTTON: lambda: tr._("This button is no longer valid."),
        Refusal.ALREADY_TRIED: lambda: tr._(
            "Your team already tried this answer: it does not count twice. Try another one."
        ),
        Refusal.TOO_FAR: lambda: tr._("You are not there yet."),
    }
    return messages[reason]()


def _wrong_stage(
    tr: Translator, rally: Rally, progress: Progress | None, other: str | None
) -> Escaped:
    if progress is None or other is None or progress.stage_id is None:
        return tr._("This is another stage.")
    done = progress.route[: progress.stage_index]
    other_name = stage_name(tr, rally, other)
    current = stage_name(tr, rally, progress.stage_id)
    if other in done:
        return tr._(
            "Your team has already done {other}. Now go to {stage}: /clue shows the clue.",
            other=other_name,
            stage=current,
        )
    return tr._(
        "This is {other}, not your current stage. Go to {stage} first: /clue shows the clue.",
        other=other_name,
        stage=current,
    )


@dataclass(frozen=True)
class Scene:
    """Who did what, seen by whom: what rendering an action needs."""

    rally: Rally
    viewer: Member
    actor: Member | None
    team: TeamView | None
    rank: tuple[int, int] | None = None  # (rank, teams) when the team finished

    @property
    def own(self) -> bool:
        """Whether the viewer did it themselves."""
        return self.actor is None or self.actor.player_id == self.viewer.player_id


def render(tr: Translator, scene: Scene, events: Sequence[Event]) -> list[Reply]:
    """Every event of an action as the viewer should read it, gathered into few messages."""
    return gather(part for event in events for part in _event(tr, scene, event))


def _actor_name(scene: Scene) -> str:
    return scene.actor.name if scene.actor else "?"


def _event(tr: Translator, scene: Scene, event: Event) -> list[Reply]:  # noqa: PLR0912
    rally = scene.rally
    progress = scene.team.progress if scene.team else None
    if isinstance(event, ClueGiven):
        return [clue(tr, rally, event.stage_id, event.number, event.total)]
    if isinstance(event, CheckedIn):
        name = stage_name(tr, rally, event.stage_id)
        if event.method is CheckInMethod.ORGANISER:
            text = tr._("✅ An organiser checked your team in at {stage}.", stage=name)
        elif scene.own:
            text = tr._("✅ You are at {stage}!", stage=name)
        else:
            text = tr._(
                "✅ {name} checked your team in at {stage}!", name=_actor_name(scene), stage=name
            )
        text = Escaped(f"{text} {tr.n_('+{count} point', '+{count} points', event.points)}")
        mission = rally.stage(event.stage_id).photo
        if mission is not None:
            text = Escaped(f"{text}\n\n{tr.text(mission.prompt)}")
        begin = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        tr._("▶️ Start the questions"),
                        callback_data=encode(BeginStage(event.stage_id)),
                    )
                ]
            ]
        )
        if event.question_count == 0:
            begin = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            tr._("▶️ Go on"), callback_data=encode(BeginStage(event.stage_id))
                        )
                    ]
                ]
            )
        return [Reply(text, begin)]
    if isinstance(event, CheckInRefused):
        return [Reply(_check_in_refused(tr, scene, event))]
    if isinstance(event, QuestionAsked):
        return [
            question(
                tr,
                rally,
                stage_id=event.stage_id,
                question_id=event.question_id,
                number=event.number,
                total=event.total,
            )
        ]
    if isinstance(event, AnswerJudged):
        return [Reply(_judged(tr, scene, event))]
    if isinstance(event, AnswerRefused):
        return [Reply(refusal(tr, rally, event.reason, progress))]
    if isinstance(event, HintOffered):
        yes = tr.n_(
            "Yes, show it (−{count} point)", "Yes, show it (−{count} points)", event.penalty
        )
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        yes, callback_data=encode(ConfirmHint(event.stage_id, event.index))
                    )
                ],
                [InlineKeyboardButton(tr._("No, thanks"), callback_data=encode(DeclineHint()))],
            ]
        )
        text = tr.n_(
            "A hint costs {count} point. Do you want it?",
            "A hint costs {count} points. Do you want it?",
            event.penalty,
        )
        return [Reply(f"💡 {text}", markup)]
    if isinstance(event, HintShown):
        hint = rally.stage(event.stage_id).hints[event.index]
        head = tr._("💡 Hint {number}:", number=event.index + 1)
        if not scene.own and not event.again:
            head = tr._(
                "💡 Hint {number}, asked by {name}:",
                number=event.index + 1,
                name=_actor_name(scene),
            )
        return [Reply(f"{head} {tr.text(hint.text)}")]
    if isinstance(event, StageCompleted):
        return [Reply(tr._("🏁 Stage done! Your team's score: {score}.", score=event.score))]
    if isinstance(event, StageSkipped):
        return [
            Reply(
                tr._(
                    "⏭ An organiser moved your team on from {stage}.",
                    stage=stage_name(tr, rally, event.stage_id),
                )
            )
        ]
    if isinstance(event, ScoreAdjusted):
        return [
            Reply(
                tr._(
                    "✏️ An organiser changed your score by {points} ({reason}). Score: {score}.",
                    points=signed(event.points),
                    reason=event.reason,
                    score=event.score,
                )
            )
        ]
    if isinstance(event, TeamFinished):
        text = tr._("🎉 Your team has finished the rally! Score: {score}.", score=event.score)
        if scene.rank:
            rank = tr._("Rank so far: {rank} of {teams}.", rank=scene.rank[0], teams=scene.rank[1])
            text = Escaped(f"{text} {rank}")
        return [Reply(text)]
    if isinstance(event, PhotoReviewed):
        name = stage_name(tr, rally, event.stage_id)
        if event.approved:
            text = tr._(
                "📸 Your team photo at {stage} was approved! +{points} points. Score: {score}.",
                stage=name,
                points=event.points,
                score=event.score,
            )
        else:
            text = tr._(
                "📸 Your team photo at {stage} was not accepted. You can send another one.",
                stage=name,
            )
        return [Reply(text)]
    if isinstance(event, MemberJoined):
        return [Reply(tr._("👋 {name} joined your team.", name=event.name))]
    if isinstance(event, Refused):
        return [Reply(refusal(tr, rally, event.reason, progress))]
    return []


def _check_in_refused(tr: Translator, scene: Scene, event: CheckInRefused) -> Escaped:
    rally = scene.rally
    progress = scene.team.progress if scene.team else None
    if event.reason is Refusal.TOO_FAR and event.stage_id and event.compass:
        return tr._(
            "📍 Not there yet: {stage} is about {distance} to the {direction}.",
            stage=stage_name(tr, rally, event.stage_id),
            distance=distance(tr, event.distance_m or 0),
            direction=direction(tr, event.compass),
        )
    return refusal(tr, rally, event.reason, progress, event.stage_id)


def _judged(tr: Translator, scene: Scene, event: AnswerJudged) -> str:
    rally = scene.rally
    if event.correct:
        verdict = tr._("✅ Right!")
    elif event.closed:
        verdict = tr._(
            "❌ Not right. The answer was: {answer}.",
            answer=right_answer(tr, rally, event.question_id),
        )
    else:
        verdict = tr.n_(
            "❌ Not right. {count} more try.",
            "❌ Not right. {count} more tries.",
            event.attempts_left,
        )
    if not scene.own:
        who = tr._(
            "{name} answered {answer}:", name=_actor_name(scene), answer=_given(tr, rally, event)
        )
        verdict = Escaped(f"{who} {verdict}")
    lines = [str(verdict)]
    if event.points:
        lines[0] += " " + tr.n_("+{count} point", "+{count} points", event.points)
    if event.closed:
        lines.append(f"ℹ️ {explanation(tr, rally, event.question_id)}")
        lines.append(tr._("Your team's score: {score}.", score=event.score))
    return "\n".join(lines)


def _given(tr: Translator, rally: Rally, event: AnswerJudged) -> str:
    located = rally.locate_question(event.question_id)
    if located:
        q = located[0].questions[located[1]]
        if isinstance(q, ChoiceQuestion) and event.given.isdigit():
            number = int(event.given)
            if 1 <= number <= len(q.choices):
                return tr.plain(q.choices[number - 1])
    return event.given


# ------------------------------------------------------------------ status


def team_status(tr: Translator, rally: Rally, team: TeamView) -> str:
    """`/team`: the team, its members, where it is and its score."""
    progress = team.progress
    members = ", ".join(tr.value(m.name) for m in team.members) or "—"
    lines = [
        b(tr._("Team {team}", team=team.name)),
        tr._("Members: {members}", members=Escaped(members)),
        tr._("Score: {score}", score=progress.score),
    ]
    total = len(progress.route)
    if progress.state is TeamState.WAITING:
        lines.append(tr._("The rally has not started yet."))
    elif progress.state is TeamState.FINISHED:
        lines.append(tr._("Finished: all {total} stages done.", total=total))
    else:
        assert progress.stage_id is not None
        where = {
            TeamState.EN_ROUTE: tr._("on the way"),
            TeamState.CHECKED_IN: tr._("arrived"),
            TeamState.ANSWERING: tr._("answering the questions"),
        }[progress.state]
        lines.append(
            tr._(
                "Stage {number} of {total}: {name} ({where})",
                number=progress.stage_index + 1,
                total=total,
                name=stage_name(tr, rally, progress.stage_id),
                where=where,
            )
        )
    return "\n".join(lines)


def command_menu(tr: Translator, role: Role = Role.PLAYER) -> list[BotCommand]:
    """The command menu of a role in one language: players see only theirs."""
    menu = [
        BotCommand("clue", tr._("Show the clue again")),
        BotCommand("team", tr._("Your team, its stage and score")),
        BotCommand("hint", tr._("A hint to find the place")),
        BotCommand("join", tr._("Join a team with its code")),
        BotCommand("lost", tr._("We are lost: call the organisers")),
        BotCommand("language", tr._("Change the language")),
        BotCommand("help", tr._("What you can do")),
    ]
    if role in (Role.ORGANISER, Role.ADMIN):
        menu += [
            BotCommand("progress", tr._("Where every team is")),
            BotCommand("broadcast", tr._("Message all players, a team or a language")),
            BotCommand("announce", tr._("Send a prepared announcement")),
            BotCommand("checkin", tr._("Check a team in at its stage")),
            BotCommand("photos", tr._("Team photos waiting for review")),
            BotCommand("rally", tr._("Which rally you work on")),
        ]
    if role is Role.ADMIN:
        menu += [
            BotCommand("scores", tr._("The leaderboard")),
            BotCommand("export", tr._("Scores, check-ins and answers as CSV")),
            BotCommand("award", tr._("Give or take points")),
            BotCommand("skip", tr._("Move a stuck team on")),
            BotCommand("newteam", tr._("Create a team and its join code")),
            BotCommand("open", tr._("Open the rally for joining")),
            BotCommand("go", tr._("Start the rally")),
            BotCommand("pause", tr._("Pause the rally")),
            BotCommand("resume", tr._("Resume the rally")),
            BotCommand("finish", tr._("Finish the rally and send the ranking")),
        ]
    return menu
