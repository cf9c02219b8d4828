"""A message to the learner, shown as the text it is: never read as markdown or HTML.

Refusals quote what the learner typed, uploaded or linked (a prefix, a file name, a setting), and Streamlit's
alerts read their text as markdown: `evil.__class__` would show as "evil.class", `<b>` or `:red[...]` would be
styling. Every message is escaped here, in the one place that draws them.
"""

from __future__ import annotations

import re

import streamlit as st

# CommonMark shows any ASCII punctuation after a backslash as itself. A word joiner (U+2060, invisible) after a
# colon also stops what Streamlit reads in the text after parsing: :emoji: and :material/icon: short codes.
PUNCTUATION = re.compile(r"([!#$&(-+\-./:<-@\[-`{-~])")  # all ASCII punctuation but " % ' , ; which mean nothing
SHORT_CODE = re.compile(r":(?=[\w+\-/])")
WORD_JOINER = "\u2060"


def as_text(message) -> str:
    """`message` as markdown that shows exactly its text; lone surrogates, which no page can send, as \\udXXX."""
    text = str(message).encode("utf-8", "backslashreplace").decode("utf-8")
    text = SHORT_CODE.sub(":" + WORD_JOINER, text)
    return PUNCTUATION.sub(r"\\\1", text).replace("\n", "  \n")  # each line on its own line, as written


def show(kind: str, message) -> None:
    """Draw `message` as an alert of `kind` (info, warning or error), shown as text."""
    getattr(st, kind)(as_text(message))
