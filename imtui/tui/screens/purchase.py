"""Starting a purchase from a screen: the one way ``b`` works on the customers, subscriptions and orders screens.

``await buy(screen, account=..., customer=..., mpn=...)`` (in a worker of the screen): without a product, the
catalog first (:class:`~imtui.tui.dialogs.catalog.CatalogDialog`: that customer's account only, or any account
from the orders screen); then the purchase dialog (:class:`~imtui.tui.dialogs.purchase.PurchaseDialog`) with
the customer preselected where known and the product's terms and billing to choose from. Returns the dialog's
last outcome, or None when nothing was sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imtui.core.api import ApiError
from imtui.core.errors import ServiceError

if TYPE_CHECKING:
    from imtui.core.services import OrderOutcome
    from imtui.core.services.catalog import Variant
    from imtui.core.services.order_reads import CustomerChoice
    from imtui.tui.screens.base import AreaScreen

__all__ = ["buy", "buy_refusal"]


def buy_refusal(screen: AreaScreen, account: str | None) -> str | None:
    """Why nothing can be bought on ``account`` (read-only, gone), in the money path's words; None: it can."""
    from imtui.core.services.order_checks import read_only

    if not screen.services_ready:
        return "Opening…"
    if account is None:
        return "There is no account yet: press 1 to add one."
    config = screen.services.config.account(account)
    if config is None:
        return f"The account {account} is no longer configured."
    return read_only(config)


async def buy(screen: AreaScreen, *, account: str | None = None, customer: CustomerChoice | None = None,
              mpn: str | None = None, term: str | None = None, billing: str | None = None,
              vendor: str | None = None) -> OrderOutcome | None:
    """The catalog (when no ``mpn`` is given), then the purchase dialog; see the module's docstring."""
    from imtui.tui.dialogs.catalog import CatalogDialog
    from imtui.tui.dialogs.purchase import PurchaseDialog

    services = screen.services
    accounts = [a.name for a in services.config.accounts]
    if customer is not None:
        account = customer.account
    account = account or screen.imtui.current_account or (accounts[0] if accounts else None)
    if account is None:
        screen.notify("There is no account yet: press 1 to add a marketplace account.", title="Buy")
        return None
    try:
        if mpn is None:
            whom = None
            if customer is not None:
                whom = customer.client or customer.name
            chosen: Variant | None = await screen.app.push_screen_wait(
                CatalogDialog([account] if customer else accounts, account, whom=whom))
            if chosen is None:
                return None
            account, mpn, vendor, term, billing = chosen.account, chosen.mpn, chosen.vendor, chosen.term, chosen.billing
        variants = await services.catalog.find(account, mpn, vendor=vendor)
    except (ApiError, ServiceError) as exc:
        screen.imtui.show_error(f"The catalog of {account} could not be read", exc)
        return None
    if not variants:
        screen.imtui.show_error("Not in the catalog", f"The catalog of {account} does not sell {mpn} (any more), so it "
                                                      "cannot be bought from here; press b on the orders screen to "
                                                      "choose another product.")
        return None
    variant = next((v for v in variants if (v.term, v.billing) == (term, billing)), variants[0])
    dialog = PurchaseDialog(account, variants, variant, customer=customer, fixed_customer=customer is not None)
    return await screen.app.push_screen_wait(dialog)
