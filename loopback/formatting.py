"""Message text as Telegram reads it: parse modes, entities and UTF-16 lengths.

The HTML and MarkdownV2 parsers follow TDLib's (the library behind the Bot API server), so the
loopback server refuses the markup Telegram refuses, with Telegram's wording. One deliberate
difference: a raw `&` that starts no HTML entity is refused in strict mode (Telegram keeps it
literally), because it means the bot forgot to escape text it did not write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

_HTML_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "blockquote": "blockquote",
}
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,4}));")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_ASCII_LIMIT = 126


class EntityParseError(ValueError):
    """Malformed markup; the message is Telegram's text after `can't parse entities: `."""


@dataclass(frozen=True)
class FormattedText:
    """Text as the user sees it, with its entities (offsets in UTF-16 code units)."""

    text: str
    entities: list[JsonDict] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def format_text(
    source: str,
    parse_mode: str | None,
    entities: list[JsonDict] | None = None,
    *,
    strict_html: bool = True,
) -> FormattedText:
    """Parse `source` by parse mode (or take explicit entities), then trim like Telegram."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parsed = parse_html(source, strict_ampersand=strict_html)
    elif mode == "markdownv2":
        parsed = parse_markdown_v2(source)
    elif mode == "markdown":
        parsed = parse_markdown(source)
    elif mode == "":
        parsed = FormattedText(source, list(entities or []))
    else:
        raise EntityParseError(f"unsupported parse_mode {parse_mode!r}")
    return _strip(parsed)


def _strip(parsed: FormattedText) -> FormattedText:
    """Telegram trims surrounding whitespace and moves the entities with the text."""
    stripped = parsed.text.strip()
    if stripped == parsed.text:
        return parsed
    lead = utf16_len(parsed.text[: len(parsed.text) - len(parsed.text.lstrip())])
    total = utf16_len(stripped)
    entities: list[JsonDict] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _sorted(entities: list[JsonDict]) -> list[JsonDict]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# --- HTML ---------------------------------------------------------------------------------


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int


def _decode_html_entity(source: str, index: int) -> tuple[str, int] | None:
    match = _HTML_ENTITY.match(source, index)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = _HTML_NAMED_ENTITIES.get(name)
        return None if char is None else (char, match.end() - index)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end() - index


def parse_html(source: str, *, strict_ampersand: bool = True) -> FormattedText:
    """Parse Telegram's HTML subset, refusing what TDLib refuses."""
    parser = _HtmlParser(source, strict_ampersand=strict_ampersand)
    return parser.parse()


class _HtmlParser:
    def __init__(self, source: str, *, strict_ampersand: bool) -> None:
        self.source = source
        self.strict_ampersand = strict_ampersand
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JsonDict] = []

    def error_at(self, message: str, index: int) -> EntityParseError:
        return EntityParseError(f"{message} at byte offset {_byte_offset(self.source, index)}")

    def emit(self, chars: str) -> None:
        self.out.append(chars)
        self.utf16 += utf16_len(chars)

    def parse(self) -> FormattedText:
        source, i = self.source, 0
        while i < len(source):
            char = source[i]
            if char == "&":
                decoded = _decode_html_entity(source, i)
                if decoded is not None:
                    self.emit(decoded[0])
                    i += decoded[1]
                    continue
                if self.strict_ampersand:
                    raise self.error_at('Unescaped "&" (loopback strict mode)', i)
            if char != "<":
                self.emit(char)
                i += 1
                continue
            if i + 1 < len(source) and source[i + 1] == "/":
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        return FormattedText("".join(self.out), _sorted(self.entities))

    def skip_spaces(self, i: int) -> int:
        while i < len(self.source) and self.source[i].isspace():
            i += 1
        return i

    def start_tag(self, begin: int) -> int:
        source, i = self.source, begin + 1
        while i < len(source) and not source[i].isspace() and source[i] != ">":
            i += 1
        if i >= len(source):
            raise self.error_at("Unclosed start tag", begin)
        name = source[begin + 1 : i].lower()
        if name not in _HTML_TAG_TYPES:
            raise self.error_at(f'Unsupported start tag "{name}"', begin)
        argument, i = self.attributes(name, begin, i)
        if name == "span" and argument != "spoiler":
            raise self.error_at('Tag "span" must have class "tg-spoiler"', begin)
        self.stack.append(_OpenTag(name, argument, self.utf16))
        return i + 1

    def attributes(self, name: str, begin: int, i: int) -> tuple[str, int]:
        """Read a start tag's attributes up to its `>`; return the tag's argument and index."""
        source, argument = self.source, ""
        while True:
            i = self.skip_spaces(i)
            if i >= len(source):
                raise self.error_at(f'Unclosed start tag "{name}"', begin)
            if source[i] == ">":
                break
            attribute_start = i
            while i < len(source) and not source[i].isspace() and source[i] not in "=>":
                i += 1
            attribute = source[attribute_start:i].lower()
            if not attribute:
                raise self.error_at(f'Empty attribute name in the tag "{name}"', begin)
            i = self.skip_spaces(i)
            if i >= len(source) or source[i] != "=":
                if name == "blockquote" and attribute == "expandable":
                    argument = "expandable"
                    continue
                raise self.error_at(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}"',
                    begin,
                )
            i = self.skip_spaces(i + 1)
            if i >= len(source):
                raise self.error_at(f'Unclosed start tag "{name}"', begin)
            value, i = self.attribute_value(i)
            if i >= len(source):
                raise self.error_at("Unclosed start tag", begin)
            argument = _tag_argument(name, attribute, value, argument)
        return argument, i

    def attribute_value(self, i: int) -> tuple[str, int]:
        source = self.source
        if source[i] not in "'\"":
            match = _NAME_TOKEN.match(source, i)
            end = match.end() if match else i
            if end < len(source) and not source[end].isspace() and source[end] != ">":
                raise self.error_at("Unexpected end of name token", end)
            return source[i:end].lower(), end
        quote, i = source[i], i + 1
        value: list[str] = []
        while i < len(source) and source[i] != quote:
            if source[i] == "&":
                decoded = _decode_html_entity(source, i)
                if decoded is not None:
                    value.append(decoded[0])
                    i += decoded[1]
                    continue
            value.append(source[i])
            i += 1
        return "".join(value), i + 1 if i < len(source) else i

    def end_tag(self, begin: int) -> int:
        source = self.source
        if not self.stack:
            raise self.error_at("Unexpected end tag", begin)
        i = begin + 2
        while i < len(source) and not source[i].isspace() and source[i] != ">":
            i += 1
        end_name = source[begin + 2 : i].lower()
        i = self.skip_spaces(i)
        if i >= len(source) or source[i] != ">":
            raise self.error_at("Unclosed end tag", begin)
        tag = self.stack.pop()
        if end_name and end_name != tag.name:
            offset = _byte_offset(self.source, begin)
            raise EntityParseError(
                f"Unmatched end tag at byte offset {offset}, "
                f'expected "</{tag.name}>", found "</{end_name}>"'
            )
        self.close(tag)
        return i + 1

    def close(self, tag: _OpenTag) -> None:
        length = self.utf16 - tag.utf16_offset
        if length <= 0:
            return
        entity: JsonDict = {
            "type": _HTML_TAG_TYPES[tag.name],
            "offset": tag.utf16_offset,
            "length": length,
        }
        if tag.name == "a":
            if not tag.argument:
                return
            entity["url"] = tag.argument
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.argument
        elif tag.name == "blockquote" and tag.argument == "expandable":
            entity["type"] = "expandable_blockquote"
        elif tag.name == "pre":
            inner = self.entities[-1] if self.entities else None
            if (
                inner is not None
                and inner["type"] == "code"
                and inner["offset"] == tag.utf16_offset
                and inner["length"] == length
            ):
                self.entities.pop()
                if "language" in inner:
                    entity["language"] = inner["language"]
        elif tag.name == "code" and tag.argument:
            entity["language"] = tag.argument
        self.entities.append(entity)


def _tag_argument(name: str, attribute: str, value: str, current: str) -> str:
    if name == "a" and attribute == "href":
        return value
    if name == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if name == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if name == "tg-emoji" and attribute == "emoji-id":
        return value
    return current


# --- MarkdownV2 ---------------------------------------------------------------------------

_V2_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _OpenMark:
    type: str
    utf16_offset: int
    source_index: int
    argument: str = ""


def parse_markdown_v2(source: str) -> FormattedText:
    """Parse MarkdownV2, refusing unescaped reserved characters like Telegram."""
    return _MarkdownV2Parser(source).parse()


class _MarkdownV2Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenMark] = []
        self.entities: list[JsonDict] = []
        self.quote_start: int | None = None

    def at(self, i: int) -> str:
        return self.source[i] if i < len(self.source) else ""

    def emit(self, chars: str) -> None:
        self.out.append(chars)
        self.utf16 += utf16_len(chars)

    def reserved(self, char: str) -> EntityParseError:
        return EntityParseError(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )

    def parse(self) -> FormattedText:
        i = 0
        while i < len(self.source):
            i = self.step(i)
        if self.stack:
            mark = self.stack[-1]
            offset = _byte_offset(self.source, mark.source_index)
            raise EntityParseError(
                f"Can't find end of {_V2_TYPE_NAMES[mark.type]} entity at byte offset {offset}"
            )
        self.close_quote()
        return FormattedText("".join(self.out), _sorted(self.entities))

    def close_quote(self) -> None:
        if self.quote_start is not None and self.utf16 > self.quote_start:
            self.entities.append(
                {
                    "type": "blockquote",
                    "offset": self.quote_start,
                    "length": self.utf16 - self.quote_start,
                }
            )
        self.quote_start = None

    def step(self, i: int) -> int:  # noqa: PLR0912 - one branch per markup character
        char, after = self.at(i), self.at(i + 1)
        if char == "\\" and after and 0 < ord(after) <= _ASCII_LIMIT:
            self.emit(after)
            return i + 2
        in_code = bool(self.stack) and self.stack[-1].type in {"code", "pre"}
        line_start = i == 0 or self.source[i - 1] == "\n"
        if char == ">" and line_start and not in_code:
            if self.quote_start is None:
                self.quote_start = self.utf16
            return i + 1
        if char == "\n" and self.quote_start is not None and self.at(i + 1) != ">":
            self.close_quote()
        if self.stack and self.ends_entity(i):
            return self.close(i)
        if in_code or char not in _MARKDOWN_V2_RESERVED:
            self.emit(char)
            return i + 1
        if char == "_" and after == "_":
            self.stack.append(_OpenMark("underline", self.utf16, i))
            return i + 2
        if char == "|":
            if after != "|":
                raise self.reserved(char)
            self.stack.append(_OpenMark("spoiler", self.utf16, i))
            return i + 2
        if char == "!":
            if after != "[":
                raise self.reserved(char)
            self.stack.append(_OpenMark("custom_emoji", self.utf16, i))
            return i + 2
        if char == "`" and after == "`" and self.at(i + 2) == "`":
            return self.open_pre(i)
        simple = {"_": "italic", "*": "bold", "~": "strikethrough", "[": "text_link", "`": "code"}
        if char in simple:
            self.stack.append(_OpenMark(simple[char], self.utf16, i))
            return i + 1
        raise self.reserved(char)

    def open_pre(self, i: int) -> int:
        i += 3
        newline = self.source.find("\n", i)
        closing = self.source.find("```", i)
        language = ""
        if newline != -1 and (closing == -1 or newline < closing):
            language = self.source[i:newline]
            i = newline + 1
        self.stack.append(_OpenMark("pre", self.utf16, i - 3, language))
        return i

    def ends_entity(self, i: int) -> bool:
        char, after = self.at(i), self.at(i + 1)
        kind = self.stack[-1].type
        return {
            "bold": char == "*",
            "italic": char == "_" and after != "_",
            "underline": char == "_" and after == "_",
            "strikethrough": char == "~",
            "spoiler": char == "|" and after == "|",
            "code": char == "`",
            "pre": char == "`" and after == "`" and self.at(i + 2) == "`",
            "text_link": char == "]",
            "custom_emoji": char == "]",
        }[kind]

    def close(self, i: int) -> int:
        mark = self.stack.pop()
        width = {"underline": 2, "spoiler": 2, "pre": 3}.get(mark.type, 1)
        i += width
        argument = mark.argument
        if mark.type in {"text_link", "custom_emoji"}:
            argument, i = self.link_target(i)
        length = self.utf16 - mark.utf16_offset
        if length <= 0:
            return i
        entity: JsonDict = {"type": mark.type, "offset": mark.utf16_offset, "length": length}
        if mark.type == "text_link":
            if not argument:
                return i
            entity["url"] = argument
        elif mark.type == "custom_emoji":
            entity["custom_emoji_id"] = argument.rpartition("id=")[2]
        elif mark.type == "pre" and argument:
            entity["language"] = argument
        self.entities.append(entity)
        return i

    def link_target(self, i: int) -> tuple[str, int]:
        if self.at(i) != "(":
            return "", i
        i += 1
        target: list[str] = []
        while i < len(self.source) and self.source[i] != ")":
            if self.source[i] == "\\" and i + 1 < len(self.source):
                i += 1
            target.append(self.source[i])
            i += 1
        if i >= len(self.source):
            raise EntityParseError("Can't find end of a URL")
        return "".join(target), i + 1


