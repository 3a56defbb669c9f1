"""``services.pricing``: the MSP's own prices in the config: a markup per account and per-product overrides.

They change what :attr:`Services.prices` (the one pricing rule, :mod:`imtui.core.pricing`) answers, and so
what the browser, the purchase estimate, the exports and the cost report show. Every change is saved through
:meth:`Services.change_config` (atomic; refused changes leave the config as it was).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from imtui.core import rules
from imtui.core.api.models import Period
from imtui.core.config import AccountConfig, Config
from imtui.core.config import PriceOverride
from imtui.core.errors import ServiceError

if TYPE_CHECKING:
    from imtui.core.services import Services

__all__ = ["PricingArea"]


def _period(text: str | None, what: str) -> str | None:
    if text is None or not text.strip():
        return None
    try:
        return Period.from_iso(text).iso
    except ValueError:
        raise ServiceError(f"The {what} is an ISO period such as P1M or P1Y, not {text!r}.") from None


def _amount(text: str | Decimal) -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(f"The price is a number such as 12.50, not {text!r}.") from None
    if not value.is_finite() or value < 0:
        raise ServiceError(f"The price is a number of 0 or more, not {text!r}.")
    if value != value.quantize(Decimal("0.0001")):
        raise ServiceError(f"The price has at most 4 decimal places, not {text!r}.")
    return value


class PricingArea:
    def __init__(self, services: Services) -> None:
        self.services = services

    def _account(self, name: str) -> AccountConfig:
        account = self.services.config.account(name)
        if account is None:
            raise ServiceError(f"There is no account called {name}; see `imtui accounts list`.")
        return account

    def overrides(self, account: str | None = None) -> list[PriceOverride]:
        if account is not None:
            self._account(account)
        return [o for o in self.services.config.price_overrides if account is None or o.account == account]

    def known_currency(self, account: str, mpn: str) -> str | None:
        """The currency the snapshot holds this product in for this account (its cost's), if any."""
        key = mpn.casefold()
        for row in self.services.snapshot.subscriptions(account):
            if (row.mpn or "").casefold() == key and (row.unit_cost or row.unit_price) is not None:
                return (row.unit_cost or row.unit_price).currency
        return None

    def set_override(self, account: str, mpn: str, price: str | Decimal, *, currency: str | None = None,
                     term: str | None = None, billing: str | None = None) -> PriceOverride:
        """Sell ``mpn`` of ``account`` (of one term / billing period, or all) at ``price``; replaces an
        override of the same product, term and billing. The currency defaults to the one the snapshot holds
        the product in."""
        self._account(account)
        mpn = mpn.strip()
        if not mpn:
            raise ServiceError("Name the product by its MPN (--mpn).")
        amount = _amount(price)
        term, billing = _period(term, "term"), _period(billing, "billing period")
        currency = (currency or "").strip().upper() or self.known_currency(account, mpn)
        if not currency:
            raise ServiceError(f"No subscription of {mpn} in {account} says its currency yet: give it (--currency USD).")
        override = PriceOverride(account=account, mpn=mpn, term=term, billing=billing, price=amount, currency=currency)
        key = (account, mpn.casefold(), term, billing)

        def change(config: Config) -> None:
            config.price_overrides = [o for o in config.price_overrides
                                      if (o.account, o.mpn.casefold(), o.term, o.billing) != key] + [override]

        self.services.change_config(change)
        return override

    def remove_override(self, account: str, mpn: str, *, term: str | None = None,
                        billing: str | None = None) -> int:
        """Remove the override of exactly this product, term and billing (``all=True`` style: pass
        neither term nor billing to remove the MPN's catch-all one). Returns how many went (0 raises)."""
        self._account(account)
        key = (account, mpn.strip().casefold(), _period(term, "term"), _period(billing, "billing period"))
        kept = [o for o in self.services.config.price_overrides if (o.account, o.mpn.casefold(), o.term, o.billing) != key]
        removed = len(self.services.config.price_overrides) - len(kept)
        if not removed:
            raise ServiceError(f"There is no price override of {mpn} in {account}"
                               + (f" for {key[2] or 'any term'} / {key[3] or 'any billing'}" if key[2] or key[3] else "")
                               + "; see `imtui prices list`.")

        def change(config: Config) -> None:
            config.price_overrides = [o for o in config.price_overrides
                                      if (o.account, o.mpn.casefold(), o.term, o.billing) != key]

        self.services.change_config(change)
        return removed

    def set_markup(self, account: str, percent: str | Decimal | None) -> AccountConfig:
        """The account's uniform markup over cost, in percent (None or "" removes it)."""
        self._account(account)
        text = "" if percent is None else str(percent)
        problem = rules.MARKUP.check(text)
        if problem:
            raise ServiceError(problem)
        value = rules.MARKUP.parse(text)

        def change(config: Config) -> AccountConfig:
            updated = self._account(account).model_copy(update={"markup_percent": value})
            config.accounts = [updated if a.name == account else a for a in config.accounts]
            return updated

        return self.services.change_config(change)
