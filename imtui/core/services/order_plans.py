"""Building the plans: every check a money action must pass before the user is asked to confirm it.

Each ``plan_*`` reads what it needs fresh from the marketplace (the subscription's detail, its pending orders,
the catalog's bounds, the marketplace's own estimate), checks the account's read-only flag and limits, and
returns an :class:`~imtui.core.services.plans.OrderPlan`: the sentence, the money, the warnings, and a
``refusal`` when it cannot be placed. Nothing here sends anything that changes money. The checks that need
the API stop at the first refusal (no estimate is asked for a plan that is refused anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from imtui.core.api import ApiError, BusinessRuleError, InvalidRequestError, NotFoundError
from imtui.core.api.models import Money, Order, OrderRequest, ParameterValue, SubscriptionDetail
from imtui.core.config import AccountConfig
from imtui.core.errors import ServiceError
from imtui.core.services import order_checks
from imtui.core.services.catalog import Variant
from imtui.core.services.order_words import (
    check_po_number, count_periods, money_lines, new_po_number, per_period, periods_in, periods_left, purchase_sentence,
    signed, times,
)
from imtui.core.services.plans import MoneyLine, OrderPlan, PlanKind

if TYPE_CHECKING:
    from imtui.core.services import Services

__all__ = ["Planner", "Subject", "status_words"]

INACTIVE = ("terminated", "removed")
_CODE_WORDS = {"NW": "submitted", "AS": "awaiting provisioning", "LO": "provisioning in progress",
               "SC": "scheduled for the renewal date"}


def status_words(order: Order) -> str:
    """``processing, scheduled for the renewal date``: an order's status as a person reads it."""
    label = _CODE_WORDS.get(order.status_code or "")
    return f"{order.status}, {label}" if label and label != order.status else order.status


@dataclass(frozen=True)
class Subject:
    """The subscription a plan is about, as read fresh (or, with ``stale`` set, as the snapshot last had it)."""

    account: AccountConfig
    subscription_id: str
    customer_id: str
    customer_name: str
    client: str | None
    name: str
    status: str
    auto_renew: bool | None
    term: str
    billing: str
    renewal_date: date | None
    mpn: str | None
    vendor: str | None
    seats: int | Decimal | None
    unit_price: Money | None
    unit_cost: Money | None
    stale: str | None = None  # why the fresh read failed: every plan on it is refused

    @property
    def whom(self) -> str:
        return self.client or self.customer_name or f"customer {self.customer_id}"

    def plan(self, kind: str, sentence: str, **more: Any) -> OrderPlan:
        return OrderPlan(kind=kind, account=self.account.name, customer_id=self.customer_id,
                         customer_name=self.customer_name, client=self.client, sentence=sentence,
                         subscription_id=self.subscription_id, **more)


