""" "My city guide": every stage's practical card on A4 pages, in the reader's language.

What the bot shows of a place in the chat (`bot.telegram.render.play.card`) is what a player
needs after the day too: its address, hours, what to bring, the tram or bus, the phone, and the
French words heard there with their meaning. The guide keeps all of it on paper, one block per
place, in route order. Names of places are also given in French, as on the street signs;
addresses, stops and phone numbers stay in French, kept left to right inside right-to-left text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from babel import Locale

from bot.core.content import Card, Rally, Stage
from bot.i18n.opening import day_range, time_ranges
from bot.printing.pdf import escape, language_attributes, render_pdf

FRENCH = "fr"


@dataclass(frozen=True)
class GuideWording:
    """The guide's own words in one language."""

    heading: str
    address: str
    bring: str
    transit: str
    phone: str
    words: str


# The same words as the chat's practical card (locales/*/messages.po), drafted with machine
# assistance like them: to be reviewed by a native speaker of each language.
GUIDE_WORDINGS: Mapping[str, GuideWording] = {
    "fr": GuideWording(
        "Mon guide de la ville",
        "📍 Adresse :",
        "🎒 À apporter :",
        "🚋 Tram ou bus :",
        "☎️ Téléphone :",
        "🇫🇷 Mots français utiles :",
    ),
    "en": GuideWording(
        "My city guide",
        "📍 Address:",
        "🎒 Bring:",
        "🚋 Tram or bus:",
        "☎️ Phone:",
        "🇫🇷 Useful French words:",
    ),
    "ar": GuideWording(
        "دليلي في المدينة",
        "📍 العنوان:",
        "🎒 ما يجب إحضاره:",
        "🚋 الترام أو الحافلة:",
        "☎️ الهاتف:",
        "🇫🇷 كلمات فرنسية مفيدة:",
    ),
    "fa_AF": GuideWording(
        "رهنمای شهر من",
        "📍 آدرس:",
        "🎒 با خود بیاورید:",
        "🚋 ترام یا بس:",
        "☎️ تلفون:",
        "🇫🇷 کلمه‌های مفید فرانسوی:",
    ),
    "ps": GuideWording(
        "زما د ښار لارښود",
        "📍 پته:",
        "🎒 له ځان سره راوړئ:",
        "🚋 ټرام یا بس:",
        "☎️ ټیلیفون:",
        "🇫🇷 ګټور فرانسوي لغتونه:",
    ),
    "ti": GuideWording(
        "መምርሒ ከተማይ",
        "📍 ኣድራሻ:",
        "🎒 ሒዝኩም ምጹ:",
        "🚋 ትራም ወይ ኣውቶቡስ:",
        "☎️ ተሌፎን:",
        "🇫🇷 ጠቐምቲ ቃላት ፈረንሳይኛ:",
    ),
    "uk": GuideWording(
        "Мій путівник містом",
        "📍 Адреса:",
        "🎒 Взяти з собою:",
        "🚋 Трамвай або автобус:",
        "☎️ Телефон:",
        "🇫🇷 Корисні французькі слова:",
    ),
    "ru": GuideWording(
        "Мой путеводитель по городу",
        "📍 Адрес:",
        "🎒 Взять с собой:",
        "🚋 Трамвай или автобус:",
        "☎️ Телефон:",
        "🇫🇷 Полезные французские слова:",
    ),
    "tr": GuideWording(
        "Şehir rehberim",
        "📍 Adres:",
        "🎒 Yanınıza alın:",
        "🚋 Tramvay veya otobüs:",
        "☎️ Telefon:",
        "🇫🇷 Faydalı Fransızca kelimeler:",
    ),
    "bn": GuideWording(
        "আমার শহরের গাইড",
        "📍 ঠিকানা:",
        "🎒 সঙ্গে আনুন:",
        "🚋 ট্রাম বা বাস:",
        "☎️ ফোন:",
        "🇫🇷 দরকারি ফরাসি শব্দ:",
    ),
}


def guide_language(rally: Rally, language: str) -> str:
    """The language of the guide's own words: the reader's if the guide has them, else the
    rally's default language, else English."""
    for candidate in (language, rally.default_language):
        if candidate in GUIDE_WORDINGS:
            return candidate
    return "en"


class _Texts:
    """A reader's rally texts: in their language, else in the rally's default (marked so)."""

    def __init__(self, rally: Rally, language: str) -> None:
        self.language = language
        self.default = rally.default_language

    def __call__(self, texts: Mapping[str, str], tag: str = "span", css_class: str = "") -> str:
        language = self.language if self.language in texts else self.default
        classes = f' class="{css_class}"' if css_class else ""
        return f"<{tag}{classes} {language_attributes(language)}>{escape(texts[language])}</{tag}>"


