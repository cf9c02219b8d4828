"""The one exception type a learner's mistake raises, and what every refusal message needs.

Everything a user can type, upload or put in a link is checked by the library;
when it is refused, an InputError carries a sentence that says what was wrong
and what is allowed. The app shows that sentence instead of a traceback.
"""

from __future__ import annotations

import operator

# Python refuses to turn a whole number of more than this many digits into text (or text into one):
# sys.int_info.str_digits_check_threshold's default. Bit length is what can be checked without converting.
INT_DIGITS = 4300
INT_BITS = int(INT_DIGITS * 3.3219)  # log2(10) bits a digit


class InputError(ValueError):
    """Input that rnnviz refuses, with a message meant for the learner."""


def shown(value, limit: int = 40) -> str:
    """`value` quoted for a message, at most about `limit` characters: safe for any value a file or link can carry
    (a number of thousands of digits, text that is not valid Unicode, a nested list), where str() may fail."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"a whole number of about {int(value.bit_length() / 3.3219):,} digits"
    if isinstance(value, str):  # quoted: repr escapes lone surrogates and control characters
        return repr(value[:limit]) + ("…" if len(value) > limit else "")
    try:
        text = repr(value) if isinstance(value, (list, tuple, dict)) else str(value)
    except (ValueError, RecursionError):  # an int of more than INT_DIGITS digits inside a list, say
        return f"a {type(value).__name__} too large to show"
    return text[:limit] + ("…" if len(text) > limit else "")


def check_encodable(text: str, what: str) -> str:
    """Refuse text that cannot be written as UTF-8: a lone surrogate (U+D800–U+DFFF), which JSON (`"\\ud800"`),
    a pickle or a command line with undecodable bytes can carry, but no page, link or file can show or save."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(f"{what} holds U+{ord(text[error.start]):04X} at character {error.start + 1:,}, which is not "
                         "a character: a lone half of a UTF-16 pair, or a byte that was not UTF-8. Only text of whole "
                         "Unicode characters is allowed.") from None
    return text


def check_whole(name: str, value, low: int, high: int) -> int:
    """`value` as an int if it is a whole number from `low` to `high` (numpy's and torch's count), else a refusal."""
    try:
        number = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        number = None
    if number is None or not low <= number <= high:
        raise InputError(f"The {name} must be a whole number from {low:,} to {high:,}; got {shown(value)}.")
    return number