# --- Markdown (legacy) --------------------------------------------------------------------

_LEGACY_TYPES = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}


def parse_markdown(source: str) -> FormattedText:
    """Parse legacy Markdown: `*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````, links."""
    return _LegacyMarkdownParser(source).parse()


class _LegacyMarkdownParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        self.entities: list[JsonDict] = []
        self.utf16 = 0

    def emit(self, chars: str) -> None:
        self.out.append(chars)
        self.utf16 += utf16_len(chars)

    def parse(self) -> FormattedText:
        source, i = self.source, 0
        while i < len(source):
            char = source[i]
            if char == "\\" and i + 1 < len(source) and source[i + 1] in "_*`[":
                self.emit(source[i + 1])
                i += 2
            elif char in _LEGACY_TYPES:
                i = self.entity(i)
            else:
                self.emit(char)
                i += 1
        return FormattedText("".join(self.out), _sorted(self.entities))

    def entity(self, begin: int) -> int:
        source, char = self.source, self.source[begin]
        is_pre = source.startswith("```", begin)
        end_char = "]" if char == "[" else char
        i = begin + (3 if is_pre else 1)
        language = ""
        if is_pre:
            newline, closing = source.find("\n", i), source.find("```", i)
            if newline != -1 and (closing == -1 or newline < closing):
                language, i = source[i:newline], newline + 1
        offset = self.utf16
        while i < len(source) and not (
            source.startswith("```", i) if is_pre else source[i] == end_char
        ):
            self.emit(source[i])
            i += 1
        if i >= len(source):
            raise EntityParseError(
                "Can't find end of the entity starting at byte offset "
                f"{_byte_offset(source, begin)}"
            )
        i += 3 if is_pre else 1
        entity: JsonDict = {
            "type": "pre" if is_pre else _LEGACY_TYPES[char],
            "offset": offset,
            "length": self.utf16 - offset,
        }
        if char == "[":
            url = ""
            if i < len(source) and source[i] == "(":
                close = source.find(")", i)
                if close != -1:
                    url, i = source[i + 1 : close], close + 1
            if not url:
                return i
            entity["url"] = url
        if language:
            entity["language"] = language
        if entity["length"] > 0:
            self.entities.append(entity)
        return i
