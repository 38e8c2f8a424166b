"""Text from the source (names, descriptions, raw JSON) as literal Markdown, for the weekly report
and the metadata previews the UI renders (docs/decisions.md, decision 46).

Names come from Spotify as their owners typed them, so they may hold Markdown, HTML, links or
control characters. `markdown_text` is the one way such text enters Markdown:
- control characters never pass: NUL and the other C0/C1 controls, and the bidirectional controls
  (U+202E RLO and the like) that would reorder the text around them; line breaks and tabs become
  spaces, the rest is dropped (`clean_text`);
- every character that opens Markdown inside a line is backslash-escaped (`` \\ ` * _ ~ [ ] < > & | # ``:
  emphasis, strikethrough, code, links and images, HTML and autolinks, entities, table cells,
  heading marks), and so is what would open a block at the start of a line (a list item's `-`,
  `+` or `1.`, a line of `-` or `=`): CommonMark and GFM read an escaped character as itself, so no
  construct opens wherever the text lands; other punctuation (`: . , / ( ) ! %`) opens nothing
  once these are escaped, and stays readable in report.md;
- a word that GFM would turn into a link by itself (`https://...`, `www....`, `name@host.tld`,
  `mailto:`) is shown as a code span instead, since renderers find those after unescaping.
"""

from __future__ import annotations

import re

_SPACES = {ord(c): " " for c in "\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029"}
_DROPPED = {
    **{code: None for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]},
    **{code: None for code in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))},
}
_CLEAN = {**_DROPPED, **_SPACES}
_ESCAPED = str.maketrans({c: "\\" + c for c in "\\`*_~[]<>&|#"})
# what opens a block at the start of a line: a list item (`- `, `+ `, `1. `, `2) `), a thematic
# break or setext underline (a line of only `-` or `=`)
_LINE_START = re.compile(r"^([-+])(?=\s|$)|^([-=])(?=[-=\s]*$)|^(\d{1,9})([.)])(?=\s|$)")
# A run of text without spaces, pipes or backticks (so it can sit in a code span in a table cell)
# that GFM's autolink literals would link: a scheme, www., or an e-mail address.
_WORD = re.compile(r"[^\s|`]+|[|`]")
_AUTOLINKED = re.compile(r"://|www\.|mailto:|xmpp:|@[^@]*\.", re.IGNORECASE)


def clean_text(value: object) -> str:
    """`value` as plain text for one line: control characters replaced (breaks) or removed."""
    return ("" if value is None else str(value)).translate(_CLEAN)


def _word(match: re.Match[str]) -> str:
    word = match.group(0)
    if len(word) > 1 and _AUTOLINKED.search(word):
        return f"`{word}`"
    return word.translate(_ESCAPED)


def markdown_text(value: object, max_chars: int | None = None) -> str:
    """`value` as literal Markdown text on one line (a table cell, a heading, a sentence), cut to
    `max_chars` characters (ending with "…") before it is escaped. Spaces around it are dropped:
    leading ones could open a code block, trailing ones a line break."""
    text = clean_text(value).strip()
    if max_chars is not None and len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    escaped = _WORD.sub(_word, text)
    return _LINE_START.sub(lambda m: (m[3] or "") + "\\" + (m[1] or m[2] or m[4]), escaped, count=1)