class Planner:
    """The checks and the estimate behind every ``services.orders.plan_*``."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._currencies: dict[str, str | None] = {}

    def forget(self, account: str) -> None:
        self._currencies.pop(account, None)

    # ---------------------------------------------------------------- who and what

    def account(self, name: str) -> AccountConfig:
        account = self.services.config.account(name)
        if account is None:
            raise ServiceError(f"There is no account called {name}; see `imtui accounts list`.")
        return account

    def client_name(self, account: str, customer_id: str) -> str | None:
        mapping = self.services.config.mapping_for(account, customer_id)
        return mapping.client if mapping is not None else None

    async def customer_name(self, account: str, customer_id: str, *, fresh: bool = False) -> str:
        """The Ingram customer's name: the snapshot's, else read from the API (``fresh``: always read, and a
        customer the API does not know is a ServiceError)."""
        if not fresh:
            try:
                known = self.services.snapshot.customer(account, customer_id)
            except Exception:  # noqa: BLE001 - the snapshot is a shortcut only
                known = None
            if known is not None and known.name:
                return known.name
        try:
            return (await self.services.client(account).get_customer(customer_id)).name
        except NotFoundError:
            if fresh:
                raise ServiceError(f"Account {account} has no customer {customer_id}.") from None
            return ""
        except ApiError:
            if fresh:
                raise
            return ""

    async def subject(self, account_name: str, subscription_id: str) -> Subject:
        """The subscription, read fresh (``GET /subscriptions/{id}``). When that fails and the snapshot has it,
        the snapshot's copy with ``stale`` set (plans on it are shown, refused); else the error is raised."""
        account = self.account(account_name)
        try:
            detail = await self.services.client(account.name).get_subscription(subscription_id)
        except ApiError as exc:
            record = self._snapshot_record(account.name, subscription_id)
            if record is None:
                if isinstance(exc, NotFoundError):
                    raise ServiceError(f"Account {account.name} has no subscription {subscription_id}.") from None
                raise
            row = record.row
            return Subject(account, row.id, row.customer_id, row.customer_name,
                           self.client_name(account.name, row.customer_id), row.name, row.status, row.auto_renew,
                           row.term, row.billing, row.renewal_date, row.mpn, row.vendor, row.seats, row.unit_price,
                           row.unit_cost, stale=f"The subscription could not be read fresh from the marketplace, so "
                                                f"nothing can be changed now ({exc})")
        return await self.subject_of(account, detail)

    def _snapshot_record(self, account: str, subscription_id: str) -> Any:
        try:
            return self.services.snapshot.subscription(subscription_id, account)
        except Exception:  # noqa: BLE001 - an unreadable snapshot is no copy at all
            return None

    async def subject_of(self, account: AccountConfig, detail: SubscriptionDetail) -> Subject:
        cid = detail.customer_id or ""
        main = detail.products[0] if detail.products else None
        return Subject(
            account, detail.id or "", cid, await self.customer_name(account.name, cid),
            self.client_name(account.name, cid), (main.name if main else "") or detail.name, detail.status,
            detail.renewal_status, detail.subscription_period.iso if detail.subscription_period else "unknown",
            detail.billing_period.iso if detail.billing_period else "unknown", detail.renewal_date,
            main.mpn if main else None, main.vendor if main else None, main.quantity if main else None,
            main.unit_price if main else None, main.unit_cost if main else None,
        )

    # ---------------------------------------------------------------- shared checks

    # the shared rules (:mod:`.order_checks`), here too for the callers that know them as the planner's
    read_only = staticmethod(order_checks.read_only)
    whole_seats = staticmethod(order_checks.whole_seats)
    seats_limit = staticmethod(order_checks.seats_limit)

    async def currency(self, account: str) -> str | None:
        """The account's currency (its reseller record's), read once per session; None when it says none."""
        if account not in self._currencies:
            try:
                self._currencies[account] = (await self.services.client(account).get_reseller()).currency
            except ApiError:
                return None
        return self._currencies[account]

    async def total_limit(self, account: AccountConfig, amount: Money | None, what: str) -> str | None:
        """``max_order_total`` against ``amount`` (the commitment: the term's total or the rest of it), in the
        account's currency only: an amount in another currency is refused rather than converted."""
        limit = account.max_order_total
        if limit is None or amount is None or amount.amount <= 0:
            return None
        currency = await self.currency(account.name) or amount.currency
        if amount.currency != currency:
            return (f"The estimate is in {amount.currency} but account {account.name}'s order limit of {limit} is in "
                    f"{currency}; imtui never converts currencies, so it cannot check the limit.")
        if amount.amount > limit:
            return (f"{amount} {what} is over account {account.name}'s order limit of "
                    f"{Money(amount=limit, currency=currency)} (max order total).")
        return None

    async def pending_order(self, account: str, subscription_id: str, kinds: tuple[str, ...]) -> str | None:
        """An unfinished order of one of ``kinds`` on the subscription (``GET /orders?subscriptionId=``)."""
        try:
            orders = await self.services.client(account).list_orders(subscription_id=subscription_id)
        except ApiError as exc:
            return f"imtui could not check for orders still pending on subscription {subscription_id}: {exc}"
        for order in orders:
            if order.type in kinds and not order.finished:
                return (f"Order {order.order_number or order.id} ({order.type}, {status_words(order)}) is still pending "
                        f"on subscription {subscription_id}; wait for it to finish, or withdraw it, before placing "
                        "another.")
        return None

    async def estimate(self, account: str, request: OrderRequest) -> tuple[Order | None, str | None]:
        """The marketplace's own estimate, or why there is none (a refusal: a plan is never confirmed blind)."""
        try:
            return await self.services.client(account).estimate_order(request), None
        except (BusinessRuleError, InvalidRequestError, NotFoundError) as exc:
            return None, f"The marketplace refuses this order: {exc}"
        except ApiError as exc:
            return None, f"The marketplace could not estimate this order, so it cannot be confirmed now: {exc}"

    def po_number(self, given: str | None) -> tuple[str, str | None]:
        if given is None or given == "":
            return new_po_number(self.services.now()), None
        return given, check_po_number(given)

    # ---------------------------------------------------------------- seats

    async def seats(self, account: str, subscription_id: str, new_total: object, *, at_renewal: bool,
                    po_number: str | None) -> OrderPlan:
        subject = await self.subject(account, subscription_id)
        seats, problem = self.whole_seats(new_total)
        po, po_problem = self.po_number(po_number)
        before = int(subject.seats) if subject.seats is not None and subject.seats == int(subject.seats) else None
        words = _seat_words(subject, before, seats, at_renewal)
        refusal = (subject.stale or self.read_only(subject.account) or problem or po_problem
                   or _seats_subject_problem(subject))
        variant = None
        if refusal is None:
            variant, refusal = await self._bounds(subject, seats)
        if refusal is None and seats == before:
            refusal = f"Subscription {subject.subscription_id} already has {seats} seats; there is nothing to change."
        if refusal is None and before is not None and seats > before:
            refusal = self.seats_limit(subject.account, seats - before)
        if refusal is None and at_renewal and subject.renewal_date is None:
            refusal = f"Subscription {subject.subscription_id} has no renewal date, so nothing can be scheduled for it."
        if refusal is None:
            refusal = await self.pending_order(account, subject.subscription_id, ("change", "cancellation"))
        asked = {"subscription_id": subject.subscription_id, "mpn": subject.mpn, "seats_before": before,
                 "seats_after": seats, "at_renewal": at_renewal, "term": subject.term, "billing": subject.billing}
        common = dict(po_number=po, asked=asked, seats_before=before, seats_after=seats)
        decrease = before is not None and seats is not None and seats < before
        offers = decrease and not at_renewal and subject.term.endswith("Y")
        warnings = _seat_warnings(subject, offers, at_renewal, variant)
        if refusal is not None:
            return subject.plan(PlanKind.SEATS, words, refusal=refusal, warnings=warnings,
                                offers_at_renewal=offers, **common)
        request = OrderRequest.change(subject.customer_id, subject.subscription_id, subject.mpn or "", seats,
                                      po_number=po, at_renewal=at_renewal)
        estimate, refusal = await self.estimate(account, request)
        money, sentence, commitment = self._seat_money(subject, before, seats, estimate, at_renewal)
        if refusal is None and seats > before:
            refusal = await self.total_limit(subject.account, commitment[1], commitment[0])
        return subject.plan(PlanKind.SEATS, sentence, request=request, estimate=estimate, money=money,
                            warnings=warnings, refusal=refusal, offers_at_renewal=offers, **common)

    async def _bounds(self, subject: Subject, seats: int) -> tuple[Variant | None, str | None]:
        try:
            found = await self.services.catalog.find(subject.account.name, subject.mpn or "", subject.term,
                                                     subject.billing, subject.vendor)
        except ApiError:
            return None, None  # the marketplace checks the bounds itself; a warning says they were not checked
        if not found:
            return None, None
        return found[0], found[0].bounds_problem(seats)

    def _seat_money(self, subject: Subject, before: int, seats: int, estimate: Order | None,
                    at_renewal: bool) -> tuple[tuple, str, tuple[str, Money | None]]:
        delta = seats - before
        total = estimate.total if estimate is not None else None
        per = per_period(subject.billing)
        term_label, term_total = None, None
        if subject.term.endswith("Y") and not at_renewal:
            left = periods_left(self.services.today(), subject.renewal_date, subject.billing)
            if left is not None:
                term_label = f"for the rest of the term ({count_periods(left, subject.billing)}, to {subject.renewal_date})"
                term_total = times(total, left)
        unit = self.services.prices.price(subject.account.name, subject.mpn or "", term=subject.term,
                                          billing=subject.billing, price=subject.unit_price, cost=subject.unit_cost)
        money = money_lines(per, total, term_label, term_total, unit.times(delta), difference=True)
        sentence = _seat_words(subject, before, seats, at_renewal)
        amounts = [f"{signed(total)} {per}" + (" from then" if at_renewal else "")] if total is not None else []
        if term_total is not None:
            amounts.append(f"{signed(term_total)} for the rest of the term")
        if amounts:
            sentence += ": " + ", ".join(amounts)
        what = "for the rest of the term" if term_total is not None else per
        return money, sentence, (what, term_total if term_total is not None else total)

    # ---------------------------------------------------------------- auto-renew, cancel

    async def auto_renew(self, account: str, subscription_id: str, on: bool) -> OrderPlan:
        subject = await self.subject(account, subscription_id)
        when = f" on {subject.renewal_date}" if subject.renewal_date else ""
        if on:
            sentence = (f"Turn auto-renew on for {subject.name} of {subject.whom} (subscription "
                        f"{subject.subscription_id}): it renews{when} for another {_term_short(subject.term)}.")
        else:
            sentence = (f"Turn auto-renew off for {subject.name} of {subject.whom} (subscription "
                        f"{subject.subscription_id}): it ends{when} instead of renewing.")
        refusal = subject.stale or self.read_only(subject.account)
        if refusal is None and subject.status in INACTIVE:
            refusal = f"Subscription {subject.subscription_id} is {subject.status}; its auto-renew cannot change."
        if refusal is None and subject.auto_renew is on:
            refusal = f"Auto-renew of subscription {subject.subscription_id} is already {'on' if on else 'off'}."
        return subject.plan(PlanKind.AUTO_RENEW, sentence, refusal=refusal, auto_renew=on,
                            asked={"subscription_id": subject.subscription_id, "auto_renew": on})

    async def cancel(self, account: str, subscription_id: str, *, po_number: str | None) -> OrderPlan:
        subject = await self.subject(account, subscription_id)
        po, po_problem = self.po_number(po_number)
        seats = f" ({subject.seats} seats)" if subject.seats is not None else ""
        sentence = (f"Cancel {subject.name}{seats} of {subject.whom} (subscription {subject.subscription_id}) now: "
                    "the subscription is terminated and its licences go.")
        refusal = subject.stale or self.read_only(subject.account) or po_problem
        if refusal is None and subject.status in INACTIVE:
            refusal = f"Subscription {subject.subscription_id} is already {subject.status}."
        if refusal is None and subject.status == "pending":
            refusal = f"Subscription {subject.subscription_id} is still being provisioned; it cannot be cancelled yet."
        if refusal is None:
            refusal = await self.pending_order(account, subject.subscription_id, ("cancellation",))
        common = dict(po_number=po, confirm_phrase=subject.whom,
                      asked={"subscription_id": subject.subscription_id, "mpn": subject.mpn,
                             "seats_before": int(subject.seats) if subject.seats is not None else None})
        if refusal is not None:
            return subject.plan(PlanKind.CANCEL, sentence, refusal=refusal, **common)
        request = OrderRequest.cancellation(subject.customer_id, subject.subscription_id, po_number=po)
        estimate, refusal = await self.estimate(account, request)
        money: tuple[MoneyLine, ...] = ()
        if subject.unit_price is not None and subject.seats is not None:
            money = (MoneyLine(f"No longer billed {per_period(subject.billing)}", subject.unit_price * subject.seats),)
        return subject.plan(PlanKind.CANCEL, sentence, request=request, estimate=estimate, refusal=refusal,
                            money=money, **common)

    # ---------------------------------------------------------------- purchase, withdraw

    async def purchase(self, account_name: str, customer_id: str, variant: Variant, quantity: object, *,
                       po_number: str | None, parameters: Mapping[str, str] | None) -> OrderPlan:
        account = self.account(account_name)
        customer = await self.customer_name(account.name, customer_id, fresh=True)
        client = self.client_name(account.name, customer_id)
        qty, problem = order_checks.quantity_problem(quantity, variant, account)
        po, po_problem = self.po_number(po_number)
        whom = client or customer or f"customer {customer_id}"
        params = dict(parameters or {})
        asked = {"mpn": variant.mpn, "vendor": variant.vendor, "term": variant.term, "billing": variant.billing,
                 "quantity": qty if qty is not None else str(quantity), "parameters": ",".join(sorted(params)) or None}
        plan = dict(kind=PlanKind.PURCHASE, account=account.name, customer_id=customer_id, customer_name=customer,
                    client=client, po_number=po, asked=asked, seats_after=qty, variant=variant)
        refusal = self.read_only(account) or problem or po_problem
        if refusal is None:
            refusal = await self._parameter_problem(account.name, customer_id, variant, params)
        if refusal is not None:
            return OrderPlan(sentence=purchase_sentence(qty if qty is not None else quantity, variant.name, variant.term, variant.billing, whom,
                                                        None, None), refusal=refusal, **plan)
        request = OrderRequest.sales(
            customer_id, variant.mpn, qty, vendor=variant.vendor, subscription_period=variant.term_period,
            billing_period=variant.billing_period, po_number=po,
            parameters=[ParameterValue(name=k, value=v) for k, v in params.items()] or None,
        )
        estimate, refusal = await self.estimate(account.name, request)
        total = estimate.total if estimate is not None else None
        term_total = times(total, periods_in(variant.term, variant.billing))
        unit = self.services.catalog.price(variant, qty)
        money = money_lines(per_period(variant.billing), total, "for the term", term_total, unit.times(qty))
        if refusal is None:
            refusal = await self.total_limit(account, term_total or total,
                                             "for the term" if term_total is not None else per_period(variant.billing))
        warnings = ()
        fee = variant.setup_fee_for(qty)
        if fee is not None:
            warnings = (f"A one-off setup fee of {fee} per unit ({fee * qty} in all) comes on top.",)
        return OrderPlan(sentence=purchase_sentence(qty, variant.name, variant.term, variant.billing, whom, total,
                                                    term_total),
                         request=request, estimate=estimate, money=money, refusal=refusal, warnings=warnings, **plan)

    async def _parameter_problem(self, account: str, customer_id: str, variant: Variant,
                                 values: dict[str, str]) -> str | None:
        try:
            checks = await self.services.catalog.parameters(account, customer_id, variant, values)
        except ApiError as exc:
            return f"imtui could not check the activation parameters {variant.name} needs: {exc}"
        bad = [c for c in checks if not c.ok]
        if not bad:
            return None
        said = "; ".join((c.value_error or c.message or f"{c.name} is not valid").rstrip(".") for c in bad)
        names = ", ".join(f"--param {c.name}=VALUE" for c in bad)
        return f"{variant.name} needs activation parameters: {said}. Give them ({names})."

    async def withdraw(self, account_name: str, order_id: str) -> OrderPlan:
        account = self.account(account_name)
        try:
            order = await self.services.client(account.name).get_order(order_id)
        except NotFoundError:
            raise ServiceError(f"Account {account.name} has no order {order_id}.") from None
        cid = order.customer_id or ""
        customer = await self.customer_name(account.name, cid)
        client = self.client_name(account.name, cid)
        number = order.order_number or order.id
        sentence = (f"Withdraw order {number} ({order.type}, {status_words(order)}) of "
                    f"{client or customer or f'customer {cid}'}: it will not be carried out.")
        refusal = self.read_only(account)
        if refusal is None and order.finished:
            refusal = f"Order {number} is already {order.status}; only an order not completed can be withdrawn."
        sid = order.subscription_id or next((ln.subscription_id for ln in order.products if ln.subscription_id), None)
        return OrderPlan(kind=PlanKind.WITHDRAW, account=account.name, customer_id=cid, customer_name=customer,
                         client=client, sentence=sentence, subscription_id=sid, order_id=order.id,
                         po_number=order.po_number, refusal=refusal,
                         asked={"order_id": order.id, "order_number": number, "order_type": order.type})


