"""Reading a text file a user points imtui at (a PSA's CSV, an edited mapping file): the one reader.

Spreadsheets save text in many ways. Read, in this order: UTF-32 and UTF-16 (little or big endian) with
their byte-order mark, which is what Excel's "Unicode text" writes; UTF-16 without a mark when every other
byte is zero; UTF-8 with or without a mark; and otherwise Windows-1252 (Excel's "CSV" on Windows in the
West). A missing or unreadable file is a :class:`ServiceError` that says so in words.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from imtui.core.errors import ServiceError

__all__ = ["decode_text", "read_text_file"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when the start of ``data`` looks like UTF-16 text without a mark."""
    sample = data[:400]
    if len(sample) < 4 or len(sample) % 2 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.6 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.6 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> str:
    """The text of a file's bytes (see the module docstring for the order). Never raises: bytes that
    fit no encoding end up as Windows-1252, with U+FFFD for the five bytes it leaves undefined."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                break
    guess = _utf16_without_bom(data)
    if guess is not None:
        try:
            return data.decode(guess)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_text_file(path: str | Path) -> str:
    """The text of the file at ``path`` (``~`` allowed), or a :class:`ServiceError` in words."""
    if not str(path).strip():
        raise ServiceError("Type the path of the file to read.")
    file = Path(str(path).strip()).expanduser()
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise ServiceError(f"There is no file {file}.") from None
    except IsADirectoryError:
        raise ServiceError(f"{file} is a folder, not a file.") from None
    except PermissionError:
        raise ServiceError(f"Could not read {file}: permission denied.") from None
    except OSError as exc:
        raise ServiceError(f"Could not read {file}: {exc.strerror or type(exc).__name__}.") from None
    return decode_text(data)
