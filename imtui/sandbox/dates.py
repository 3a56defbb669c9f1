"""Calendar arithmetic for terms: months that end on the 31st, leap years, the next term end."""

from __future__ import annotations

from datetime import date, timedelta


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y = d.year + m // 12
    m = m % 12 + 1
    days = [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return date(y, m, min(d.day, days[m - 1]))


def add_period(d: date, period: tuple[str, int], times: int = 1) -> date:
    kind, n = period
    if kind == "year":
        return add_months(d, 12 * n * times)
    if kind == "day":
        return d + timedelta(days=n * times)
    return add_months(d, n * times)


def next_term_end(creation: date, period: tuple[str, int], after: date) -> date:
    """The first term end strictly after ``after``."""
    k = 1
    if period[0] == "month":
        k = max(1, (after.year - creation.year) * 12 + after.month - creation.month - 1)
    elif period[0] == "year":
        k = max(1, after.year - creation.year - 1)
    end = add_period(creation, period, k)
    while end <= after:
        k += 1
        end = add_period(creation, period, k)
    return end