def _french(text: str) -> str:
    """A French text of the rally file kept as written (an address, a stop, a phone)."""
    return f"<span {language_attributes(FRENCH)}>{escape(text)}</span>"


def _line(label: str, value: str) -> str:
    return f'<p class="line"><span class="label">{escape(label)}</span> {value}</p>'


def _card(card: Card, words: GuideWording, text: _Texts) -> str:
    lines = [_line(words.address, _french(card.address))] if card.address else []
    if card.opening:  # the week in the reader's language: Babel's day names and times
        locale = Locale.parse(text.language)
        days = [
            f'<span class="label">{escape(day_range(days, locale))}</span> '
            f"{escape(time_ranges(ranges, locale))}"
            for days, ranges in card.week.runs()
        ]
        lines.append(
            f'<p class="line" {language_attributes(text.language)}>'
            f'<span class="label">🕘</span> {"<br>".join(days)}</p>'
        )
    if card.hours:  # a sentence of its own in the rally file ("Visiting hours: ...")
        lines.append(f'<p class="line"><span class="label">🕘</span> {text(card.hours)}</p>')
    if card.bring:
        lines.append(_line(words.bring, text(card.bring)))
    if card.transit:
        lines.append(_line(words.transit, _french(card.transit)))
    if card.phone:
        lines.append(_line(words.phone, _french(card.phone)))
    if card.website:  # an address to type: kept left to right, as written
        lines.append(f'<p class="line"><span class="label">🌐</span> {_french(card.website)}</p>')
    if card.words:
        rows = "".join(
            f'<tr><td class="word" {language_attributes(FRENCH)}>{escape(word.fr)}</td>'
            f"<td>{text(word.meaning)}</td></tr>"
            for word in card.words
        )
        lines.append(f'<h3>{escape(words.words)}</h3><table class="words">{rows}</table>')
    return "".join(lines)


def _place(number: int, stage: Stage, card: Card, words: GuideWording, text: _Texts) -> str:
    french_name = stage.name.get(FRENCH)
    also = (
        f'<p class="french-name" {language_attributes(FRENCH)}>{escape(french_name)}</p>'
        if french_name and text.language != FRENCH
        else ""
    )
    return (
        '<section class="place">'
        f'<h2><span class="number">{number}</span> {text(stage.name)}</h2>'
        f"{also}{_card(card, words, text)}"
        "</section>"
    )


GUIDE_CSS = """
@page {
    margin: 15mm 15mm 17mm;
    @bottom-center {
        content: counter(page) " / " counter(pages); direction: ltr; font-size: 8pt;
        color: #616161;
    }
}
header { border-bottom: 1.2pt solid #2d4a6b; padding-bottom: 3mm; margin-bottom: 6mm; }
h1 { font-size: 22pt; color: #2d4a6b; line-height: 1.2; }
.rally { color: #52606d; font-size: 10.5pt; margin-top: 1mm; }
.place { break-inside: avoid; margin-bottom: 7mm; }
h2 { font-size: 14pt; line-height: 1.25; color: #1a1a1a; }
h2 .number {
    display: inline-block; min-width: 6.5mm; padding: 0 1mm; margin: 0 1mm;
    background: #2d4a6b; color: white; text-align: center; border-radius: 1mm;
}
/* French kept left to right, but aligned as the page is: on the right of a right-to-left page */
.french-name {
    color: #52606d; font-style: italic; margin-bottom: 1.5mm; text-align: inherit;
}
.line { margin: 1mm 0; }
.label { font-weight: bold; }
h3 { font-size: 11pt; margin-top: 2.5mm; margin-bottom: 1mm; }
.words { border-collapse: collapse; width: 100%; }
.words td { border-top: 0.4pt solid #c8ced6; padding: 1.2mm 2mm; vertical-align: top; }
.words td.word { font-weight: bold; width: 32%; text-align: inherit; }
"""


def guide_pdf(rally: Rally, language: str) -> bytes:
    """ "My city guide" in a language: the practical card of every stage that has one."""
    words = GUIDE_WORDINGS[guide_language(rally, language)]
    text = _Texts(rally, language)
    places = [stage for stage in rally.stages if stage.card is not None]
    blocks = "".join(
        _place(number, stage, stage.card, words, text)
        for number, stage in enumerate(places, start=1)
        if stage.card is not None
    )
    heading = (
        f"<header><h1>{escape(words.heading)}</h1>{text(rally.rally.title, 'p', 'rally')}</header>"
    )
    title = rally.rally.title.get(language) or rally.rally.title[rally.default_language]
    return render_pdf(
        heading + blocks,
        title=f"{words.heading} — {title}",
        language=language,
        stylesheet=GUIDE_CSS,
    )
