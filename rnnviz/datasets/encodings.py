"""Bytes that should be UTF-8 text: decoded, or refused with a message that says what they really are."""

from __future__ import annotations

from rnnviz.errors import InputError

BYTE_ORDER_MARKS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
)
BINARY_SIGNATURES = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a zip archive (or an Excel/Word file, which are zip archives)"),
    (b"%PDF", "a PDF document"), (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file"),
)


def utf8_text(data: bytes, label: str) -> str:
    """UTF-8 bytes (a leading byte-order mark is dropped) → text with newlines as \\n."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            raise InputError(f"{label} is saved as {encoding} (it starts with that byte-order mark). "
                             "Save it as UTF-8 and upload it again.")
    if _looks_like_utf16(data):  # plain text in UTF-16 is valid UTF-8 full of NULs: say what it is
        raise InputError(f"{label} is saved as UTF-16 without a byte-order mark (every other byte is zero). "
                         "Save it as UTF-8 and upload it again.")
    skipped = 0  # the offset in a message is the file's, byte-order mark included
    if data.startswith(b"\xef\xbb\xbf"):
        data, skipped = data[3:], 3
        if not data:
            raise InputError(f"{label} is empty: it holds only a UTF-8 byte-order mark.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        guess = _guess_encoding(data, error.start)
        raise InputError(
            f"{label} is not UTF-8: byte {error.start + skipped:,} (0x{data[error.start]:02X}) cannot start or "
            f"continue a UTF-8 character; {guess}. Save it as UTF-8 (most editors offer it under 'Save as') "
            "and upload again."
        ) from None
    # Windows and old Mac line ends; check_text would refuse the carriage return otherwise.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _guess_encoding(data: bytes, bad_offset: int) -> str:
    """A learner-readable guess at what a file that is not UTF-8 really is."""
    for signature, what in BINARY_SIGNATURES:
        if data.startswith(signature):
            return f"it looks like {what}, not text"
    sample = data[:4096]
    if 0 in sample:
        return "it holds zero bytes, so it is probably binary data, not text"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    else:  # every byte is a Windows-1252 character: the usual Latin-1 style "ANSI" text file
        char = bytes([data[bad_offset]]).decode("cp1252")
        return f"it looks like Latin-1 or Windows-1252 text, where {char!r} is the single byte 0x{data[bad_offset]:02X}"
    return "it is in an encoding other than UTF-8, or not text at all"


def _looks_like_utf16(data: bytes) -> bool:
    """Mostly-ASCII UTF-16: one byte of each pair is zero, the other almost never."""
    sample = data[:4096]
    if len(sample) < 4 or any(data.startswith(signature) for signature, _ in BINARY_SIGNATURES):
        return False
    halves = sorted((sample[0::2].count(0) / len(sample[0::2]), sample[1::2].count(0) / len(sample[1::2])))
    return halves[1] > 0.4 and halves[0] < 0.1
