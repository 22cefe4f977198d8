"""The report's own words, in French (the funders') and English, and its number formats.

The report is written for the organisers and their funders, not for the players: its words are
not the bot's catalogs (`locales/`) but these two sets. A rally's own texts (its title, its
stages' names, its questions) come from the rally file, in the report's language when the file
has it, else in the rally's default language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, tzinfo

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent

from bot.i18n.catalogs import language_name

OWN_NAMES = {"fa_AF": {"fr": "dari", "en": "Dari"}}
"""Names Babel gives otherwise ("persan (Afghanistan)"; Afghans call it Dari)."""


class ReportLanguage(enum.StrEnum):
    """The languages the report is written in."""

    FR = "fr"
    EN = "en"


@dataclass(frozen=True)
class Labels:  # one field per text of the report, so that mypy finds a missing one
    """The report's words in one language."""

    language: ReportLanguage
    title: str
    comparison_title: str
    made_on: str
    no_names: str
    period: str
    not_started: str
    phase: str
    phases: dict[str, str]
    purged: str
    # who came
    who_came: str
    players: str
    teams: str
    teams_playing: str
    teams_started: str
    teams_finished: str
    players_finished: str
    players_gone: str
    duration: str
    team_size: str
    language_column: str
    finished_column: str
    players_by_language: str
    registered: str
    # the route
    route: str
    stage: str
    reached: str
    skipped: str
    walking: str
    at_stage: str
    methods: dict[str, str]
    distance: str
    reached_chart: str
    times_chart: str
    walking_legend: str
    at_stage_legend: str
    methods_chart: str
    position_share: str
    no_located_stage: str
    route_definitions: str
    # learning
    learning: str
    question: str
    questions: str
    topic: str
    topics: dict[str, str]
    answered: str
    right_first: str
    right_first_share: str
    right: str
    right_first_chart: str
    by_topic: str
    hints: str
    hints_column: str
    hint_teams: str
    hint_points: str
    hints_chart: str
    learning_definitions: str
    # the survey
    survey: str
    no_survey: str
    answer: str
    total: str
    # incidents
    incidents: str
    count: str
    lost_alerts: str
    not_recorded: str
    idle_teams: str
    photos_approved: str
    photos_rejected: str
    photos_pending: str
    skips: str
    staffed_checkins: str
    awards: str
    broadcasts: str
    pauses: str
    photos_chart: str
    not_recorded_note: str
    # the ranking
    ranking: str
    rank: str
    team: str
    score: str
    stages_done: str
    finished_mark: str
    ranking_more: str
    # the comparison
    rally: str
    finished_share: str
    gps_share: str
    hints_per_team: str
    comparison_people_chart: str
    comparison_shares_chart: str
    # /report
    caption_pdf: str
    caption_csv: str
    usage: str
    no_rally: str
    failed: str
    none: str

    @property
    def locale(self) -> Locale:
        """The Babel locale numbers and dates are written in."""
        return Locale.parse(self.language.value)

    def number(self, value: float | None, digits: int = 1) -> str:
        """A number (a tenth at most, by default), or a dash for none."""
        if value is None:
            return self.none
        pattern = "#,##0" + ("." + "#" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: float | None) -> str:
        """A share as a whole percentage, or a dash for none."""
        if value is None:
            return self.none
        return format_percent(value, locale=self.locale)

    def minutes(self, value: float | None) -> str:
        """A duration in minutes, or a dash for none."""
        return self.none if value is None else f"{self.number(value)} min"

    def moment(self, value: datetime | None, zone: tzinfo) -> str:
        """A date and time in the rally's time zone."""
        if value is None:
            return self.none
        return format_datetime(value, format="medium", tzinfo=zone, locale=self.locale)

    def language_name(self, tag: str) -> str:
        """A language's name in the report's language ("arabe"), for the charts."""
        own = OWN_NAMES.get(tag)
        if own is not None:
            return own[self.language.value]
        try:
            name = Locale.parse(tag.replace("-", "_")).get_display_name(self.locale)
        except (ValueError, LookupError):
            name = None
        return name or tag

    def language_in_full(self, tag: str) -> str:
        """A language's name in itself and in the report's language: "العربية (arabe)"."""
        own, ours = language_name(tag), self.language_name(tag)
        return own if own.casefold() == ours.casefold() else f"{own} ({ours})"