# ---------------------------------------------------------------- words for seat changes


def _term_short(term: str) -> str:
    return {"P1Y": "year", "P1M": "month"}.get(term, f"term ({term})")


def _seats_subject_problem(subject: Subject) -> str | None:
    if subject.status != "active":
        return (f"Subscription {subject.subscription_id} is {subject.status}; seats can only be changed on an "
                "active subscription.")
    if subject.seats is None or not subject.mpn:
        return f"Subscription {subject.subscription_id} ({subject.name}) has no seats to change."
    if subject.seats != int(subject.seats):
        return (f"Subscription {subject.subscription_id} has {subject.seats} seats, not a whole number; imtui does "
                "not change it.")
    return None


def _seat_words(subject: Subject, before: int | None, seats: int | None, at_renewal: bool) -> str:
    lead = f"At the renewal on {subject.renewal_date}, change" if at_renewal else "Change"
    old = before if before is not None else "?"
    new = seats if seats is not None else "?"
    return (f"{lead} {subject.name} for {subject.whom} from {old} to {new} seats"
            f"{'' if at_renewal else ' now'} (subscription {subject.subscription_id})")


def _seat_warnings(subject: Subject, offers: bool, at_renewal: bool, variant: Variant | None) -> tuple[str, ...]:
    warnings = []
    if offers:
        warnings.append(f"A decrease on a {subject.term} term may only be possible at renewal"
                        f"{f' ({subject.renewal_date})' if subject.renewal_date else ''}; it can be scheduled for "
                        "the renewal date instead.")
    if at_renewal and subject.auto_renew is False:
        warnings.append("Auto-renew is off: the subscription ends at its renewal date instead of renewing, and a "
                        "change scheduled for the renewal then fails.")
    if variant is None and subject.status == "active" and subject.mpn:
        warnings.append("The catalog does not list this product's seat limits; the marketplace checks them.")
    return tuple(warnings)
