"""The details panel of one subscription: every field the snapshot holds, its lines, parameters and orders."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from imtui.core.services.subscription_views import amount_text, period_words
from imtui.core.services.subscriptions import SubscriptionDetails
from imtui.core.snapshot import OrderRow
from imtui.tui.screens.subscription_rows import on_off, renewal_text, seats_text


def _heading(text: str) -> Content:
    return Content.styled(text, "bold")


def _field(label: str, value: object) -> Content:
    return Content.assemble((f"{label:<16}", "dim"), "" if value is None else str(value))


def _money(money) -> str:
    return "" if money is None else f"{amount_text(money)} {money.currency}"


def _date(value) -> str:
    return value.isoformat() if value is not None else "—"


def detail_content(details: SubscriptionDetails, *, orders: Sequence[OrderRow] | None = None,
                   history_note: str = "", note: str | None = None, refusal: str | None = None) -> Content:
    """Everything about one subscription, top to bottom. ``orders``: its order history once read from the
    marketplace (else the snapshot's); ``note``: an order of this session in progress; ``refusal``: why
    it cannot be changed now."""
    view, record = details.view, details.record
    row = view.row
    price = view.price
    lines: list[Content] = [
        Content.assemble((view.product, "bold"), ("  " + (row.vendor or ""), "dim")),
        _field("Client", f"{view.client}" + ("" if view.mapped else " (not mapped: the Ingram name)")),
        _field("Ingram customer", f"{row.customer_name} (#{row.customer_id})"),
        _field("Account", view.account + (" (read-only)" if view.read_only else "")),
        _field("Subscription", row.id),
        _field("MPN", row.mpn or "—"),
        _field("Status", row.status + ("" if view.active else f", inactive since {_date(row.inactive_since)} "
                                       f"({row.inactive_reason})")),
        _field("Auto-renew", on_off(row.auto_renew) or "unknown"),
        _field("Term / billing", f"{row.term} / {row.billing}" + (f" ({record.billing_model})" if record.billing_model else "")),
        _field("Renewal", renewal_text(view) if view.active else _date(row.renewal_date)),
        _field("Dates", f"created {_date(row.creation_date)} · expires {_date(row.expiration_date)} · modified "
                        f"{_date(row.last_modified)} · first seen {_date(record.first_seen)}"),
        _field("Seats", (seats_text(row.seats) or "unknown") + ("" if row.details_loaded else " (detail not loaded yet)")),
        _field("Unit price", f"{_money(price.price) or 'unknown'} ({price.describe_basis})"),
        _field("Unit cost", _money(price.cost) or "unknown"),
        _field("Margin", (_money(price.margin) + (f" ({price.margin_percent}%)" if price.margin_percent is not None else ""))
               or "unknown"),
    ]
    if row.seats is not None and price.price is not None:
        line_price = price.times(row.seats)
        lines.append(_field("Total", f"{_money(line_price.price)} {period_words(row.billing)}"
                                     + (f", margin {_money(line_price.margin)}" if line_price.margin else "")))
    if note:
        lines.append(Content.assemble(("Order in progress: ", "bold yellow"), note))
    if refusal:
        lines.append(Content.assemble(("Changes refused: ", "bold"), refusal))
    lines += ["", _heading(f"Product lines ({len(record.lines)})")]
    for line in record.lines:
        lines.append(Content(
            f"  {line.line_no}. {line.name}  {line.mpn}  × {seats_text(line.quantity) or '?'}  "
            f"unit {_money(line.unit_price) or '—'}  cost {_money(line.unit_cost) or '—'}  "
            f"extended {_money(line.extended_price) or '—'}"
        ))
        if line.vendor_subscription_id:
            lines.append(Content.assemble(("     vendor subscription id ", "dim"), line.vendor_subscription_id))
    if not record.lines:
        lines.append(Content.styled("  none (a plan without products, or its detail is not loaded)", "dim"))
    lines += ["", _heading(f"Parameters ({len(record.parameters)})")]
    for parameter in record.parameters:
        lines.append(Content(f"  {parameter.get('kind', '')}: {parameter.get('name', '')} = {parameter.get('value', '')}"))
    shown = list(orders) if orders is not None else record.orders
    lines += ["", Content.assemble(_heading(f"Orders ({len(shown)}), pending first"), (f"  {history_note}", "dim"))]
    for order in shown:
        lines.append(_order_line(order))
    return Content("\n").join(Content(x) if isinstance(x, str) else x for x in lines)


def _order_line(order: OrderRow) -> Content:
    when = order.created_at.strftime("%Y-%m-%d %H:%M") if order.created_at else "?"
    status = order.status + (f" ({order.status_code})" if order.status_code else "")
    parts = [f"  {order.number or order.id}", order.type, status, when]
    if order.po_number:
        parts.append(f"PO {order.po_number}")
    if order.total is not None:
        parts.append(_money(order.total))
    changes = [f"{'+' if (q := line.quantity) and q > 0 else ''}{q}" for line in order.lines
               if order.type == "change" and line.quantity is not None]
    if changes:
        parts.append("seats " + ", ".join(changes))
    return Content.styled("  ".join(parts), "" if order.finished else "bold yellow")
