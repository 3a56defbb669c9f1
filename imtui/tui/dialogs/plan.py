"""The dialogs of money: the confirmation of an :class:`~imtui.core.services.plans.OrderPlan`, and the new
number of seats typed before a seat change is planned.

``PlanDialog(plan)`` shows what will happen in words and money, the warnings, and a refusal when the plan
cannot be placed (the confirm key then does nothing). Focus starts on Cancel; confirming is ``y`` (or the
button); a plan with ``confirm_phrase`` (a cancellation) also needs that phrase typed, and confirm stays
inert until it matches. It returns ``True`` when confirmed, ``None`` otherwise, and :data:`AT_RENEWAL` when a
plan that ``offers_at_renewal`` (a decrease on an annual term) is to be planned again for the renewal date.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, Label, Static

from imtui.core.services.order_plans import Planner
from imtui.core.services.plans import OrderPlan, PlanKind
from imtui.core.services.subscription_views import SubscriptionView, amount_text, period_words
from imtui.tui.dialogs.base import Dialog

TITLES = {
    PlanKind.SEATS: "Change seats",
    PlanKind.AUTO_RENEW: "Auto-renew",
    PlanKind.CANCEL: "Cancel a subscription",
    PlanKind.PURCHASE: "Buy",
    PlanKind.WITHDRAW: "Withdraw an order",
}
CONFIRM_LABELS = {
    PlanKind.SEATS: "Change seats (y)",
    PlanKind.AUTO_RENEW: "Change auto-renew (y)",
    PlanKind.CANCEL: "Cancel the subscription (y)",
    PlanKind.PURCHASE: "Place the order (y)",
    PlanKind.WITHDRAW: "Withdraw the order (y)",
}


MONEY_WIDTH = 60  # label and amount on one line of the dialog's body
#: PlanDialog's answer "the same change, scheduled for the renewal date"
AT_RENEWAL = "at_renewal"


def money_text(money: list[tuple[str, str]]) -> str:
    """Lines of money, each a label and its amount: the amounts in a column after the labels, unless a label is
    too long for one line (then ``label: amount``)."""
    if not money:
        return ""
    width = max(len(label) for label, _ in money)
    if width + max(len(text) for _, text in money) > MONEY_WIDTH:
        width = 0
    return "\n".join(f"{label:<{width}}  {text}" if width else f"{label}: {text}" for label, text in money)


def phrase_matches(typed: str, phrase: str) -> bool:
    """The typed confirmation equals the phrase, ignoring case and spacing."""
    return " ".join(typed.split()).casefold() == " ".join(phrase.split()).casefold()


class PlanDialog(Dialog["bool | str"]):
    """The confirmation of one plan: its sentence, money, warnings and refusal; see the module's docstring."""

    BINDINGS = [
        Binding("y", "confirm", "Confirm", id="dialog.plan.confirm", tooltip="Place this change"),
        Binding("r", "at_renewal", "At renewal", id="dialog.plan.at_renewal",
                tooltip="Plan the same change for the renewal date instead"),
    ]

    def __init__(self, plan: OrderPlan) -> None:
        super().__init__(TITLES.get(plan.kind, "Confirm"), classes="plan-dialog")
        self.plan = plan
        self._typed = ""
        self._done = False

    @property
    def can_confirm(self) -> bool:
        """Not refused, and the phrase typed where one is needed."""
        plan = self.plan
        if plan.refusal is not None:
            return False
        return plan.confirm_phrase is None or phrase_matches(self._typed, plan.confirm_phrase)

    def compose_body(self) -> ComposeResult:
        plan = self.plan
        yield Static(plan.sentence, id="dialog-body", markup=False)
        who = [f"Client {plan.client}" if plan.client else None, f"Ingram customer {plan.customer_name}",
               f"account {plan.account}", f"PO {plan.po_number}" if plan.po_number else None]
        yield Static(" · ".join(w for w in who if w), id="plan-who", classes="field-message", markup=False)
        money = [(line.label, line.text) for line in plan.money]
        if plan.seats_before is not None and plan.seats_after is not None:
            money.insert(0, ("Seats", f"{plan.seats_before:,} → {plan.seats_after:,}"))
        if money:
            yield Static(money_text(money), id="plan-money", markup=False)
        elif plan.estimate is not None and plan.estimate.total is not None:
            yield Static(f"The marketplace's estimate: {plan.estimate.total}", id="plan-money", markup=False)
        for n, warning in enumerate(plan.warnings):
            yield Static(Content.assemble(("Warning: ", "bold"), warning), id=f"plan-warning-{n}",
                         classes="field-message -hint plan-warning")
        if plan.refusal is not None:
            yield Static(Content.assemble(("Refused: ", "bold"), plan.refusal, " Nothing will be sent."),
                         id="plan-refusal", classes="field-message -error")
        elif plan.confirm_phrase is not None:
            yield Label(Content.assemble("To confirm, type ", (plan.confirm_phrase, "bold"), ":"), classes="field-label")
            yield Input(placeholder=plan.confirm_phrase, id="plan-phrase")

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        if self.plan.offers_at_renewal:
            yield Button("At renewal instead (r)", id="at-renewal")
        yield Button(
            CONFIRM_LABELS.get(self.plan.kind, "Confirm (y)"), id="confirm",
            variant="error" if self.plan.kind == PlanKind.CANCEL else "warning", disabled=not self.can_confirm,
        )

    @on(Input.Changed, "#plan-phrase")
    def _phrase_typed(self, event: Input.Changed) -> None:
        self._typed = event.value
        self.query_one("#confirm", Button).disabled = not self.can_confirm
        self.refresh_bindings()

    @on(Input.Submitted, "#plan-phrase")
    def _phrase_submitted(self) -> None:
        self.action_confirm()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return True if self.can_confirm else None  # shown, dimmed: the reason is in the dialog
        if action == "at_renewal":
            return True if self.plan.offers_at_renewal else False
        return True

    @on(Button.Pressed, "#at-renewal")
    def action_at_renewal(self) -> None:
        if self.plan.offers_at_renewal and not self._done:
            self._done = True
            self.dismiss(AT_RENEWAL)

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        if self.can_confirm and not self._done:  # a double key press confirms once
            self._done = True
            self.dismiss(True)


