"""What a team reads while playing: clues, questions, verdicts, hints, and every event of an action.

`render` turns the events of one action into as few messages as possible for one reader: a
teammate gets one message per action, not one per step. It matches the closed union of events
(`bot.core.engine.TeamEvent`) with `assert_never`, so mypy fails when an event has no text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import assert_never

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.content import (
    ChoiceQuestion,
    NumberQuestion,
    Rally,
    Stage,
    StageKind,
    TextQuestion,
)
from bot.core.engine import (
    AnswerJudged,
    AnswerRefused,
    CheckedIn,
    CheckInMethod,
    CheckInRefused,
    ClueGiven,
    HintOffered,
    HintShown,
    MemberJoined,
    PhotoReviewed,
    Progress,
    QuestionAsked,
    Refusal,
    Refused,
    ScoreAdjusted,
    StageCompleted,
    StageSkipped,
    TeamEvent,
    TeamFinished,
    TeamState,
)
from bot.core.voices import VoiceKey, card_key, clue_key, hint_key, question_key
from bot.i18n.catalogs import Escaped, Translator
from bot.services.views import Member, TeamView
from bot.telegram.buttons import (
    AskHint,
    AskKeepsake,
    BeginStage,
    ChooseAnswer,
    ConfirmHint,
    DeclineHint,
    encode,
)
from bot.telegram.render.opening import open_now, week_lines
from bot.telegram.render.reply import Reply, b, gather, markup_from_json, signed
from bot.telegram.render.survey import with_survey_button
from bot.telegram.voices import voice_offer


def _button_label(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------ stages


def stage_name(tr: Translator, rally: Rally, stage_id: str) -> Escaped:
    """A stage's name in the reader's language."""
    return tr.text(rally.stage(stage_id).name)


def card(tr: Translator, stage: Stage, *, now: datetime | None = None) -> str:
    """The practical card of a stage: address, opening hours, what to bring, transport, phone,
    website, French words; sent at `now`, it says whether the place is open then."""
    if stage.card is None:
        return ""
    c = stage.card
    lines = [b(tr._("📋 Practical card"))]
    if c.address:
        lines.append(tr._("📍 Address: {address}", address=c.address))
    if c.opening:
        lines += week_lines(tr, c.week)
        status = open_now(tr, c.week, now) if now is not None else None
        if status:
            lines.append(status)
    if c.hours:  # a sentence of its own in the rally file ("Visiting hours: ...")
        lines.append(f"{'ℹ️' if c.opening else '🕘'} {tr.text(c.hours)}")
    if c.bring:
        lines.append(tr._("🎒 Bring: {things}", things=tr.text(c.bring)))
    if c.transit:
        lines.append(tr._("🚋 Tram or bus: {stop}", stop=c.transit))
    if c.phone:
        lines.append(tr._("☎️ Phone: {phone}", phone=c.phone))
    if c.website:
        lines.append(tr._("🌐 Website: {url}", url=c.website))
    if c.words:
        lines.append(tr._("🇫🇷 Useful French words:"))
        lines.extend(f"• {b(tr.value(word.fr))}: {tr.text(word.meaning)}" for word in c.words)
    return "\n".join(lines)


def clue(
    tr: Translator,
    rally: Rally,
    stage_id: str,
    number: int,
    total: int,
    *,
    now: datetime | None = None,
) -> Reply:
    """The clue of a stage with its practical card (open or closed at `now`) and the hint
    button."""
    stage = rally.stage(stage_id)
    head = b(
        tr._(
            "Stage {number} of {total}: {name}",
            number=number,
            total=total,
            name=tr.text(stage.name),
        )
    )
    how = _how_to_check_in(tr, stage)
    parts = [head, f"🧭 {tr.text(stage.clue)}", how]
    voices = [clue_key(stage_id)]
    practical = card(tr, stage, now=now)
    if practical:
        parts.append(practical)
        voices.append(card_key(stage_id))
    rows = []
    if stage.hints:
        rows.append(
            [InlineKeyboardButton(tr._("💡 Hint"), callback_data=encode(AskHint(stage_id)))]
        )
    if number == 1:  # the first clue offers to hear every text (`bot.telegram.voices`)
        rows.append(voice_offer(tr))
    markup = InlineKeyboardMarkup(rows) if rows else None
    return Reply("\n\n".join(parts), markup, tuple(voices))


def _how_to_check_in(tr: Translator, stage: Stage) -> Escaped:
    """How a team checks in at the stage: only a public service has a desk that gives the
    code word (on a tram line or at a monument, the clue says who does)."""
    if stage.kind is StageKind.SERVICE:
        if stage.location:
            return tr._(
                "When you are there, send your location or type the code word given at the desk."
            )
        return tr._("When you are there, type the code word given at the desk.")
    if stage.location:
        return tr._("When you are there, send your location or type the code word.")
    return tr._("When you are there, type the code word.")


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
        return Reply(text, InlineKeyboardMarkup(rows), (question_key(q.id),))
    how = tr._("Type a number.") if isinstance(q, NumberQuestion) else tr._("Type your answer.")
    return Reply(f"{text}\n\n✍️ {how}", voices=(question_key(q.id),))


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
    # only a public service has a desk giving the code word (`_how_to_check_in`)
    desk = current is None or rally.stage(current).kind is StageKind.SERVICE
    messages = {
        Refusal.RALLY_NOT_STARTED: lambda: tr._(
            "The rally has not started yet. You will get your first clue here when it starts."
        ),
        Refusal.RALLY_PAUSED: lambda: tr._("The rally is paused. Please wait for the organisers."),
        Refusal.RALLY_FINISHED: lambda: tr._("The rally is over: answers are closed. Thank you!"),
        Refusal.TEAM_FINISHED: lambda: tr._("Your team has finished the rally. Well done!"),
        Refusal.NOT_CHECKED_IN: lambda: (
            tr._(
                "First check in at {stage}: send your location or the code word from the desk.",
                stage=current_name,
            )
            if desk
            else tr._(
                "First check in at {stage}: send your location or the code word.",
                stage=current_name,
            )
        ),
        Refusal.ALREADY_CHECKED_IN: lambda: tr._(
            "Your team is already checked in at {stage}.", stage=current_name
        ),
        Refusal.QUESTIONS_NOT_BEGUN: lambda: tr._(
            "Press “Start the questions” when your team is ready."
        ),
        Refusal.WRONG_CODE: lambda: (
            tr._(
                "This is not the code word of {stage}. Ask the staff at the desk for it.",
                stage=current_name,
            )
            if desk
            else tr._(
                "This is not the code word of {stage}. Read the clue again, or ask the organisers.",
                stage=current_name,
            )
        ),
        Refusal.NO_LOCATION: lambda: (
            tr._("At {stage}, check in with the code word given at the desk.", stage=current_name)
            if desk
            else tr._("At {stage}, check in with the code word.", stage=current_name)
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
    now: datetime | None = None
    """When the viewer is told (the rally's clock): a clue's card then says whether its place
    is open; None: the card gives its hours only."""

    @property
    def own(self) -> bool:
        """Whether the viewer did it themselves."""
        return self.actor is None or self.actor.player_id == self.viewer.player_id


def render(tr: Translator, scene: Scene, events: Sequence[TeamEvent]) -> list[Reply]:
    """Every event of an action as the viewer should read it, gathered into few messages."""
    return gather(part for event in events for part in _event(tr, scene, event))


def _actor_name(scene: Scene) -> str:
    return scene.actor.name if scene.actor else "?"


def begin_keyboard(
    tr: Translator, stage_id: str, *, has_questions: bool = True
) -> InlineKeyboardMarkup:
    """The button under an arrival: start the stage's questions (or go on, if it has none)."""
    label = tr._("▶️ Start the questions") if has_questions else tr._("▶️ Go on")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=encode(BeginStage(stage_id)))]]
    )


