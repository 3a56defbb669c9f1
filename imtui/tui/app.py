"""The App: wiring only. Each area of the product is a screen in its own mode."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from rich.segment import Segments
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.signal import Signal

from imtui import __version__
from imtui.core.services import Services
from imtui.tui.app_sync import SYNC_BINDINGS, SyncActions
from imtui.tui.dialogs import ErrorDialog, PassphraseDialog
from imtui.tui.messages import AccountChosen, AccountSwitched, Broadcast, ConfigReloaded, LoadSettled
from imtui.tui.screens.accounts import AccountsScreen
from imtui.tui.screens.base import AreaScreen
from imtui.tui.screens.customers import CustomersScreen
from imtui.tui.screens.exportable import can_export
from imtui.tui.screens.not_built import NotBuiltScreen

THEME = "textual-dark"


@dataclass(frozen=True)
class Area:
    """One area of the product: its key, its name, what it is, and its screen (a mode of its own)."""

    key: str
    label: str
    help: str
    screen: Callable[[], Screen]


def _orders_screen() -> Screen:
    from imtui.tui.screens.orders import OrdersScreen  # imported when first shown: imtui opens faster

    return OrdersScreen()


def _journal_screen() -> Screen:
    from imtui.tui.screens.journal import JournalScreen  # imported when first shown (with the journal)

    return JournalScreen()


#: the areas, in key order. A new area is one entry here: its screen hears the app's broadcasts
#: (imtui.tui.messages) and reacts to what concerns it, so nothing else in the app changes.
AREAS = {
    "accounts": Area("1", "Accounts", "Marketplace accounts: add, test, edit", AccountsScreen),
    "customers": Area("2", "Customers", "Ingram customers and their mapping to your clients", CustomersScreen),
    "subscriptions": Area(
        "3",
        "Subscriptions",
        "Every subscription of every customer",
        partial(
            NotBuiltScreen,
            "Subscriptions",
            "It will list every subscription of one customer or of all customers of all accounts, with seats, "
            "term (P1M/P1Y), status, renewal, price, cost and margin, and change seats, auto-renew and cancel.",
        ),
    ),
    "orders": Area("4", "Orders", "Orders placed and their progress", _orders_screen),
    "journal": Area("5", "Journal", "The audit journal of every change", _journal_screen),
}


#: the area keys share one footer entry ("F1 F2 F3 F4 F5 areas"), so it fits an 80-column terminal with the
#: screen's own keys; each key's tooltip names its area, and the palette lists them by name.
#: F1-F5 are never text, so they switch areas from anywhere, a form's field included; 1-5 do the same
#: when no text field has focus (a field takes digits as digits). Alt+1..5 reach Textual as text in tmux.
AREA_KEYS = Binding.Group("areas")


def area_bindings() -> list[Binding]:
    bindings = []
    for number, (mode, area) in enumerate(AREAS.items(), start=1):
        tip = f"{area.label}: {area.help}"
        bindings.append(
            Binding(f"f{number}", f"area('{mode}')", area.label, key_display=f"F{number}", id=f"area.{mode}", tooltip=tip, group=AREA_KEYS)
        )
        bindings.append(Binding(area.key, f"area('{mode}')", area.label, show=False, id=f"area.{mode}.digit", tooltip=tip))
    return bindings


AREA_FKEYS = frozenset(f"f{number}" for number in range(1, len(AREAS) + 1))


class ImtuiApp(SyncActions, App[None]):
    """imtui: Ingram Micro Cloud Marketplace in the terminal."""

    CSS_PATH = Path(__file__).with_name("imtui.tcss")  # absolute: a subclass elsewhere finds it too
    TITLE = "imtui"

    MODES = {mode: area.screen for mode, area in AREAS.items()}

    BINDINGS = [
        *area_bindings(),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Leave imtui", priority=True),
        # priority, so the keys panel closes whatever has focus; check_action lets escape through otherwise
        Binding(
            "escape", "hide_help_panel", "Close keys", show=False, priority=True, id="app.close_keys",
            tooltip="Close the keys panel",
        ),
        *SYNC_BINDINGS,
    ]

    current_account: reactive[str | None] = reactive(None)

    def __init__(self, services: Services, *, start_in: str | None = None) -> None:
        super().__init__()
        self.services = services
        self._start_in = start_in
        #: what the area screens hear (see ``broadcast``); each AreaScreen subscribes when mounted
        self.news: Signal[Message] = Signal(self, "news")
        self._heap_settled = False

    def on_mount(self) -> None:
        self.theme = THEME
        accounts = self.services.config.accounts
        if accounts and self.current_account is None:
            self.current_account = accounts[0].name
        self._update_subtitle()
        self.announce_changes()
        start = self._start_in or ("customers" if accounts else "accounts")
        secrets = self.services.secrets
        if not self.services.demo and secrets.vault_exists and not secrets.vault_unlocked and not self._unlock_from_env():
            # the vault holds secrets: ask its passphrase before any screen needs them (never on the terminal)
            def unlocked(passphrase: str | None) -> None:
                self.switch_mode(start if passphrase is not None else "accounts")

            self.push_screen(
                PassphraseDialog(create=False, check=self._unlock), unlocked
            )
            return
        self.switch_mode(start)

    def _unlock_from_env(self) -> bool:
        try:
            return self.services.secrets.unlock_vault_from_env()
        except Exception:  # a wrong IMTUI_VAULT_PASSPHRASE: ask in the UI instead
            return False

    def _unlock(self, passphrase: str) -> str | None:
        try:
            self.services.accounts.open_vault(passphrase, create=False)
        except Exception as exc:  # a wrong passphrase: said in the dialog, which stays open
            return str(exc)
        return None

    def watch_current_account(self, account: str | None) -> None:
        self._update_subtitle()
        self.broadcast(AccountSwitched(account))

    def broadcast(self, message: Broadcast) -> None:
        """Tell every area screen, in every mode, what happened; each handles what concerns it."""
        self.news.publish(message)

    def show_error(self, heading: str, error: BaseException | str) -> None:
        """An error too long for a toast, with its correlation id, in a dialog; one that arrives while
        that dialog is open is added to it instead of stacking another one."""
        if isinstance(self.screen, ErrorDialog):
            self.screen.add(heading, error)
        else:
            self.push_screen(ErrorDialog(heading, error))

    def on_load_settled(self, _: LoadSettled) -> None:
        """Once the first big load has arrived: collect, then keep what is left out of later collections.

        Thousands of customers (tens of thousands of subscriptions) are as many long-lived objects; every
        full collection walks them all, 150-300 ms that land on whichever keystroke triggers it. Frozen
        objects are still freed by reference counting when nothing refers to them; only cyclic garbage
        made of them stays. Once per process: the first load is when the bulk of them exists.
        """
        if not self._heap_settled:
            self._heap_settled = True
            gc.collect()
            gc.freeze()

    def _update_subtitle(self) -> None:
        parts = []
        if self.current_account:
            account = self.services.config.account(self.current_account)
            if account is not None:
                parts.append(f"account {account.name} ({account.marketplace})")
        if self.services.demo:
            parts.append("DEMO on the built-in sandbox, nothing is saved")
        self.sub_title = " · ".join(parts) or "no account yet: press F1 to add one"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_help_panel":
            return bool(self.screen.query("HelpPanel"))
        if action == "export":
            return True if can_export(self.screen) else None
        return True

    # ------------------------------------------------------------ areas, the palette, keys that say why

    def action_area(self, mode: str) -> None:
        if self.current_mode == mode:
            return
        screen = self.screen
        if isinstance(screen, AreaScreen):
            screen.confirm_leave(partial(self.switch_mode, mode))  # unsaved edits: it asks first
        else:
            self.switch_mode(mode)

    def use_account(self, name: str | None) -> None:
        """Work with one account (or, with None, every account): it becomes the current one, and screens
        listing several accounts show only its rows (``AccountChosen``)."""
        if name is not None:
            self.current_account = name
        self.broadcast(AccountChosen(name))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for number, (mode, area) in enumerate(AREAS.items(), start=1):
            yield SystemCommand(f"Go to {area.label}", f"{area.help} (F{number})", partial(self.action_area, mode))
        yield from self.sync_commands(screen)
        yield SystemCommand(
            "Reload config from disk",
            "Take config.toml as it is now, e.g. after another imtui changed it",
            self.action_reload_config,
        )
        accounts = self.services.config.accounts
        if len(accounts) > 1:  # with one account there is nothing to choose
            for account in accounts:
                yield SystemCommand(
                    f"Use account {account.name}",
                    f"Make {account.name} ({account.marketplace}) the current account; show only its customers",
                    partial(self.use_account, account.name),
                )
        if isinstance(screen, AreaScreen):
            for title, help_text, callback in screen.area_commands():
                yield SystemCommand(title, help_text, callback)

    def on_key(self, event: events.Key) -> None:
        """A key that did nothing says why: an area key in a dialog, or a key whose action is dimmed
        (check_action said None) when its screen knows why."""
        if isinstance(self.screen, ModalScreen) and event.key in AREA_FKEYS:
            self.notify("Close this dialog first (esc), then switch areas.", title="Areas")
            return
        active = self.screen.active_bindings.get(event.key)
        if active is None or active.enabled:
            return
        explain = getattr(active.node, "why_disabled", None)
        action = active.binding.action.split("(")[0].rsplit(".", 1)[-1]
        reason = explain(action) if callable(explain) else None
        if reason:
            self.notify(reason, title="Not now", markup=False)

    def action_reload_config(self) -> None:
        try:
            self.services.reload_config()
        except Exception as exc:  # a file broken by hand: said, and nothing overwritten
            self.notify(str(exc), title="Config", severity="error", timeout=15)
            return
        self._update_subtitle()
        self.broadcast(ConfigReloaded())
        self.notify("Config reloaded from disk.", title="Config")

    def _fatal_error(self) -> None:
        """As Textual's, but the traceback never shows local variables: they can hold typed secrets."""
        from rich.traceback import Traceback

        self.bell()
        self._exit_renderables.append(
            Segments(self.console.render(Traceback(show_locals=False, width=None), self.console.options))
        )
        self._close_messages_no_wait()

    async def on_unmount(self) -> None:
        await self.services.aclose()


def run(config_dir: str | None = None, demo: bool = False) -> int:
    """Open the app (``imtui`` / ``imtui --demo``)."""
    from imtui.core.config import ConfigError

    try:
        services = Services.open_demo() if demo else Services.open(config_dir)
    except ConfigError as exc:
        import sys

        print(f"imtui: {exc}", file=sys.stderr)
        return 2
    ImtuiApp(services).run()
    return 0


__all__ = ["ImtuiApp", "run", "__version__"]