FR = Labels(
    language=ReportLanguage.FR,
    title="Rapport d'évaluation",
    comparison_title="Comparaison des rallyes",
    made_on="Rapport établi le {date}.",
    no_names=(
        "Ce rapport ne nomme aucun joueur (ni nom, ni identifiant Telegram) : il peut être "
        "partagé. Les noms d'équipes et d'étapes sont ceux choisis par les organisateurs."
    ),
    period="Rallye lancé le {start}, terminé le {end}.",
    not_started="Rallye pas encore lancé.",
    phase="État du rallye : {phase}.",
    phases={
        "draft": "en préparation",
        "open": "inscriptions ouvertes",
        "running": "en cours",
        "paused": "en pause",
        "finished": "terminé",
    },
    purged=(
        "Les données personnelles des joueurs ont été effacées (fin de la durée de "
        "conservation) ; les chiffres de ce rapport n'en dépendent pas."
    ),
    who_came="Qui est venu",
    players="Joueurs dans une équipe",
    teams="Équipes du rallye",
    teams_playing="Équipes avec au moins un joueur",
    teams_started="Équipes parties",
    teams_finished="Équipes arrivées au bout du parcours",
    players_finished="Joueurs arrivés au bout (leur équipe a fini)",
    players_gone="Joueurs partis de leur équipe, ou qui ont effacé leurs données",
    duration="Durée médiane du parcours (équipes arrivées)",
    team_size="Taille médiane des équipes",
    language_column="Langue",
    finished_column="Arrivés au bout",
    players_by_language="Joueurs par langue de lecture du bot",
    registered="dans une équipe",
    route="Le parcours",
    stage="Étape",
    reached="Équipes arrivées",
    skipped="Passées (/skip)",
    walking="Marche (min)",
    at_stage="À l'étape (min)",
    methods={
        "location": "position",
        "live_location": "position en direct",
        "code": "mot de passe",
        "organiser": "organisateur",
    },
    distance="Distance médiane (m)",
    reached_chart="Équipes arrivées à chaque étape",
    times_chart="Temps médians par étape (minutes)",
    walking_legend="marche depuis l'étape précédente",
    at_stage_legend="temps passé à l'étape",
    methods_chart="Comment les équipes ont validé leur arrivée",
    position_share=(
        "Aux étapes géolocalisées, {share} des arrivées ont été validées par la position du "
        "téléphone ; les autres l'ont été par le mot de passe ou par un organisateur : c'est la "
        "mesure de la fiabilité du GPS."
    ),
    no_located_stage="Aucune étape n'a de position : toutes les arrivées se font par mot de passe.",
    route_definitions=(
        "Temps à l'étape : de l'arrivée à la dernière réponse donnée à l'étape. Marche : de la "
        "dernière réponse à l'étape précédente (ou de son arrivée si elle n'a pas de question ; "
        "du départ pour la première étape) à l'arrivée. Les pauses du rallye sont comprises ; "
        "une étape passée par un organisateur n'a pas de fin enregistrée, la marche qui suit "
        "n'est pas comptée. Médianes sur les équipes comptées."
    ),
    learning="Apprentissage",
    question="Question",
    questions="Questions",
    topic="Thème",
    topics={"heritage": "patrimoine", "services": "services publics", "transport": "transports"},
    answered="Équipes",
    right_first="Justes du 1er coup",
    right_first_share="Part",
    right="Justes au final",
    right_first_chart="Bonnes réponses du premier coup, par question",
    by_topic="Par thème",
    hints="Indices demandés",
    hints_column="Indices",
    hint_teams="Équipes",
    hint_points="Points perdus",
    hints_chart="Indices demandés par étape",
    learning_definitions=(
        "Part des équipes dont la première réponse était juste, parmi celles qui ont répondu. "
        "Un indice aide à trouver l'étape ; chacun coûte des points."
    ),
    survey="Questionnaire de fin de rallye",
    no_survey="Pas de données de questionnaire.",
    answer="Réponse",
    total="Total",
    incidents="Incidents de la journée",
    count="Nombre",
    lost_alerts="Alertes SOS « nous sommes perdus »",
    not_recorded="non enregistré",
    idle_teams="Équipes signalées inactives (au moins une fois)",
    photos_approved="Photos approuvées",
    photos_rejected="Photos refusées",
    photos_pending="Photos en attente de validation",
    skips="Étapes passées par un organisateur (/skip)",
    staffed_checkins="Arrivées validées par un organisateur (/checkin)",
    awards="Corrections de points (/award)",
    broadcasts="Messages à tous (/broadcast, /announce)",
    pauses="Pauses du rallye",
    photos_chart="Photos des missions",
    not_recorded_note=(
        "Ce que le bot n'enregistre pas, et qui manque donc ici : les alertes SOS (gardées en "
        "mémoire le temps de la journée, perdues à un redémarrage) ; le nombre d'alertes "
        "d'inactivité envoyées (seule la dernière de chaque équipe est gardée) ; l'étape passée "
        "par un /skip ; le moment où une équipe commence les questions."
    ),
    ranking="Classement",
    rank="Rang",
    team="Équipe",
    score="Points",
    stages_done="Étapes faites",
    finished_mark="arrivée",
    ranking_more="… et {count} autres équipes (toutes dans le fichier CSV).",
    rally="Rallye",
    finished_share="Part arrivée",
    gps_share="Arrivées par GPS",
    hints_per_team="Indices par équipe",
    comparison_people_chart="Joueurs et arrivées par rallye",
    comparison_shares_chart="Réussite et fiabilité du GPS par rallye",
    caption_pdf="📊 Rapport d'évaluation : {rallies}. Sans nom de joueur, il peut être partagé.",
    caption_csv="Les chiffres du rapport (une ligne par chiffre), pour un tableur.",
    usage=(
        "/report : le rapport d'évaluation (PDF et chiffres en CSV) de vos rallyes.\n"
        "/report ID : celui d'un rallye ({rallies}). /report en : en anglais."
    ),
    no_rally="Aucun rallye « {rally} » parmi ceux que vous administrez ({rallies}).",
    failed="Le fichier {file} n'a pas pu être envoyé. Réessayez dans un moment.",
    none="–",
)

