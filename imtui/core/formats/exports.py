"""Exports: customers, subscriptions, orders and mappings as CSV or JSON, for spreadsheets and PSAs.

Rows come from the snapshot (what the last sync loaded) joined with the config: each customer's client name
(its mapping), and each subscription's price, cost and margin by the one pricing rule
(:class:`imtui.core.pricing.PriceBook`: override, else markup over cost, else the marketplace's price).

- Terms and billing periods are ISO 8601 (``P1M``, ``P1Y``); dates ``YYYY-MM-DD``; instants UTC ISO 8601.
- Money is an amount column (exact decimal text, never a float) beside its own currency column; a margin
  exists only when price and cost share a currency. Nothing is summed.
- CSV is UTF-8 (optionally with a byte-order mark, which Excel needs to read UTF-8), one header row, CRLF
  line ends (RFC 4180). A text cell starting with ``=``, ``+``, ``-`` or ``@`` is prefixed with ``'`` by the
  journal's :func:`~imtui.core.journal.spreadsheet_safe`, so a customer named ``=HYPERLINK(...)`` is text,
  not a formula; our own numbers (amounts, seats) are left as numbers.
- JSON is a list of objects with the same keys: amounts as strings, seats as numbers, flags as booleans,
  missing values as null.

:class:`ExportTable` is also what a screen hands the app's export key (ctrl+e): any table becomes a file
through :func:`render` and :func:`write_export`, the same code as ``imtui export``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imtui.core.errors import ServiceError
from imtui.core.files import atomic_write
from imtui.core.formats.mappings import MAPPING_COLUMNS
from imtui.core.journal import spreadsheet_safe

if TYPE_CHECKING:
    from imtui.core.api.models import Customer, Money
    from imtui.core.config import Config
    from imtui.core.pricing import PriceBook
    from imtui.core.snapshot import CustomerRecord, OrderRow, SubscriptionRow

__all__ = [
    "CUSTOMER_COLUMNS", "EXPORT_KINDS", "FORMATS", "ORDER_COLUMNS", "SUBSCRIPTION_COLUMNS", "ExportTable",
    "client_of", "csv_cell", "customer_rows", "loaded_customer_rows", "mapping_rows", "order_rows", "render", "subscription_rows",
    "write_export",
]

Cell = str | int | bool | None
Row = dict[str, Cell]

FORMATS = ("csv", "json")
EXPORT_KINDS = ("customers", "subscriptions", "orders", "mappings")

CUSTOMER_COLUMNS = (
    "account", "customer_id", "customer_name", "client", "mapping", "status", "external_id", "city", "country",
    "active_subscriptions", "first_seen", "inactive_since", "inactive_reason",
)
SUBSCRIPTION_COLUMNS = (
    "account", "subscription_id", "customer_id", "customer_name", "client", "name", "vendor", "mpn", "status",
    "active", "seats", "term", "billing", "auto_renew", "creation_date", "renewal_date", "expiration_date",
    "unit_price", "unit_price_currency", "unit_cost", "unit_cost_currency", "margin", "margin_currency",
    "margin_percent", "price_basis", "marketplace_unit_price", "marketplace_unit_price_currency",
    "inactive_since", "inactive_reason", "last_modified",
)
ORDER_COLUMNS = (
    "account", "order_id", "order_number", "type", "status", "customer_id", "customer_name", "client",
    "subscription_id", "po_number", "created_at", "provisioned_at", "total", "total_currency", "finished",
)
#: columns holding numbers we wrote ourselves: never formula-escaped (a negative margin stays a number)
NUMERIC = frozenset({
    "active_subscriptions", "seats", "unit_price", "unit_cost", "margin", "margin_percent",
    "marketplace_unit_price", "total",
})


@dataclass(slots=True)
class ExportTable:
    """Rows to write: ``kind`` names the file (``customers``), ``columns`` the order of the keys."""

    kind: str
    columns: Sequence[str]
    rows: list[Row] = field(default_factory=list)
    numeric: frozenset[str] = NUMERIC

    def __len__(self) -> int:
        return len(self.rows)


# ---------------------------------------------------------------- joining the config


def client_of(config: Config, account: str, customer_id: str | None) -> tuple[str, str]:
    """(client name or "", how) of one customer by its mapping: ``how`` is the mapping's (exact,
    normalised, manual), ``ignored``, or ``unmapped``."""
    mapping = config.mapping_for(account, customer_id) if customer_id else None
    if mapping is None:
        return "", "unmapped"
    return (mapping.client or "", mapping.how)


def _amount(money: Money | None) -> tuple[str | None, str | None]:
    return (None, None) if money is None else (str(money.amount), money.currency)


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _seats(value: int | Decimal | None) -> int | str | None:
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else str(value)


def _keep(config: Config, client: str | None) -> Callable[[str, str | None], bool]:
    """A filter by client name (case-insensitive), or everything."""
    if not client:
        return lambda account, customer_id: True
    wanted = client.casefold()
    return lambda account, customer_id: client_of(config, account, customer_id)[0].casefold() == wanted


# ---------------------------------------------------------------- rows


def customer_rows(config: Config, customers: Iterable[CustomerRecord], *, client: str | None = None) -> ExportTable:
    """One row per customer of the snapshot, with its client."""
    keep = _keep(config, client)
    rows = []
    for c in customers:
        if not keep(c.account, c.id):
            continue
        name, how = client_of(config, c.account, c.id)
        rows.append({
            "account": c.account, "customer_id": c.id, "customer_name": c.name, "client": name or None,
            "mapping": how, "status": c.status, "external_id": c.external_id, "city": c.city or None,
            "country": c.country or None, "active_subscriptions": c.subscriptions, "first_seen": _date(c.first_seen),
            "inactive_since": _date(c.inactive_since), "inactive_reason": c.inactive_reason,
        })
    return ExportTable("customers", CUSTOMER_COLUMNS, rows)


def loaded_customer_rows(config: Config, customers: Iterable[tuple[str, Customer]],
                         known: Mapping[tuple[str, str], CustomerRecord] | None = None) -> ExportTable:
    """Customers as loaded from the API (the customers screen's rows), in the customers export's columns;
    what only the snapshot knows (active subscriptions, first seen, inactive) from ``known`` when it has them."""
    known = known or {}
    rows = []
    for account, c in customers:
        cid = str(c.id or "")
        name, how = client_of(config, account, cid)
        record = known.get((account, cid))
        rows.append({
            "account": account, "customer_id": cid, "customer_name": c.name, "client": name or None, "mapping": how,
            "status": c.status, "external_id": c.external_id, "city": c.city or None, "country": c.country or None,
            "active_subscriptions": record.subscriptions if record else None,
            "first_seen": _date(record.first_seen) if record else None,
            "inactive_since": _date(record.inactive_since) if record else None,
            "inactive_reason": record.inactive_reason if record else None,
        })
    return ExportTable("customers", CUSTOMER_COLUMNS, rows)


def subscription_rows(config: Config, prices: PriceBook, subscriptions: Iterable[SubscriptionRow], *,
                      client: str | None = None) -> ExportTable:
    """One row per subscription (its main product line), priced by the MSP's rule."""
    keep = _keep(config, client)
    rows = []
    for s in subscriptions:
        if not keep(s.account, s.customer_id):
            continue
        name, _ = client_of(config, s.account, s.customer_id)
        price = prices.price(s.account, s.mpn or "", term=s.term, billing=s.billing, price=s.unit_price,
                             cost=s.unit_cost)
        unit_price, unit_price_cur = _amount(price.price)
        unit_cost, unit_cost_cur = _amount(price.cost)
        margin, margin_cur = _amount(price.margin)
        market, market_cur = _amount(s.unit_price)
        percent = price.margin_percent
        rows.append({
            "account": s.account, "subscription_id": s.id, "customer_id": s.customer_id,
            "customer_name": s.customer_name, "client": name or None, "name": s.name, "vendor": s.vendor,
            "mpn": s.mpn, "status": s.status, "active": s.active, "seats": _seats(s.seats), "term": s.term,
            "billing": s.billing, "auto_renew": s.auto_renew, "creation_date": _date(s.creation_date),
            "renewal_date": _date(s.renewal_date), "expiration_date": _date(s.expiration_date),
            "unit_price": unit_price, "unit_price_currency": unit_price_cur, "unit_cost": unit_cost,
            "unit_cost_currency": unit_cost_cur, "margin": margin, "margin_currency": margin_cur,
            "margin_percent": str(percent) if percent is not None else None,
            "price_basis": price.basis if price.price is not None else None,
            "marketplace_unit_price": market, "marketplace_unit_price_currency": market_cur,
            "inactive_since": _date(s.inactive_since), "inactive_reason": s.inactive_reason,
            "last_modified": _date(s.last_modified),
        })
    return ExportTable("subscriptions", SUBSCRIPTION_COLUMNS, rows)


def order_rows(config: Config, orders: Iterable[OrderRow], customer_names: Mapping[tuple[str, str], str], *,
               client: str | None = None) -> ExportTable:
    """One row per order; ``customer_names`` by (account, customer id)."""
    keep = _keep(config, client)
    rows = []
    for o in orders:
        if not keep(o.account, o.customer_id):
            continue
        name, _ = client_of(config, o.account, o.customer_id)
        total, total_cur = _amount(o.total)
        rows.append({
            "account": o.account, "order_id": o.id, "order_number": o.number, "type": o.type, "status": o.status,
            "customer_id": o.customer_id, "customer_name": customer_names.get((o.account, o.customer_id or "")),
            "client": name or None, "subscription_id": o.subscription_id, "po_number": o.po_number,
            "created_at": o.created_at.isoformat() if o.created_at else None,
            "provisioned_at": o.provisioned_at.isoformat() if o.provisioned_at else None,
            "total": total, "total_currency": total_cur, "finished": o.finished,
        })
    return ExportTable("orders", ORDER_COLUMNS, rows)


def mapping_rows(config: Config, customers: Iterable[tuple[str, str, str]], *, account: str | None = None,
                 client: str | None = None) -> ExportTable:
    """The mapping table (the columns ``imtui mappings import`` reads): one row per customer given as
    (account, id, name), unmapped ones too, then the config's mappings of customers not among them."""
    keep = _keep(config, client)
    index = config.mapping_index()
    rows: list[Row] = []
    seen = set()
    for acc, cid, name in customers:
        seen.add((acc, cid))
        if keep(acc, cid):
            mapping = index.get((acc, cid))
            rows.append({"account": acc, "customer_id": cid, "customer_name": name,
                         "client": (mapping.client or "") if mapping else "", "how": mapping.how if mapping else "unmapped"})
    for key, mapping in index.items():
        if key not in seen and (account is None or key[0] == account) and keep(*key):
            rows.append({"account": mapping.account, "customer_id": mapping.customer_id,
                         "customer_name": mapping.customer_name, "client": mapping.client or "", "how": mapping.how})
    return ExportTable("mappings", MAPPING_COLUMNS, rows)


# ---------------------------------------------------------------- writing


def csv_cell(column: str, value: Cell, numeric: frozenset[str] = NUMERIC) -> str:
    """What a CSV cell holds for ``value``: empty for null, ``true``/``false``, numbers as written, other text
    made spreadsheet-safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or column in numeric:
        return str(value)
    return spreadsheet_safe(str(value))


def render(table: ExportTable, fmt: str, *, bom: bool = False) -> bytes:
    """The table as CSV or JSON bytes (UTF-8; ``bom`` puts a byte-order mark first)."""
    if fmt not in FORMATS:
        raise ServiceError(f"Export as csv or json, not {fmt!r}.")
    if fmt == "json":
        text = json.dumps([{c: row.get(c) for c in table.columns} for row in table.rows], ensure_ascii=False, indent=2)
        text += "\n"
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([csv_cell(c, row.get(c), table.numeric) for c in table.columns])
        text = out.getvalue()
    return ("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8")


def export_path(path: str | Path) -> Path:
    """Where ``-o`` points (``~`` allowed); a :class:`ServiceError` in words if it cannot be written there."""
    text = str(path).strip()
    if not text:
        raise ServiceError("Type the path of the file to write.")
    target = Path(text).expanduser()
    if target.is_dir():
        raise ServiceError(f"{target} is a folder; name a file in it.")
    if not target.parent.is_dir():
        raise ServiceError(f"There is no folder {target.parent}.")
    return target


def write_export(table: ExportTable, fmt: str, path: str | Path | None, *, bom: bool = False) -> Path | None:
    """Write the table to ``path`` atomically (a reader sees the old file or the new one, never half),
    or to standard output when ``path`` is None. Returns the path written."""
    data = render(table, fmt, bom=bom)
    if path is None:
        sys.stdout.flush()
        if hasattr(sys.stdout, "buffer"):
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:  # a stream without bytes (a test's StringIO)
            sys.stdout.write(data.decode("utf-8"))
        return None
    target = export_path(path)
    try:
        atomic_write(target, data)
    except OSError as exc:
        raise ServiceError(f"Could not write {target}: {exc.strerror or type(exc).__name__}.") from None
    return target
