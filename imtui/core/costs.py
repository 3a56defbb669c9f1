"""The cost report: what each client costs, is charged and earns a month, per currency, from the snapshot.

Rules (one place; ``imtui report costs`` and the app's "Cost report" both use :func:`cost_report`):

- every product line of every subscription still active (terminated, removed and vanished ones are left
  out), priced by the MSP's rule (:class:`~imtui.core.pricing.PriceBook`: override, markup, marketplace);
- unit prices are per billing period, so a line's **monthly equivalent** is ``unit × quantity ÷ months in its
  billing period``: a yearly-billed line counts price/12 a month, a 3-yearly one price/36;
- **annual commitments apart**: subscriptions on a term of a year or more are reported in their own section,
  month-to-month ones (``P1M`` terms) in theirs;
- amounts are summed **per currency only**, never across currencies; the margin is summed only over lines
  whose price and cost share a currency; totals are rounded half-up to the cent after summing (exact
  ``Decimal`` until then);
- a line without a known price or cost, or with a billing period that is not in months or years, is counted
  as ``unpriced`` and left out of the sums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imtui.core.pricing import PriceBook
    from imtui.core.snapshot import SubscriptionLine, SubscriptionRow

__all__ = ["ANNUAL", "MONTHLY", "CostGroup", "CostReport", "cost_report", "months_in"]

MONTHLY = "monthly"
ANNUAL = "annual"
COMMITMENT_LABELS = {MONTHLY: "Monthly commitments (terms under a year)", ANNUAL: "Annual commitments (terms of a year or more)"}
COMMITMENT_SHORT = {MONTHLY: "Monthly terms", ANNUAL: "Annual commitments"}
CENT = Decimal("0.01")
ALL_CLIENTS = "(all clients)"


def months_in(period: str | None) -> int | None:
    """Months in an ISO period (``P1M`` 1, ``P3M`` 3, ``P1Y`` 12, ``P3Y`` 36); None for anything else."""
    if not period or len(period) < 3 or period[0] != "P" or not period[1:-1].isdigit():
        return None
    n = int(period[1:-1])
    return {"M": n, "Y": 12 * n}.get(period[-1]) if n > 0 else None


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def amount_text(amount: str | None) -> str:
    """An exact amount as people read it: ``12345.6`` → ``12,345.60`` (never through a float); None → ``—``."""
    if amount is None:
        return "—"
    sign, digits = ("-", amount[1:]) if amount.startswith("-") else ("", amount)
    whole, _, fraction = digits.partition(".")
    return f"{sign}{int(whole or 0):,}.{(fraction + '00')[:2]}"


@dataclass(slots=True)
class CostGroup:
    """One client's subscriptions in one currency and one kind of commitment: monthly sums."""

    client: str
    currency: str
    commitment: str  # MONTHLY or ANNUAL
    subscriptions: set[str] = field(default_factory=set)
    seats: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)  # a month, exact until shown
    price: Decimal = Decimal(0)
    margin: Decimal = Decimal(0)
    margin_lines: int = 0  # lines whose price and cost share this currency
    lines: int = 0
    unpriced: int = 0  # lines left out of the sums: no price or cost, or an unknown billing period

    @property
    def margin_percent(self) -> Decimal | None:
        price = cents(self.price)
        if not self.margin_lines or price == 0:
            return None
        return (cents(self.margin) / price * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def to_row(self) -> dict[str, Any]:
        seats = int(self.seats) if self.seats == self.seats.to_integral_value() else str(self.seats)
        percent = self.margin_percent
        return {
            "client": self.client, "commitment": self.commitment, "currency": self.currency,
            "subscriptions": len(self.subscriptions), "seats": seats, "monthly_cost": str(cents(self.cost)),
            "monthly_price": str(cents(self.price)),
            "monthly_margin": str(cents(self.margin)) if self.margin_lines else None,
            "margin_percent": str(percent) if percent is not None else None, "unpriced_lines": self.unpriced,
        }


COLUMNS = ("client", "commitment", "currency", "subscriptions", "seats", "monthly_cost", "monthly_price",
           "monthly_margin", "margin_percent", "unpriced_lines")
NUMERIC = frozenset({"subscriptions", "seats", "monthly_cost", "monthly_price", "monthly_margin", "margin_percent",
                     "unpriced_lines"})


@dataclass(slots=True)
class CostReport:
    """Groups per client, per currency, per commitment; totals per currency (over the clients shown)."""

    groups: list[CostGroup] = field(default_factory=list)
    left_out: int = 0  # inactive subscriptions not counted

    def sections(self) -> list[tuple[str, list[CostGroup], list[CostGroup]]]:
        """(commitment, its groups by client then currency, its totals per currency)."""
        out = []
        for commitment in (MONTHLY, ANNUAL):
            groups = sorted((g for g in self.groups if g.commitment == commitment),
                            key=lambda g: (g.client.casefold(), g.currency))
            if groups:
                out.append((commitment, groups, _totals(groups, commitment)))
        return out

    def currencies(self) -> list[str]:
        return sorted({g.currency for g in self.groups})

    def rows(self, *, with_totals: bool = True) -> list[dict[str, Any]]:
        """Rows for CSV/JSON: each group, then (``with_totals``) each currency's total as client
        ``(all clients)``: a total is never across currencies."""
        out = []
        for _, groups, totals in self.sections():
            out += [g.to_row() for g in groups]
            if with_totals:
                out += [t.to_row() for t in totals]
        return out


def _totals(groups: Iterable[CostGroup], commitment: str) -> list[CostGroup]:
    totals: dict[str, CostGroup] = {}
    for g in groups:
        t = totals.setdefault(g.currency, CostGroup(ALL_CLIENTS, g.currency, commitment))
        t.subscriptions |= {f"{g.client}\x1f{s}" for s in g.subscriptions}
        t.seats += g.seats
        t.cost += g.cost
        t.price += g.price
        t.margin += g.margin
        t.margin_lines += g.margin_lines
        t.lines += g.lines
        t.unpriced += g.unpriced
    return [totals[c] for c in sorted(totals)]


def cost_report(
    subscriptions: Iterable[SubscriptionRow],
    lines: Mapping[tuple[str, str], list[SubscriptionLine]],
    prices: PriceBook,
    client_name: Callable[[SubscriptionRow], str | None],
) -> CostReport:
    """The report over ``subscriptions`` (their ``lines`` by (account, id)); ``client_name(row)`` names the
    row's client, or returns None to leave the row out (another client than the one asked for)."""
    report = CostReport()
    groups: dict[tuple[str, str, str], CostGroup] = {}
    for row in subscriptions:
        if not row.active:
            report.left_out += 1
            continue
        client = client_name(row)
        if client is None:
            continue
        term = months_in(row.term)
        commitment = ANNUAL if term is not None and term >= 12 else MONTHLY
        months = months_in(row.billing)
        for line in lines.get((row.account, row.id), ()):
            _add_line(groups, report, client, commitment, row, line, months, prices)
    report.groups = list(groups.values())
    return report


def _add_line(groups: dict, report: CostReport, client: str, commitment: str, row: SubscriptionRow,
              line: SubscriptionLine, months: int | None, prices: PriceBook) -> None:
    price = prices.price(row.account, line.mpn, term=row.term, billing=row.billing, price=line.unit_price,
                         cost=line.unit_cost)
    quantity = Decimal(line.quantity) if line.quantity is not None else None
    currency = (price.cost or price.price).currency if (price.cost or price.price) else (row.currency or "")

    def group(cur: str) -> CostGroup:
        found = groups.get((client, cur, commitment))
        if found is None:
            found = groups[(client, cur, commitment)] = CostGroup(client, cur, commitment)
        return found

    if not currency:
        return  # nothing known about its money at all (an Azure plan's usage): not a recurring charge here
    home = group(currency)
    home.lines += 1
    home.subscriptions.add(row.id)
    if price.price is None or price.cost is None or quantity is None or months is None:
        home.unpriced += 1
        return
    home.seats += quantity
    cost = price.cost.amount * quantity / months
    amount = price.price.amount * quantity / months
    home.cost += cost
    if price.price.currency == price.cost.currency:
        home.price += amount
        home.margin += amount - cost
        home.margin_lines += 1
    else:  # an override in another currency: its price counts in that currency, and no margin is made up
        other = group(price.price.currency)
        other.price += amount
        other.subscriptions.add(row.id)
