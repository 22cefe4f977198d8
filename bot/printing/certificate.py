"""The certificate of participation: an A4 page a player keeps, prints and shows.

It says, in French and in the player's language side by side, that the player took part in the
rally on that day, and which places they visited; it is signed by the rally's `signed_by` (the
controller named in `privacy` if the rally file names nobody). The player's name is printed as
they typed it: their own script, their own spelling, never stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from bot.core.content import Rally
from bot.printing.pdf import escape, language_attributes, render_pdf, text_direction

FRENCH = "fr"
MAX_NAME_LENGTH = 80


@dataclass(frozen=True)
class Wording:
    """The certificate's own sentences in one language."""

    heading: str
    awarded_to: str
    took_part: str
    """With `{rally}` (the rally's title) and `{date}` (the day, written out)."""
    places: str
    signed: str


# Machine drafts, to be reviewed by a native speaker of each language before they are printed.
# The sentences avoid verbs and pronouns that agree with the player's gender (Arabic, Russian,
# Ukrainian, Tigrinya...): the certificate does not know it, and must not ask.
WORDINGS: Mapping[str, Wording] = {
    "fr": Wording(
        heading="Attestation de participation",
        awarded_to="décernée à",
        took_part="pour sa participation à « {rally} », le {date}.",
        places="Lieux visités :",
        signed="Pour les organisateurs :",
    ),
    "en": Wording(
        heading="Certificate of participation",
        awarded_to="awarded to",
        took_part="for taking part in “{rally}” on {date}.",
        places="Places visited:",
        signed="For the organisers:",
    ),
    "ar": Wording(
        heading="شهادة مشاركة",
        awarded_to="تُمنح إلى",
        took_part="تقديرًا للمشاركة في «{rally}» بتاريخ {date}.",
        places="الأماكن التي تمت زيارتها:",
        signed="عن المنظمين:",
    ),
    "fa_AF": Wording(
        heading="تصدیق‌نامهٔ اشتراک",
        awarded_to="اعطا شده به",
        took_part="به پاس اشتراک در «{rally}» به تاریخ {date}.",
        places="جاهایی که بازدید شد:",
        signed="از طرف برگزارکنندگان:",
    ),
    "ps": Wording(
        heading="د ګډون تصدیق‌نامه",
        awarded_to="ترلاسه کوونکی:",
        took_part="په «{rally}» کې د ګډون لپاره، په {date} نېټه.",
        places="لیدل شوي ځایونه:",
        signed="د تنظیموونکو له خوا:",
    ),
    "ti": Wording(
        heading="ምስክር ወረቐት ተሳትፎ",
        awarded_to="ስም ተሳታፊ፦",
        took_part="ኣብ «{rally}» ስለ ዝገበርዎ ተሳትፎ፣ {date}።",
        places="ዝተበጽሑ ቦታታት፦",
        signed="ብስም ኣዳለውቲ፦",
    ),
    "uk": Wording(
        heading="Сертифікат учасника",
        awarded_to="Видано:",
        took_part="за участь у «{rally}», {date}.",
        places="Відвідані місця:",
        signed="Від організаторів:",
    ),
    "ru": Wording(
        heading="Сертификат участника",
        awarded_to="Выдан:",
        took_part="за участие в «{rally}», {date}.",
        places="Посещённые места:",
        signed="От организаторов:",
    ),
    "tr": Wording(
        heading="Katılım Belgesi",
        awarded_to="Katılımcı:",
        took_part="{date} tarihinde «{rally}» etkinliğine katılımından dolayı verilmiştir.",
        places="Ziyaret edilen yerler:",
        signed="Organizatörler adına:",
    ),
    "bn": Wording(
        heading="অংশগ্রহণের সনদপত্র",
        awarded_to="প্রাপক:",
        took_part="{date} তারিখে “{rally}”-এ অংশগ্রহণের জন্য।",
        places="যেসব জায়গায় যাওয়া হয়েছে:",
        signed="আয়োজকদের পক্ষে:",
    ),
}

# What a typed name may not carry: control characters, and the bidirectional embeddings,
# overrides and isolates that would turn the text around it (U+202A-U+202E, U+2066-U+2069).
# Joiners (ZWNJ in Dari and Pashto names, ZWJ in Bengali) stay: they change how a name reads.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


class FullNameError(ValueError):
    """A typed name that cannot be printed: empty, or longer than `MAX_NAME_LENGTH`.

    The message never holds the name (it may be logged)."""


