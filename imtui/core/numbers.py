"""Numbers a person types (the account form, CLI flags): one reader for all of them.

Read: digits 0-9 with an optional sign and decimal point, and thousands grouped by commas or spaces
(``1,000.50``, ``1 000``, ``12 500``). Refused, with a message that names the problem: words
(``ten``), ``inf``/``nan`` (Python's ``Decimal`` would take them), digits other than 0-9 (``²``, ``٣``,
which ``int()`` would take), a decimal comma (``1,5``), fractions where a whole number is needed, and
values outside the field's bounds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["NumberError", "NumberRule"]

# thousands separators people type: comma, space, no-break space, narrow no-break space, thin space
_SEPARATORS = ",\u0020\u00a0\u202f\u2009"
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:([, \u00a0\u202f\u2009])[0-9]{3})(?:\1[0-9]{3})*(?:\.[0-9]+)?")
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_NOT_FINITE = {"inf", "infinity", "nan", "snan"}


class NumberError(ValueError):
    """A typed number that cannot be used; ``str()`` is the message for the user."""


def _odd_digit(text: str) -> str | None:
    """The first character that is a digit or a number sign of some script, but not 0-9."""
    for char in text:
        if char.isascii():
            continue
        if char.isdigit() or char.isnumeric() or unicodedata.category(char) in ("Nd", "No", "Nl"):
            return char
    return None


def _plain(text: str) -> str | None:
    """``text`` without its thousands separators, if it is a number as people write one; else None."""
    if _PLAIN.fullmatch(text):
        return text
    if _GROUPED.fullmatch(text):
        return "".join(c for c in text if c not in _SEPARATORS)
    return None


@dataclass(frozen=True)
class NumberRule:
    """What one number field accepts. ``parse`` returns the value (None when empty) or raises
    :class:`NumberError`; ``check`` returns the message or None."""

    what: str  # the field as the user knows it, e.g. "Max seats per order"
    whole: bool = False
    minimum: Decimal | None = None  # inclusive
    maximum: Decimal | None = None  # inclusive
    positive: bool = False  # above zero
    empty: str = ""  # what leaving it empty means, e.g. "for no limit"

    @property
    def expected(self) -> str:
        if self.whole:
            return "a whole number above zero" if self.positive else "a whole number"
        return "a number, e.g. 12.5"

    def _refuse(self, detail: str = "") -> NumberError:
        empty = f", or empty {self.empty}" if self.empty else ", or empty"
        return NumberError(f"{self.what} must be {self.expected}{empty}{detail}.")

    def parse(self, text: str) -> Decimal | int | None:
        text = (text or "").strip()
        if not text:
            return None
        odd = _odd_digit(text)
        if odd is not None:
            raise self._refuse(f": type it with the digits 0-9 ('{odd}' is not one of them)")
        if text.casefold().lstrip("+-") in _NOT_FINITE:
            raise self._refuse(f": '{text}' is not a finite number")
        plain = _plain(text)
        if plain is None:
            if re.fullmatch(r"[+-]?[0-9]+,[0-9]{1,2}", text):
                raise self._refuse(": use a point for decimals (12.5), commas only between thousands")
            raise self._refuse()
        try:
            value = Decimal(plain)
        except InvalidOperation:  # pragma: no cover - the patterns above only let numbers through
            raise self._refuse() from None
        if self.whole and value != value.to_integral_value():
            raise self._refuse()
        if self.positive and value <= 0:
            raise self._refuse()
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            low = f"at least {self.minimum}" if self.minimum is not None else ""
            high = f"at most {self.maximum}" if self.maximum is not None else ""
            raise NumberError(f"{self.what} must be {' and '.join(p for p in (low, high) if p)}.")
        return int(value) if self.whole else value

    def check(self, text: str) -> str | None:
        try:
            self.parse(text)
        except NumberError as exc:
            return str(exc)
        return None