EN = Labels(
    language=ReportLanguage.EN,
    title="Evaluation report",
    comparison_title="The rallies compared",
    made_on="Report made on {date}.",
    no_names=(
        "This report names no player (no name, no Telegram id): it may be shared. Team and "
        "stage names are the organisers' own."
    ),
    period="Rally started on {start}, finished on {end}.",
    not_started="The rally has not started yet.",
    phase="The rally is {phase}.",
    phases={
        "draft": "being prepared",
        "open": "open for joining",
        "running": "running",
        "paused": "paused",
        "finished": "finished",
    },
    purged=(
        "The players' personal data was erased (its retention period is over); the figures of "
        "this report do not depend on it."
    ),
    who_came="Who came",
    players="Players in a team",
    teams="Teams of the rally",
    teams_playing="Teams with at least one player",
    teams_started="Teams that started",
    teams_finished="Teams that finished the route",
    players_finished="Players who finished (their team did)",
    players_gone="Players who left their team, or erased their data",
    duration="Median time on the route (teams that finished)",
    team_size="Median team size",
    language_column="Language",
    finished_column="Finished",
    players_by_language="Players by the language they read the bot in",
    registered="in a team",
    route="The route",
    stage="Stage",
    reached="Teams that reached it",
    skipped="Skipped (/skip)",
    walking="Walking (min)",
    at_stage="At the stage (min)",
    methods={
        "location": "location",
        "live_location": "live location",
        "code": "code word",
        "organiser": "organiser",
    },
    distance="Median distance (m)",
    reached_chart="Teams that reached each stage",
    times_chart="Median times per stage (minutes)",
    walking_legend="walking from the previous stage",
    at_stage_legend="time at the stage",
    methods_chart="How teams checked in",
    position_share=(
        "At the stages with a location, {share} of the check-ins were made by the phone's "
        "position; the others by the code word or by an organiser: this measures how well GPS "
        "worked."
    ),
    no_located_stage="No stage has a location: every check-in is by code word.",
    route_definitions=(
        "Time at a stage: from the check-in to the last answer given there. Walking: from the "
        "last answer at the previous stage (or its check-in if it has no question; the start for "
        "the first stage) to the check-in. The rally's pauses are included; a stage an organiser "
        "skipped has no recorded end, so the walk after it is not counted. Medians over the "
        "teams counted."
    ),
    learning="Learning",
    question="Question",
    questions="Questions",
    topic="Topic",
    topics={"heritage": "heritage", "services": "public services", "transport": "transport"},
    answered="Teams",
    right_first="Right first time",
    right_first_share="Share",
    right="Right in the end",
    right_first_chart="Right first answers, by question",
    by_topic="By topic",
    hints="Hints taken",
    hints_column="Hints",
    hint_teams="Teams",
    hint_points="Points lost",
    hints_chart="Hints taken per stage",
    learning_definitions=(
        "The share of the teams whose first answer was right, among those that answered. A hint "
        "helps find the stage; each one costs points."
    ),
    survey="End-of-rally survey",
    no_survey="No survey data.",
    answer="Answer",
    total="Total",
    incidents="The day's incidents",
    count="Count",
    lost_alerts='SOS "we are lost" alerts',
    not_recorded="not recorded",
    idle_teams="Teams flagged idle (at least once)",
    photos_approved="Photos approved",
    photos_rejected="Photos rejected",
    photos_pending="Photos waiting for review",
    skips="Stages skipped by an organiser (/skip)",
    staffed_checkins="Check-ins by an organiser (/checkin)",
    awards="Score corrections (/award)",
    broadcasts="Messages to everyone (/broadcast, /announce)",
    pauses="Pauses of the rally",
    photos_chart="Mission photos",
    not_recorded_note=(
        "What the bot does not record, and so is missing here: the SOS alerts (kept in memory for "
        "the day, lost at a restart); how many idle alerts were sent (only each team's latest is "
        "kept); which stage a /skip skipped; when a team began a stage's questions."
    ),
    ranking="Ranking",
    rank="Rank",
    team="Team",
    score="Points",
    stages_done="Stages done",
    finished_mark="finished",
    ranking_more="… and {count} more teams (all of them in the CSV file).",
    rally="Rally",
    finished_share="Finished",
    gps_share="Check-ins by GPS",
    hints_per_team="Hints per team",
    comparison_people_chart="Players and finishers per rally",
    comparison_shares_chart="Right answers and GPS reliability per rally",
    caption_pdf="📊 Evaluation report: {rallies}. It names no player and may be shared.",
    caption_csv="The report's figures (one row per figure), for a spreadsheet.",
    usage=(
        "/report: the evaluation report (PDF, and the figures as CSV) of your rallies.\n"
        "/report ID: one rally's ({rallies}). /report fr: in French."
    ),
    no_rally='No rally "{rally}" among those you run ({rallies}).',
    failed="The file {file} could not be sent. Try again in a moment.",
    none="–",
)

LABELS = {ReportLanguage.FR: FR, ReportLanguage.EN: EN}


def labels(language: ReportLanguage) -> Labels:
    """The report's words in a language."""
    return LABELS[language]