def _event(tr: Translator, scene: Scene, event: TeamEvent) -> list[Reply]:  # noqa: PLR0912
    rally = scene.rally
    progress = scene.team.progress if scene.team else None
    match event:
        case ClueGiven():
            return [clue(tr, rally, event.stage_id, event.number, event.total, now=scene.now)]
        case CheckedIn():
            return [_checked_in(tr, scene, event)]
        case CheckInRefused():
            return [Reply(_check_in_refused(tr, scene, event))]
        case QuestionAsked():
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
        case AnswerJudged():
            return [Reply(_judged(tr, scene, event))]
        case AnswerRefused() | Refused():
            return [Reply(refusal(tr, rally, event.reason, progress))]
        case HintOffered():
            return [_hint_offered(tr, event)]
        case HintShown():
            voice = hint_key(event.stage_id, event.index)
            return [Reply(_hint_shown(tr, scene, event), voices=(voice,))]
        case StageCompleted():
            return [Reply(tr._("🏁 Stage done! Your team's score: {score}.", score=event.score))]
        case StageSkipped():
            text = tr._(
                "⏭ An organiser moved your team on from {stage}.",
                stage=stage_name(tr, rally, event.stage_id),
            )
            return [Reply(text)]
        case ScoreAdjusted():
            text = tr._(
                "✏️ An organiser changed your score by {points} ({reason}). Score: {score}.",
                points=signed(event.points),
                reason=event.reason,
                score=event.score,
            )
            return [Reply(text)]
        case TeamFinished():
            finish = Reply(_finished(tr, scene, event), keepsake_buttons(tr))
            return [with_survey_button(tr, rally, finish)]  # if the rally has a survey
        case PhotoReviewed():
            return [Reply(_photo_reviewed(tr, rally, event))]
        case MemberJoined():
            return [Reply(tr._("👋 {name} joined your team.", name=event.name))]
        case _:
            assert_never(event)


