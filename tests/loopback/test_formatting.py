"""Parse modes as Telegram reads them: entities, UTF-16 offsets and Telegram's refusals."""

from __future__ import annotations

import pytest

from loopback.formatting import EntityParseError, format_text, utf16_len


def bold(offset: int, length: int) -> dict[str, object]:
    return {"type": "bold", "offset": offset, "length": length}


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("<b>Hi</b> &lt;3 &amp; &quot;ok&quot; &#127937;", 'Hi <3 & "ok" 🏁', [bold(0, 2)]),
        ("😀<b>x</b>", "😀x", [bold(2, 1)]),
        (
            "<strong>a</strong><i>b</i><u>c</u><s>d</s>",
            "abcd",
            [
                bold(0, 1),
                {"type": "italic", "offset": 1, "length": 1},
                {"type": "underline", "offset": 2, "length": 1},
                {"type": "strikethrough", "offset": 3, "length": 1},
            ],
        ),
        (
            '<a href="https://maps.example/?a=1&amp;b=2">map</a>',
            "map",
            [
                {
                    "type": "text_link",
                    "offset": 0,
                    "length": 3,
                    "url": "https://maps.example/?a=1&b=2",
                }
            ],
        ),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [{"type": "pre", "offset": 0, "length": 5, "language": "python"}],
        ),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [
                {"type": "spoiler", "offset": 0, "length": 1},
                {"type": "spoiler", "offset": 1, "length": 1},
            ],
        ),
        (
            "<blockquote expandable>q</blockquote>",
            "q",
            [{"type": "expandable_blockquote", "offset": 0, "length": 1}],
        ),
        ("  <b> padded </b>  ", "padded", [bold(0, 6)]),
        ("a > b", "a > b", []),
    ],
)
def test_html_entities(source: str, text: str, entities: list[dict[str, object]]) -> None:
    parsed = format_text(source, "HTML")
    assert (parsed.text, parsed.entities) == (text, entities)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("é <x>", 'Unsupported start tag "x" at byte offset 3'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("R&D", 'Unescaped "&" (loopback strict mode) at byte offset 1'),
        ("&nbsp;", 'Unescaped "&" (loopback strict mode) at byte offset 0'),
    ],
)
def test_html_refusals(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as refused:
        format_text(source, "HTML")
    assert str(refused.value) == error


def test_a_lone_ampersand_passes_outside_strict_mode() -> None:
    assert format_text("R&D", "HTML", strict_html=False).text == "R&D"


@pytest.mark.parametrize(
    ("source", "text", "types"),
    [
        (
            "*b* _i_ __u__ ~s~ ||p|| `c`",
            "b i u s p c",
            ["bold", "italic", "underline", "strikethrough", "spoiler", "code"],
        ),
        ("[map](https://x.example/a\\)b) 1\\.5", "map 1.5", ["text_link"]),
        ("```python\nprint(1)\n```", "print(1)", ["pre"]),
        (">quoted\n>twice\nplain", "quoted\ntwice\nplain", ["blockquote"]),
        ("\\*not bold\\*", "*not bold*", []),
    ],
)
def test_markdown_v2_entities(source: str, text: str, types: list[str]) -> None:
    parsed = format_text(source, "MarkdownV2")
    assert parsed.text == text
    assert [entity["type"] for entity in parsed.entities] == types


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("Stage 1.", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("3-2", "Character '-' is reserved and must be escaped with the preceding '\\'"),
        ("(hi)", "Character '(' is reserved and must be escaped with the preceding '\\'"),
        ("*open", "Can't find end of Bold entity at byte offset 0"),
        ("é _open", "Can't find end of Italic entity at byte offset 3"),
    ],
)
def test_markdown_v2_refusals(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as refused:
        format_text(source, "MarkdownV2")
    assert str(refused.value) == error


def test_legacy_markdown() -> None:
    parsed = format_text("*b* _i_ `c` [t](http://x.example)", "Markdown")
    assert parsed.text == "b i c t"
    assert [e["type"] for e in parsed.entities] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(EntityParseError, match="starting at byte offset 2"):
        format_text("a *b", "Markdown")


def test_plain_text_keeps_explicit_entities() -> None:
    entities = [bold(0, 2)]
    assert format_text("Hi there", None, entities).entities == entities


@pytest.mark.parametrize(("text", "length"), [("abc", 3), ("é", 1), ("😀", 2), ("👩‍👩‍👧", 8)])
def test_utf16_length(text: str, length: int) -> None:
    assert utf16_len(text) == length