def printed_name(typed: str) -> str:
    """The name as it will be printed: as typed, without control characters and with its
    spaces tidied; `FullNameError` if nothing is left or it is too long."""
    kept = "".join(
        " " if char.isspace() else char
        for char in _BIDI_CONTROLS.sub("", typed)
        if char.isspace() or unicodedata.category(char) != "Cc"
    )
    name = " ".join(kept.split())
    if not name:
        raise FullNameError("the name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise FullNameError(f"the name is longer than {MAX_NAME_LENGTH} characters")
    return name


def wording_language(rally: Rally, language: str) -> str:
    """The language the certificate speaks beside French: the player's if the certificate
    has its sentences, else the rally's default language, else English."""
    for candidate in (language, rally.default_language):
        if candidate in WORDINGS:
            return candidate
    return "en"


def _localized(texts: Mapping[str, str], language: str, default: str) -> str:
    return texts.get(language) or texts[default]


def _column(rally: Rally, language: str, name: str, places: Sequence[str], day: date) -> str:
    words = WORDINGS[language]
    default = rally.default_language
    rally_title = f"<b>{escape(_localized(rally.rally.title, language, default))}</b>"
    written_day = escape(format_date(day, format="long", locale=language))
    took_part = escape(words.took_part).format(rally=rally_title, date=written_day)
    place_items = "".join(
        f"<li>{escape(_localized(rally.stage(stage_id).name, language, default))}</li>"
        for stage_id in places
    )
    visited = (
        f'<p class="places-heading">{escape(words.places)}</p><ol>{place_items}</ol>'
        if places
        else ""
    )
    return (
        f'<section class="column" {language_attributes(language)}>'
        f"<h1>{escape(words.heading)}</h1>"
        f'<p class="awarded">{escape(words.awarded_to)}</p>'
        f'<p class="name" dir="{text_direction(name)}">{escape(name)}</p>'
        f'<p class="took-part">{took_part}</p>'
        f"{visited}"
        "</section>"
    )


CERTIFICATE_CSS = """
@page { margin: 18mm 16mm; }
.frame {
    border: 1.2pt solid #2d4a6b; outline: 0.4pt solid #2d4a6b; outline-offset: 1.2mm;
    padding: 10mm 9mm; min-height: 246mm; box-sizing: border-box;
    display: flex; flex-direction: column;
}
.rally { text-align: center; font-size: 10pt; color: #52606d; margin-bottom: 8mm; }
.columns { display: flex; gap: 10mm; flex: 1 1 auto; }
.column { flex: 1 1 0; }
.column[dir="rtl"] ol { padding-left: 0; padding-right: 6mm; }
.column ol { padding-left: 6mm; margin: 1mm 0 0 0; }
h1 { font-size: 19pt; line-height: 1.2; color: #2d4a6b; margin-bottom: 8mm; }
.awarded { font-size: 11pt; color: #52606d; }
/* a name runs in its own direction, but is aligned as its column is */
.name {
    font-size: 21pt; font-weight: bold; margin: 2mm 0 5mm 0; overflow-wrap: anywhere;
    text-align: inherit;
}
.took-part { margin-bottom: 6mm; }
.places-heading { font-weight: bold; }
.signature { margin-top: 10mm; display: flex; justify-content: flex-end; }
.signature .box { width: 80mm; text-align: center; }
.signature .line { border-bottom: 0.6pt solid #1a1a1a; height: 16mm; margin-bottom: 2mm; }
.signature .label { font-size: 9.5pt; color: #52606d; text-align: center; }
.single .column, .single .column [dir] { text-align: center; }
.single .column ol { list-style-position: inside; padding: 0; }
.signature .by { font-weight: bold; text-align: center; }
"""


def certificate_pdf(
    rally: Rally, language: str, full_name: str, places: Sequence[str], day: date
) -> bytes:
    """The A4 certificate of participation of a player, in French and in their language.

    `places` are the ids of the stages they visited, in order; `full_name` is printed as
    typed (`printed_name`), `FullNameError` (a `ValueError`) if it cannot be.
    """
    name = printed_name(full_name)
    unknown = [stage_id for stage_id in places if not rally.has_stage(stage_id)]
    if unknown:
        raise KeyError(f"no stage {', '.join(unknown)} in rally {rally.id}")
    other = wording_language(rally, language)
    languages = [FRENCH] if other == FRENCH else [FRENCH, other]
    columns = "".join(_column(rally, lang, name, places, day) for lang in languages)
    signer = rally.rally.signed_by or rally.privacy.controller
    labels = "".join(
        f'<p class="label" {language_attributes(lang)}>{escape(WORDINGS[lang].signed)}</p>'
        for lang in languages
    )
    title = _localized(rally.rally.title, FRENCH, rally.default_language)
    body = (
        '<div class="frame">'
        f'<p class="rally" {language_attributes(FRENCH)}>{escape(title)}</p>'
        f'<div class="columns{"" if len(languages) > 1 else " single"}">{columns}</div>'
        '<div class="signature"><div class="box">'
        f"{labels}"
        '<div class="line"></div>'
        f'<p class="by" dir="{text_direction(signer)}">{escape(signer)}</p>'
        "</div></div>"
        "</div>"
    )
    return render_pdf(
        body,
        title=f"{WORDINGS[FRENCH].heading} — {title}",
        language=FRENCH,
        stylesheet=CERTIFICATE_CSS,
    )