def _checked_in(tr: Translator, scene: Scene, event: CheckedIn) -> Reply:
    name = stage_name(tr, scene.rally, event.stage_id)
    if event.method is CheckInMethod.ORGANISER:
        text = tr._("✅ An organiser checked your team in at {stage}.", stage=name)
    elif scene.own:
        text = tr._("✅ You are at {stage}!", stage=name)
    else:
        text = tr._(
            "✅ {name} checked your team in at {stage}!", name=_actor_name(scene), stage=name
        )
    text = Escaped(f"{text} {tr.n_('+{count} point', '+{count} points', event.points)}")
    mission = scene.rally.stage(event.stage_id).photo
    if mission is not None:
        text = Escaped(f"{text}\n\n{tr.text(mission.prompt)}")
    has_questions = event.question_count > 0
    return Reply(text, begin_keyboard(tr, event.stage_id, has_questions=has_questions))


def _hint_offered(tr: Translator, event: HintOffered) -> Reply:
    yes = tr.n_("Yes, show it (−{count} point)", "Yes, show it (−{count} points)", event.penalty)
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
    return Reply(f"💡 {text}", markup)


def _hint_shown(tr: Translator, scene: Scene, event: HintShown) -> Escaped:
    hint = scene.rally.stage(event.stage_id).hints[event.index]
    head = tr._("💡 Hint {number}:", number=event.index + 1)
    if not scene.own and not event.again:
        head = tr._(
            "💡 Hint {number}, asked by {name}:", number=event.index + 1, name=_actor_name(scene)
        )
    return Escaped(f"{head} {tr.text(hint.text)}")


def final_words(tr: Translator) -> Escaped:
    """The last words of the rally to every player, also read by its voice (`FINAL_KEY`)."""
    return tr._("Thank you for playing! Your practical cards stay in this chat.")


def keepsake_buttons(tr: Translator) -> InlineKeyboardMarkup:
    """Under the finish: what each player keeps, the city guide and the certificate
    (`handlers.keepsakes`)."""
    guide = tr._("📘 My city guide")
    diploma = tr._("🎓 My certificate")
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(guide, callback_data=AskKeepsake(certificate=False).data())],
            [InlineKeyboardButton(diploma, callback_data=AskKeepsake(certificate=True).data())],
        ]
    )


def _finished(tr: Translator, scene: Scene, event: TeamFinished) -> Escaped:
    text = tr._("🎉 Your team has finished the rally! Score: {score}.", score=event.score)
    if scene.rank:
        rank = tr._("Rank so far: {rank} of {teams}.", rank=scene.rank[0], teams=scene.rank[1])
        text = Escaped(f"{text} {rank}")
    return text


def _photo_reviewed(tr: Translator, rally: Rally, event: PhotoReviewed) -> Escaped:
    name = stage_name(tr, rally, event.stage_id)
    if event.approved:
        return tr._(
            "📸 Your team photo at {stage} was approved! +{points} points. Score: {score}.",
            stage=name,
            points=event.points,
            score=event.score,
        )
    return tr._(
        "📸 Your team photo at {stage} was not accepted. You can send another one.", stage=name
    )


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


