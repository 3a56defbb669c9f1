"""What happened that other screens may care about.

The app broadcasts these to every area screen that exists, in every mode (``ImtuiApp.broadcast``); each
screen handles the ones that concern it (``on_config_reloaded``...) and ignores the rest. So the app
never needs to know which screens exist, and a new area only registers its mode.

A screen that causes one (an order placed) calls ``self.imtui.broadcast(OrderPlaced(...))``.
"""

from __future__ import annotations

from textual.message import Message


class Broadcast(Message, bubble=False):
    """Base of the messages the app sends to every area screen (each gets its own copy)."""


class ServicesReady(Broadcast):
    """The services are open (config, secrets, one client per account; in the demo, the sandbox built):
    from now on the screen may use ``self.services``.

    Every area screen hears it exactly once: when the app opens the services after its first paint (the
    demo), on arrival; when they were open before the app ran, right after the screen's own ``on_mount``.
    So a screen fills itself in ``on_services_ready``, never in ``compose`` or ``on_mount``.
    """


class ConfigReloaded(Broadcast):
    """config.toml was read again from disk (another imtui changed it): show what it holds now."""


class AccountSwitched(Broadcast):
    """The current account changed (palette, or the accounts screen saved or deleted one)."""

    def __init__(self, account: str | None) -> None:
        super().__init__()
        self.account = account


class AccountChosen(Broadcast):
    """The user chose to work with one account ("Use account X" in the palette), or with every account
    again (``None``): screens that list several accounts show only its rows, saying so, with a key back."""

    def __init__(self, account: str | None) -> None:
        super().__init__()
        self.account = account


class OrderPlaced(Broadcast):
    """An order was placed: screens showing subscriptions, orders or the journal have something new.
    ``subscription_id``: the subscription it changes, or the one a purchase made (pending until it completes);
    the money path has stored it in the snapshot already."""

    def __init__(self, account: str, order_id: str, customer_id: str | None = None,
                 subscription_id: str | None = None) -> None:
        super().__init__()
        self.account = account
        self.order_id = order_id
        self.customer_id = customer_id
        self.subscription_id = subscription_id


class OrderSettled(Broadcast):
    """An order the app followed ended (``status``: completed, error, cancelled) or waits for the renewal date
    (``scheduled``); the money path has stored it, and its subscription as it is now, in the snapshot."""

    def __init__(self, account: str, order_id: str, customer_id: str | None = None,
                 subscription_id: str | None = None, status: str = "") -> None:
        super().__init__()
        self.account = account
        self.order_id = order_id
        self.customer_id = customer_id
        self.subscription_id = subscription_id
        self.status = status


class LoadSettled(Message):
    """A screen's first big load finished (bubbles to the app, which settles the heap once)."""


class Synced(Broadcast):
    """A sync wrote these accounts into the snapshot: screens showing snapshot rows read them again."""

    def __init__(self, accounts: list[str]) -> None:
        super().__init__()
        self.accounts = accounts
