"""PurchaseDialog: buy a product of the catalog for a customer, with the marketplace's own estimate.

Opened from a customer (customers screen, ``b``: the customer is known), a subscription (the browser, ``b``:
the same product and customer) or the catalog (a customer is picked here). The form: the customer, the product
and its term and billing (the MPN's variants), the quantity, the PO number (a new one by default, editable) and
the activation parameters the product needs (``services.catalog.parameters``). Each field is checked as it is
typed with the money path's own rules (:mod:`imtui.core.services.order_checks`: the product's min/max, the
account's seats-per-order limit); once they pass, the plan is asked for (``services.orders.plan_purchase``,
a moment after the last keystroke) and its estimate shown: the unit price, the total per billing period and
for the term, your price, cost and margin, in the estimate's currency; a refusal (read-only account, a limit,
the marketplace's no) is shown with its reason and the confirm key does nothing.

``enter`` goes on to the confirmation (:class:`~imtui.tui.dialogs.plan.PlanDialog`: the plan's sentence, focus
on Cancel, ``y``), then the order is placed, once, and followed live (:mod:`.purchase_place`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, cast

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from imtui.core.api import ApiError
from imtui.core.errors import ServiceError
from imtui.core.services.order_checks import quantity_problem, read_only, unit_price
from imtui.core.services.order_words import billing_words, check_po_number, new_po_number, per_period, term_words
from imtui.tui.dialogs.base import Dialog
from imtui.tui.dialogs.errors import explain
from imtui.tui.dialogs.pick import PickDialog
from imtui.tui.dialogs.plan import money_text
from imtui.tui.dialogs.purchase_place import CONFIRMING, DONE, FORM, PurchasePlacing

if TYPE_CHECKING:
    from imtui.core.config import AccountConfig
    from imtui.core.services import OrderOutcome, OrderPlan, Services
    from imtui.core.services.catalog import Variant
    from imtui.core.services.order_reads import CustomerChoice
    from imtui.tui.app import ImtuiApp

__all__ = ["PurchaseDialog", "customer_words", "variant_choice"]


def customer_words(customer: CustomerChoice) -> str:
    """``Acme Inc (Ingram ACME INC., 1000101)``; an unmapped customer by its Ingram name."""
    if customer.client:
        return f"{customer.client} (Ingram {customer.name}, {customer.id})"
    return f"{customer.name} ({customer.id}, not mapped to a client)"


def variant_choice(variant: Variant) -> str:
    """``P1Y/P1M  1-year term billed monthly``: one choice of term and billing."""
    return f"{variant.term}/{variant.billing}  {term_words(variant.term)} {billing_words(variant.billing)}"


class PurchaseDialog(PurchasePlacing, Dialog["OrderOutcome"]):
    """The purchase form, its estimate, and (after ``enter`` and ``y``) the order; see the module's docstring.
    Returns the last :class:`OrderOutcome` (``None`` when nothing was sent)."""

    AUTO_FOCUS = "#quantity"
    BINDINGS = [
        Binding("escape", "cancel", "Close", id="purchase.close", tooltip="Close; nothing is sent that was not confirmed"),
        Binding("l", "lookup", "Look it up", id="purchase.lookup",
                tooltip="Ask the marketplace again whether the order exists (by its PO number)"),
        Binding("p", "place_again", "Place again", id="purchase.again",
                tooltip="Back to the form to place it again, with the same PO number"),
    ]
    #: seconds between the last keystroke and asking for the estimate (typing on asks once); tests set 0
    estimate_delay: ClassVar[float] = 0.4

    quantity = getters.query_one("#quantity", Input)
    po = getters.query_one("#po", Input)
    estimate_text = getters.query_one("#purchase-estimate", Static)
    refusal_text = getters.query_one("#purchase-refusal", Static)

    def __init__(self, account: str, variants: Sequence[Variant], variant: Variant, *,
                 customer: CustomerChoice | None = None, fixed_customer: bool = False) -> None:
        super().__init__(f"Buy {variant.name} · account {account}", classes="purchase-dialog")
        self.account = account
        self.variants = list(variants) or [variant]
        self.variant = variant if variant in self.variants else self.variants[0]
        self.customer = customer
        self.fixed_customer = fixed_customer and customer is not None
        self.plan: OrderPlan | None = None  # the plan of the form as it is now (None while it is being made)
        self.phase = FORM
        self.outcome: OrderOutcome | None = None
        self.parameters: list[str] = []  # the activation parameters the product needs, by name
        self._generation = 0  # bumped on every change of the form: an older estimate is dropped
        self._po_kept = False  # placing again after "not placed": the PO number stays what it was
        self._init_placing()
        if customer is None:
            self.AUTO_FOCUS = "#customer-pick"

    @property
    def services(self) -> Services:
        services = cast("ImtuiApp", self.app).services
        assert services is not None
        return services

    @property
    def account_config(self) -> AccountConfig | None:
        return self.services.config.account(self.account)

    # ------------------------------------------------------------ the form

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="purchase-row"):
            yield Label("Customer", classes="purchase-label")
            if self.fixed_customer and self.customer is not None:
                yield Static(customer_words(self.customer), id="purchase-customer", markup=False)
            else:
                label = customer_words(self.customer) if self.customer else "Choose the customer… (enter)"
                yield Button(label, id="customer-pick", compact=True)
        with Horizontal(classes="purchase-row"):
            yield Label("Product", classes="purchase-label")
            vendor = f" · {self.variant.vendor}" if self.variant.vendor else ""
            yield Static(f"{self.variant.name}{vendor} · {self.variant.mpn}", id="purchase-product", markup=False)
        with Horizontal(classes="purchase-row"):
            yield Label("Term, billing", classes="purchase-label")
            yield Select([(variant_choice(v), i) for i, v in enumerate(self.variants)], id="variant", compact=True,
                         allow_blank=False, value=self.variants.index(self.variant))
        with Horizontal(classes="purchase-row"):
            yield Label("Quantity", classes="purchase-label")
            yield Input(placeholder=self.variant.allowed, id="quantity", compact=True)
        yield Static("", id="quantity-message", classes="field-message purchase-message", markup=False)
        with Horizontal(classes="purchase-row"):
            yield Label("PO number", classes="purchase-label")
            yield Input(new_po_number(self.services.now()), id="po", compact=True, max_length=64)
        yield Static("", id="po-message", classes="field-message purchase-message", markup=False)
        yield Vertical(id="purchase-parameters")
        yield Static("", id="purchase-estimate", markup=False)
        yield Static("", id="purchase-refusal", classes="field-message -error", markup=False)
        yield Static("", id="purchase-outcome", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield Button("Cancel (esc)", id="close")
        yield Button("Look it up (l)", id="lookup")
        yield Button("Place again, same PO (p)", id="again")
        yield Button("Review and confirm (enter)", id="confirm", variant="warning", disabled=True)

    def on_mount(self) -> None:
        for widget in ("#purchase-outcome", "#lookup", "#again"):
            self.query_one(widget).display = False
        self.po.cursor_position = len(self.po.value)
        self._discover_parameters()
        self._form_changed()

    def _say(self, selector: str, text: str, *kind: str) -> None:
        """Show ``text`` in a message line (hidden when empty); ``kind``: ``-error``, ``-hint``, ``-ok``."""
        widget = self.query_one(selector, Static)
        widget.update(text)
        widget.display = bool(text)
        for name in ("-error", "-hint", "-ok"):
            widget.set_class(name in kind, name)

    def _inputs(self) -> list[Input]:
        return list(self.query("#dialog-scroll Input").results(Input))

    def _values(self) -> dict[str, str]:
        """The activation parameters as typed, by name."""
        fields = {f.id: f.value.strip() for f in self.query("#purchase-parameters Input").results(Input)}
        return {name: fields.get(f"param-{i}", "") for i, name in enumerate(self.parameters)}

    @on(Input.Changed)
    def _typed(self) -> None:
        if self.phase == FORM:
            self._form_changed()

    @on(Select.Changed, "#variant")
    def _variant_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, int) and self.variants[event.value] != self.variant:
            self.variant = self.variants[event.value]
            self.quantity.placeholder = self.variant.allowed
            self._discover_parameters()
            self._form_changed()

    def _local_problems(self) -> tuple[int | None, list[str]]:
        """Check every field as typed (the money path's own rules) and say so beside it: the quantity, and
        what still stands in the way of an estimate."""
        typed = self.quantity.value
        qty, problem = quantity_problem(typed, self.variant, self.account_config)
        if problem:
            self._say("#quantity-message", problem, "-error" if typed.strip() else "-hint")
        else:
            price = self.variant.price_for(qty)
            each = f": {price} each {per_period(self.variant.billing)} by the catalog" if price is not None else ""
            self._say("#quantity-message", f"{qty:,} ({self.variant.allowed} allowed){each}.", "-ok")
        problems = [problem] if problem else []
        po_problem = check_po_number(self.po.value)
        if po_problem and not self.po.value.strip():
            po_problem = "Type a PO number: every order carries one (imtui fills in a new one when the dialog opens)."
        self._say("#po-message", po_problem or ("The same PO number as the order that was not placed."
                                                if self._po_kept else ""), "-error" if po_problem else "-hint")
        if po_problem:
            problems.append(po_problem)
        missing = [name for name, value in self._values().items() if not value]
        if missing:
            problems.append(f"{self.variant.name} needs {', '.join(missing)} (an activation parameter).")
        if self.customer is None:
            problems.insert(0, "Choose the customer first (enter on Customer).")
        return qty, problems

    def _form_changed(self) -> None:
        """A field changed: check what is typed; when it all passes, ask for the plan a moment later."""
        self._generation += 1
        self.plan = None
        self.query_one("#confirm", Button).disabled = True
        qty, problems = self._local_problems()
        refusal = read_only(self.account_config) if self.account_config else f"There is no account {self.account}."
        if refusal:
            self._say("#purchase-refusal", f"Refused: {refusal} Nothing will be sent.", "-error")
        if problems or qty is None:
            first = "Choose the customer (enter on Customer), then t" if self.customer is None else "T"
            missing = [p for p in problems if p.endswith("(an activation parameter).")]
            self._say("#purchase-estimate", f"{first}he marketplace's estimate follows once every field above is "
                      "complete." + "".join(f" {p}" for p in missing), "-hint")
            if not refusal:
                self._say("#purchase-refusal", "")
            return
        self._say("#purchase-estimate", "Asking the marketplace for an estimate…")
        self.ask_estimate(self._generation, qty)

    @work(exclusive=True, group="purchase-estimate", exit_on_error=False)
    async def ask_estimate(self, generation: int, quantity: int) -> None:
        """The plan of the form as it is (typing on cancels this worker: one request per pause)."""
        await asyncio.sleep(self.estimate_delay)
        customer, variant, po, values = self.customer, self.variant, self.po.value, self._values()
        if customer is None:
            return
        try:
            if self.parameters:
                await self._check_parameters(customer.id, variant, values, generation)
            plan = await self.services.orders.plan_purchase(self.account, customer.id, variant, quantity,
                                                            po_number=po, parameters=values)
        except (ApiError, ServiceError) as exc:
            if generation == self._generation:
                said, correlation_id = explain(exc)
                cid = f"\nCorrelation id: {correlation_id}" if correlation_id else ""
                self._say("#purchase-estimate", f"No estimate: {said}{cid}", "-error")
            return
        if generation == self._generation and self.phase == FORM:
            self.show_plan(plan)

    def show_plan(self, plan: OrderPlan) -> None:
        """The estimate and money of ``plan``, its warnings, and the refusal (the confirm key then inert)."""
        self.plan = plan
        money: list[tuple[str, str]] = []
        unit = unit_price(plan.estimate, plan.seats_after)
        if unit is not None:
            money.append(("Unit price", f"{unit} {per_period(self.variant.billing)}"))
        money += [(line.label, line.text) for line in plan.money]
        total = plan.estimate.total if plan.estimate is not None else None
        lines = [f"The marketplace's estimate, in {total.currency}:" if total is not None else "No estimate."]
        if money:
            lines.append(money_text(money))
        lines += [f"Warning: {w}" for w in plan.warnings]
        self._say("#purchase-estimate", "\n".join(lines))
        if plan.refusal:
            self._say("#purchase-refusal", f"Refused: {plan.refusal} Nothing will be sent.", "-error")
        else:
            self._say("#purchase-refusal", "")
        self.query_one("#confirm", Button).disabled = plan.refusal is not None
        self.refresh_bindings()

    # ------------------------------------------------------------ activation parameters

    @work(exclusive=True, group="purchase-parameters", exit_on_error=False)
    async def _discover_parameters(self) -> None:
        """Which activation parameters the product needs for this customer (a field each)."""
        customer, variant = self.customer, self.variant
        if customer is None:
            return
        try:
            checks = await self.services.catalog.parameters(self.account, customer.id, variant)
        except (ApiError, ServiceError) as exc:
            self._say("#purchase-estimate", f"imtui could not ask which activation parameters {variant.name} needs: "
                      f"{explain(exc)[0]}", "-error")
            return
        if (customer, variant) != (self.customer, self.variant):
            return
        names = [check.name for check in checks]
        if names == self.parameters:
            return
        self.parameters = names
        box = self.query_one("#purchase-parameters", Vertical)
        await box.remove_children()
        for i, check in enumerate(checks):
            row = Horizontal(Label(check.name, classes="purchase-label"),
                             Input(placeholder=check.message or "", id=f"param-{i}", compact=True),
                             classes="purchase-row")
            await box.mount_all([row, Static("", id=f"param-{i}-message", classes="field-message purchase-message",
                                             markup=False)])
            self._say(f"#param-{i}-message", check.message or "", "-hint")
        self._form_changed()

    async def _check_parameters(self, customer_id: str, variant: Variant, values: dict[str, str],
                                generation: int) -> None:
        """The marketplace's word on each parameter typed, under its field."""
        checks = {c.name: c for c in await self.services.catalog.parameters(self.account, customer_id, variant, values)}
        if generation != self._generation:
            return
        for i, name in enumerate(self.parameters):
            check = checks.get(name)
            if check is not None:
                said = check.value_error or check.message or ""
                self._say(f"#param-{i}-message", said, "-ok" if check.ok else "-error")

    # ------------------------------------------------------------ the customer

    @on(Button.Pressed, "#customer-pick")
    def _pick_customer(self) -> None:
        if self.phase == FORM:
            self.pick_customer()

    @work(exclusive=True, group="purchase-customer", exit_on_error=False)
    async def pick_customer(self) -> None:
        button = self.query_one("#customer-pick", Button)
        button.label = "Reading the customers…"
        try:
            choices = await self.services.orders_view.buyable(self.account)
        except (ApiError, ServiceError) as exc:
            button.label = "Choose the customer… (enter)"
            self._say("#purchase-estimate", f"The customers of {self.account} could not be read: {explain(exc)[0]}",
                      "-error")
            return
        button.label = customer_words(self.customer) if self.customer else "Choose the customer… (enter)"
        by_id = {c.id: c for c in choices}
        dialog = PickDialog(f"Buy for which customer of {self.account}?",
                            [(c.id, customer_words(c)) for c in choices], current=self.customer.id if self.customer else "",
                            any_label="(none)", note="Clients first, then customers not mapped to a client.")
        chosen = await self.app.push_screen_wait(dialog)
        if chosen and chosen in by_id and self.phase == FORM:
            self.customer = by_id[chosen]
            button.label = customer_words(self.customer)
            self._discover_parameters()
            self._form_changed()
            self.quantity.focus()

    # ------------------------------------------------------------ keys

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm")
    def action_review(self) -> None:
        """``enter``: on to the confirmation, when the plan is ready and nothing refuses it."""
        if self.phase != FORM:
            return
        plan = self.plan
        if plan is None or plan.refusal is not None:
            reason = plan.refusal if plan is not None else "Wait for the marketplace's estimate (or complete the form)."
            self.notify(reason, title="Not yet", severity="warning", markup=False)
            return
        self.phase = CONFIRMING
        self._lock_form(True)
        self.confirm_and_place(plan)

    def _lock_form(self, locked: bool) -> None:
        """While the order is confirmed, sent or done the fields take no keys (a second ``y`` types nothing)."""
        for widget in (*self._inputs(), *self.query("#variant, #customer-pick")):
            widget.disabled = locked or (widget.id == "po" and self._po_kept)
        if locked:
            self.query_one("#close", Button).focus()
        else:
            self.quantity.focus()

    @on(Button.Pressed, "#close")
    def action_cancel(self) -> None:
        if self.phase in (FORM, DONE):
            self.dismiss(self.outcome)
        else:
            self.notify("The order is being confirmed or sent: wait for its answer (it is sent once, never twice).",
                        title="Buy", markup=False)

    @on(Button.Pressed, "#lookup")
    def _lookup_pressed(self) -> None:
        self.action_lookup()

    @on(Button.Pressed, "#again")
    def _again_pressed(self) -> None:
        self.action_place_again()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lookup":
            return True if self.phase == DONE and self.can_look_up else False
        if action == "place_again":
            return True if self.phase == DONE and self.can_place_again else False
        return True