def current_step(
    tr: Translator, rally: Rally, progress: Progress, now: datetime | None = None
) -> list[Reply]:
    """Where a team is, as a message: what /clue shows and what a new member sees (at `now`)."""
    if progress.state is TeamState.WAITING:
        return [Reply(refusal(tr, rally, Refusal.RALLY_NOT_STARTED, progress))]
    if progress.state is TeamState.FINISHED:
        return [
            Reply(
                tr._("🎉 Your team has finished the rally! Score: {score}.", score=progress.score)
            )
        ]
    stage_id = progress.stage_id
    assert stage_id is not None  # a team on its way or at a stage has one
    number, total = progress.stage_index + 1, len(progress.route)
    if progress.state is TeamState.EN_ROUTE:
        return [clue(tr, rally, stage_id, number, total, now=now)]
    if progress.state is TeamState.CHECKED_IN:
        text = tr._("✅ Your team is at {stage}.", stage=stage_name(tr, rally, stage_id))
        return [Reply(text, begin_keyboard(tr, stage_id))]
    stage = rally.stage(stage_id)
    current = stage.questions[progress.question_index]
    return [
        question(
            tr,
            rally,
            stage_id=stage_id,
            question_id=current.id,
            number=progress.question_index + 1,
            total=len(stage.questions),
        )
    ]


def no_hint_taken(tr: Translator) -> Escaped:
    """The notice of "No, thanks" under a hint's cost."""
    return tr._("OK, no hint.")


def help_is_coming(tr: Translator) -> Reply:
    """The 🆘 alert reached the organisers."""
    return Reply(
        tr._(
            "🆘 The organisers have been told where your team is. "
            "Stay where you are: they will contact you."
        )
    )


def no_organiser_reached(tr: Translator) -> Reply:
    """The 🆘 alert reached no organiser."""
    return Reply(
        tr._(
            "🆘 No organiser could be reached right now. "
            "Please call the phone number on your team card."
        )
    )


def help_already_coming(tr: Translator, since: timedelta) -> Reply:
    """🆘 again within the cooldown: the organisers already know."""
    minutes = max(1, int(since.total_seconds() // 60))
    return Reply(
        tr.n_(
            "🆘 The organisers were told {count} minute ago. Stay where you are: "
            "they will contact you.",
            "🆘 The organisers were told {count} minutes ago. Stay where you are: "
            "they will contact you.",
            minutes,
        )
    )


def teammate_asked_for_help(tr: Translator, name: str) -> Reply:
    """A teammate pressed 🆘."""
    return Reply(tr._("🆘 {name} asked the organisers for help. Stay together.", name=name))


def photo_taken(tr: Translator) -> Reply:
    """A team photo taken for review."""
    return Reply(tr._("📸 Thank you! The organisers will look at your photo."))


def photo_already_approved(tr: Translator) -> Reply:
    """A photo for a mission already approved."""
    return Reply(tr._("Your team's photo was already approved. Thank you!"))


def photo_reviewed_notice(tr: Translator, *, approved: bool, done: bool) -> Escaped:
    """The reviewer's notice after pressing approve or reject."""
    if not done:
        return tr._("This photo was already reviewed.")
    return tr._("Approved.") if approved else tr._("Rejected.")


def joined_summary(tr: Translator, names: Sequence[str]) -> Escaped:
    """Who joined the team since the last news: one, two, or the first two and how many more."""
    if len(names) == 1:
        return tr._("👋 {name} joined your team.", name=names[0])
    if len(names) == 2:
        return tr._("👋 {first} and {second} joined your team.", first=names[0], second=names[1])
    return tr.n_(
        "👋 {names} and {count} other joined your team.",
        "👋 {names} and {count} others joined your team.",
        len(names) - 2,
        names=", ".join(names[:2]),
    )


@dataclass(frozen=True)
class PendingNews:
    """A teammate's news waiting in the outbox, as stored."""

    text: str
    joined: str | None = None
    """The name of who joined, for "joined" news (summed up with the others)."""
    markup: str | None = None
    voices: tuple[VoiceKey, ...] = ()


def team_news(tr: Translator, pending: Sequence[PendingNews]) -> list[Reply]:
    """A chat's waiting news in as few messages as possible: who joined summed up in one line
    (where the first of them stood), the rest gathered as `render` gathers an action's events."""
    names = [news.joined for news in pending if news.joined is not None]
    parts: list[Reply] = []
    summed_up = False
    for news in pending:
        if news.joined is None:
            parts.append(Reply(news.text, markup_from_json(news.markup), news.voices))
        elif not summed_up:
            parts.append(Reply(joined_summary(tr, names)))
            summed_up = True
    return gather(parts)