# ---------------------------------------------------------------- the new number of seats


@dataclass(frozen=True)
class SeatsChoice:
    """The seats the user asked for; the plan (estimate, limits, min/max) comes next."""

    new_total: int
    at_renewal: bool = False


def seats_problem(text: str, current: int | None) -> tuple[int | None, str]:
    """The new total typed (or None) and what to say under the field (the orders' own rule for seats)."""
    if not text.strip():
        return None, "Type the new total number of seats."
    total, problem = Planner.whole_seats(text.strip(), "The new number of seats")
    if total is None:
        hint = " To end the subscription, cancel it instead." if text.strip().lstrip("+-") == "0" else ""
        return None, f"{problem}{hint}"
    if current is not None and total == current:
        return None, f"It has {current:,} seats now; type a different total."
    return total, ""


class SeatsDialog(Dialog[SeatsChoice]):
    """Type the new total of seats of one subscription, checked as you type; enter goes on to the plan."""

    AUTO_FOCUS = "#seats"

    def __init__(self, view: SubscriptionView) -> None:
        super().__init__(f"Seats of {view.product}", classes="seats-dialog")
        self.view = view
        self.current = view.seats if isinstance(view.seats, int) else None

    def compose_body(self) -> ComposeResult:
        v = self.view
        price = f", {v.unit_price} a seat {period_words(v.billing)}" if v.unit_price is not None else ""
        yield Static(
            f"{v.client} · {v.product} (subscription {v.id}, account {v.account})\n"
            f"Now: {v.seats if v.seats is not None else 'unknown'} seats, term {v.term} billed {v.billing}{price}.",
            id="dialog-body", markup=False,
        )
        yield Label("New total", classes="field-label")
        yield Input(placeholder="e.g. 25", id="seats")
        yield Static("Type the new total number of seats.", id="seats-message", classes="field-message", markup=False)
        if not v.monthly:
            when = f" ({v.renewal_date.isoformat()})" if v.renewal_date else ""
            yield Checkbox(f"At renewal{when}: schedule the change for the end of the term", id="at-renewal")

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        yield Button("Continue (enter)", id="confirm", variant="primary", disabled=True)

    @on(Input.Changed, "#seats")
    def _typed(self, event: Input.Changed) -> None:
        total, problem = seats_problem(event.value, self.current)
        message = self.query_one("#seats-message", Static)
        message.set_class(total is None and bool(event.value.strip()), "-error")
        message.set_class(total is not None and self._decrease_on_term(total), "-hint")
        if total is not None:
            problem = self._describe(total)
        message.update(problem)
        self.query_one("#confirm", Button).disabled = total is None

    def _decrease_on_term(self, total: int) -> bool:
        return not self.view.monthly and self.current is not None and total < self.current

    def _describe(self, total: int) -> str:
        now = self.current
        if now is None:
            return f"{total:,} seats in all."
        delta = total - now
        words = f"{now:,} → {total:,}: {abs(delta):,} {'more' if delta > 0 else 'fewer'} seat{'s' if abs(delta) != 1 else ''}"
        price = self.view.unit_price
        if price is not None:
            sign = "+" if delta > 0 else "-"
            words += f", {sign}{amount_text(price * abs(delta))} {price.currency} {period_words(self.view.billing)} at your price"
        if self._decrease_on_term(total):
            words += ". A decrease on an annual term may only be possible at renewal: tick 'At renewal' to schedule it."
        return words + ("" if words.endswith(".") else ".")

    @on(Input.Submitted, "#seats")
    @on(Button.Pressed, "#confirm")
    def submit(self) -> None:
        total, _ = seats_problem(self.query_one("#seats", Input).value, self.current)
        if total is None:
            return
        boxes = self.query("#at-renewal").results(Checkbox)
        self.dismiss(SeatsChoice(total, any(box.value for box in boxes)))
