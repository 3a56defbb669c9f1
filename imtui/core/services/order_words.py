"""How a money plan is said: PO numbers, terms and billing periods in words, the money lines and the sentence.

Pure functions (no I/O): the planner in :mod:`.order_plans` builds every confirmation with them, so the UI's
dialog and the CLI's dry run say the same thing in the same words.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from decimal import Decimal

from imtui.core.api.models import Money, Period
from imtui.core.pricing import Price
from imtui.core.services.plans import MoneyLine

__all__ = [
    "PO_MAX", "billing_words", "check_po_number", "count_periods", "money_lines", "new_po_number", "per_period", "periods_in",
    "periods_left", "purchase_sentence", "signed", "term_words",
]

PO_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed back without mistakes
PO_MAX = 64
_PO_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/#:+-]*")
_UNIT_WORDS = {"M": ("month", "monthly"), "Y": ("year", "yearly"), "D": ("day", "daily")}


# ---------------------------------------------------------------- PO numbers


def new_po_number(now: datetime) -> str:
    """A PO number unique in practice: ``IMTUI-20261128-7K3Q9A`` (the day, then 6 random characters)."""
    tail = "".join(secrets.choice(PO_ALPHABET) for _ in range(6))
    return f"IMTUI-{now:%Y%m%d}-{tail}"


def check_po_number(text: str) -> str | None:
    """Why a typed PO number cannot be used, or None."""
    if not text or not text.strip():
        return "The PO number is empty; leave it out to get a new one."
    if len(text) > PO_MAX:
        return f"The PO number is {len(text)} characters long; at most {PO_MAX} are allowed."
    if text != text.strip() or not _PO_OK.fullmatch(text):
        return ("The PO number may hold letters, digits, spaces and . _ / # : + - (starting with a letter or "
                f"digit), not {text!r}.")
    return None


# ---------------------------------------------------------------- periods in words


def _parts(iso: str) -> tuple[int, str] | None:
    try:
        period = Period.from_iso(iso)
    except ValueError:
        return None
    unit = {"month": "M", "year": "Y", "day": "D"}.get(period.type)
    return (int(period.duration or 1), unit) if unit else None


def term_words(term: str) -> str:
    """``P1Y`` → ``1-year term``."""
    parts = _parts(term)
    if parts is None:
        return f"{term} term"
    n, unit = parts
    return f"{n}-{_UNIT_WORDS[unit][0]} term"


def billing_words(billing: str) -> str:
    """``P1M`` → ``billed monthly``; ``P3M`` → ``billed every 3 months``."""
    parts = _parts(billing)
    if parts is None:
        return f"billed every {billing}"
    n, unit = parts
    return f"billed {_UNIT_WORDS[unit][1]}" if n == 1 else f"billed every {n} {_UNIT_WORDS[unit][0]}s"


def per_period(billing: str) -> str:
    """``P1M`` → ``a month``; ``P3M`` → ``every 3 months``."""
    parts = _parts(billing)
    if parts is None:
        return f"per {billing}"
    n, unit = parts
    return f"a {_UNIT_WORDS[unit][0]}" if n == 1 else f"every {n} {_UNIT_WORDS[unit][0]}s"


def count_periods(n: int, billing: str) -> str:
    """``8`` billing periods of ``P1M`` → ``8 months``; of ``P3M`` → ``8 × 3 months``."""
    parts = _parts(billing)
    if parts is None:
        return f"{n} × {billing}"
    size, unit = parts
    word = _UNIT_WORDS[unit][0]
    if size == 1:
        return f"{n} {word}{'s' if n != 1 else ''}"
    return f"{n} × {size} {word}s"


def _months(iso: str) -> int | None:
    parts = _parts(iso)
    if parts is None or parts[1] == "D":
        return None
    n, unit = parts
    return n * 12 if unit == "Y" else n


def periods_in(term: str, billing: str) -> int | None:
    """How many billing periods one term holds (P1Y billed P1M: 12), or None when it does not divide."""
    term_months, billing_months = _months(term), _months(billing)
    if not term_months or not billing_months or term_months % billing_months:
        return None
    return term_months // billing_months


def periods_left(today: date, renewal: date | None, billing: str) -> int | None:
    """Billing periods from ``today`` to the renewal date, a started one counted whole; None if unknown."""
    months = _months(billing)
    if renewal is None or not months or renewal <= today:
        return None
    whole = (renewal.year - today.year) * 12 + renewal.month - today.month
    if renewal.day > today.day:
        whole += 1  # a started month counts
    return max(1, -(-whole // months))


# ---------------------------------------------------------------- money


def signed(money: Money) -> str:
    """``+44.00 USD`` / ``-44.00 USD``: a difference always shows its sign."""
    return f"+{money}" if money.amount > 0 else str(money)


def money_lines(per: str, total: Money | None, term_label: str | None, term_total: Money | None,
                price: Price | None, *, difference: bool = False) -> tuple[MoneyLine, ...]:
    """The lines of a confirmation: the marketplace's amount per billing period and for the term (or the rest
    of it), then the MSP's price, cost and margin per billing period (each in its own currency)."""
    lead = "Difference" if difference else "Marketplace price"
    lines: list[MoneyLine] = []

    def add(label: str, amount: Money) -> None:
        lines.append(MoneyLine(" ".join(label.split()), amount, signed=difference))

    if total is not None:
        add(f"{lead} {per}", total)
    if term_total is not None and term_label:
        add(f"{lead} {term_label}", term_total)
    if price is not None:
        who = "difference" if difference else ""
        if price.price is not None and price.basis != "marketplace":
            add(f"Your price {who} {per} ({price.describe_basis})", price.price)
        if price.cost is not None:
            add(f"Cost {who} {per}", price.cost)
        margin = price.margin
        if margin is not None:
            share = f" ({price.margin_percent}%)" if price.margin_percent is not None else ""
            add(f"Margin {who} {per}{share}", margin)
    return tuple(lines)


def purchase_sentence(quantity: object, name: str, term: str, billing: str, whom: str, per_total: Money | None,
                      term_total: Money | None) -> str:
    """"Buy 5 × Microsoft 365 Business Premium, 1-year term billed monthly, for Acme Ltd: 110.00 USD a month,
    1,320.00 USD for the term"."""
    head = f"Buy {quantity} × {name}, {term_words(term)} {billing_words(billing)}, for {whom}"
    money = []
    if per_total is not None:
        money.append(f"{per_total} {per_period(billing)}")
    if term_total is not None:
        money.append(f"{term_total} for the term")
    return head + (": " + ", ".join(money) if money else "")


def times(money: Money | None, factor: int | Decimal | None) -> Money | None:
    if money is None or factor is None:
        return None
    return money * factor
