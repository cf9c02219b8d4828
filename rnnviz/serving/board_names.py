"""A learner's name on a class board: a random two-word name to start with, and the checks a typed one passes.

The words are plain, friendly and short, so any pair reads well on a projector and says nothing about who chose it.
"""

from __future__ import annotations

import secrets
import unicodedata

from rnnviz.errors import InputError

MAX_NAME_CHARS = 24
FIRST_WORDS = (
    "amber", "brave", "bright", "calm", "clever", "cosy", "curious", "eager", "gentle", "golden", "happy", "jolly",
    "kind", "lively", "lucky", "mellow", "merry", "nimble", "patient", "plucky", "quick", "quiet", "rapid", "silver",
    "steady", "sunny", "swift", "tidy", "witty", "zesty",
)
SECOND_WORDS = (
    "badger", "beaver", "comet", "falcon", "ferret", "finch", "fox", "gecko", "heron", "koala", "lemur", "lynx",
    "marmot", "meteor", "narwhal", "otter", "owl", "panda", "pebble", "penguin", "puffin", "quokka", "rabbit", "raven",
    "robin", "salmon", "seal", "sparrow", "tiger", "walrus",
)


def random_name() -> str:
    """Two words picked at random, such as "quick otter"."""
    return f"{secrets.choice(FIRST_WORDS)} {secrets.choice(SECOND_WORDS)}"


def checked_name(text) -> str:
    """A typed name as the board shows it: spaces trimmed and runs of them made one; InputError with a sentence for
    an empty name, one longer than MAX_NAME_CHARS characters, or one with control or invisible characters. Markup
    such as `<b>` is allowed: the board shows every name as plain text."""
    if not isinstance(text, str):
        raise InputError("A name on the board is text.")
    name = " ".join(text.split())
    if not name:
        raise InputError("A name on the board needs at least one letter or digit.")
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"A name on the board is at most {MAX_NAME_CHARS} characters (this one has {len(name)}).")
    if any(unicodedata.category(character) in ("Cc", "Cf", "Co", "Cs", "Cn") for character in name):
        raise InputError("A name on the board is plain text: no control or invisible characters.")
    return name
