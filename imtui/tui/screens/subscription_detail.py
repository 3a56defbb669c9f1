"""The details panel of one subscription: every field the snapshot holds, its lines, parameters and orders
(the history read from the marketplace when it is opened, unless it is known to be unreachable)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import work
from textual.content import Content

if TYPE_CHECKING:
    from imtui.core.services.subscription_views import SubscriptionView
    from imtui.tui.screens.subscriptions import SubscriptionsScreen

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


class SubscriptionDetailPanel:
    """Mixed into the subscriptions screen: enter opens the panel in place of the table, esc closes it."""

    def open_detail(self: SubscriptionsScreen, view: SubscriptionView) -> None:
        self.detail_key = view.key
        self._history = None
        self.table.display = False
        self.detail.display = True
        self._draw_detail()
        self.detail.focus()
        self.detail.scroll_home(animate=False)
        self.load_history(view)
        self.refresh_actions()

    def _draw_detail(self: SubscriptionsScreen, history_note: str | None = None) -> None:
        key = self.detail_key
        view = self.views.get(key) if key else None
        if view is None:
            return
        details = self.services.subscriptions.detail(view.id, view.account)
        if details is None:
            self.detail_text.update(f"Subscription {view.id} is no longer in the snapshot.")
            return
        self.detail_text.update(detail_content(
            details, orders=self._history, history_note=history_note or self._history_note,
            note=self.notes.get(view.key), refusal=self.services.subscriptions.refusal(details.view),
        ))

    @work(group="subs-history", exclusive=True, exit_on_error=False)
    async def load_history(self: SubscriptionsScreen, view: SubscriptionView) -> None:
        """Its order history from the marketplace (one call), unless the marketplace is known unreachable."""
        fresh = self.services.subscriptions.freshness().get(view.account)
        if fresh is not None and fresh.error:
            self._history_note = "(from the snapshot: the marketplace could not be reached)"
            self._draw_detail()
            return
        self._history_note = "(reading the history from the marketplace…)"
        self._draw_detail()
        try:
            orders = await self.services.subscriptions.history(view.account, view.id)
        except Exception as exc:  # noqa: BLE001 - any failure: the snapshot's orders stay, the reason is said
            self._history_note = f"(from the snapshot; the history could not be read: {exc})"
        else:
            self._history, self._history_note = orders, "(history read from the marketplace)"
        if self.detail_key == view.key:
            self._draw_detail()

    def close_detail(self: SubscriptionsScreen) -> None:
        key = self.detail_key
        self.detail_key = None
        self.detail.display = False
        self.table.display = True
        self.table.focus()
        if key is not None:
            self.table.move_to("\x1f".join(key))
        self.refresh_actions()
