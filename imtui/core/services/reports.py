"""``services.reports``: the cost report per client (see :mod:`imtui.core.costs` for its rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imtui.core.costs import COLUMNS, NUMERIC, CostReport, cost_report
from imtui.core.formats.exports import ExportTable, client_of

if TYPE_CHECKING:
    from imtui.core.services import Services
    from imtui.core.snapshot import SubscriptionRow

__all__ = ["ReportsArea"]


def client_label(config, row: SubscriptionRow) -> str:
    """The client a subscription's costs are reported under: its mapped client, else the Ingram name, marked."""
    name, how = client_of(config, row.account, row.customer_id)
    if name:
        return name
    customer = row.customer_name or row.customer_id
    return f"{customer} ({'ignored' if how == 'ignored' else 'not mapped'})"


class ReportsArea:
    def __init__(self, services: Services) -> None:
        self.services = services

    def costs(self, *, account: str | None = None, client: str | None = None) -> CostReport:
        """Monthly cost, price and margin per client, per currency, annual commitments apart (snapshot only).
        Blocking (SQLite): the app calls it in a worker thread."""
        services = self.services
        services.exports.check_filters(account, client)
        config = services.config
        wanted = client.casefold() if client else None

        def name(row: SubscriptionRow) -> str | None:
            label = client_label(config, row)
            return label if wanted is None or label.casefold() == wanted else None

        rows = services.snapshot.subscriptions(account, today=services.today())
        return cost_report(rows, services.snapshot.lines(account), services.prices, name)

    @staticmethod
    def cost_table(report: CostReport) -> ExportTable:
        """The report as rows for CSV/JSON (totals per currency included, as client ``(all clients)``)."""
        return ExportTable("costs", COLUMNS, report.rows(), NUMERIC)
