"""The App: wiring only. Each area of the product is a screen in its own mode."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from rich.segment import Segments
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from imtui import __version__
from imtui.core.services import Services
from imtui.tui.screens.accounts import AccountsScreen
from imtui.tui.screens.customers import CustomersScreen
from imtui.tui.screens.not_built import NotBuiltScreen
from imtui.tui.widgets.dialogs import PassphraseDialog

THEME = "textual-dark"

AREAS = {
    # mode: (key, label, what it is)
    "accounts": ("1", "Accounts", "Marketplace accounts: add, test, edit"),
    "customers": ("2", "Customers", "Ingram customers and their mapping to your clients"),
    "subscriptions": ("3", "Subscriptions", "Every subscription of every customer"),
    "orders": ("4", "Orders", "Orders placed and their progress"),
    "journal": ("5", "Journal", "The audit journal of every change"),
}


class ImtuiApp(App[None]):
    """imtui: Ingram Micro Cloud Marketplace in the terminal."""

    CSS_PATH = "imtui.tcss"
    TITLE = "imtui"

    MODES = {
        "accounts": AccountsScreen,
        "customers": CustomersScreen,
        "subscriptions": partial(
            NotBuiltScreen,
            "Subscriptions",
            "It will list every subscription of one customer or of all customers of all accounts, with seats, "
            "term (P1M/P1Y), status, renewal, price, cost and margin, and change seats, auto-renew and cancel.",
        ),
        "orders": partial(
            NotBuiltScreen,
            "Orders",
            "It will browse the catalog, estimate and place orders, and follow each order live until it completes.",
        ),
        "journal": partial(
            NotBuiltScreen, "Journal", "It will show the audit journal: every change made, by whom, when and at what price."
        ),
    }

    BINDINGS = [
        *(
            Binding(key, f"area('{mode}')", label, id=f"area.{mode}", tooltip=help_text)
            for mode, (key, label, help_text) in AREAS.items()
        ),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Leave imtui", priority=True),
    ]

    current_account: reactive[str | None] = reactive(None)

    def __init__(self, services: Services, *, start_in: str | None = None) -> None:
        super().__init__()
        self.services = services
        self._start_in = start_in

    def on_mount(self) -> None:
        self.theme = THEME
        accounts = self.services.config.accounts
        if accounts and self.current_account is None:
            self.current_account = accounts[0].name
        self._update_subtitle()
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

    def watch_current_account(self) -> None:
        self._update_subtitle()

    def _update_subtitle(self) -> None:
        parts = []
        if self.current_account:
            account = self.services.config.account(self.current_account)
            if account is not None:
                parts.append(f"account {account.name} ({account.marketplace})")
        if self.services.demo:
            parts.append("DEMO on the built-in sandbox, nothing is saved")
        self.sub_title = " · ".join(parts) or "no account yet: press 1 to add one"

    def action_area(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, (key, label, help_text) in AREAS.items():
            yield SystemCommand(f"Go to {label}", f"{help_text} (key {key})", partial(self.action_area, mode))
        yield SystemCommand(
            "Reload config from disk",
            "Take config.toml as it is now, e.g. after another imtui changed it",
            self.action_reload_config,
        )
        for account in self.services.config.accounts:
            if account.name != self.current_account:
                yield SystemCommand(
                    f"Use account {account.name}",
                    f"Make {account.name} ({account.marketplace}) the current account",
                    partial(setattr, self, "current_account", account.name),
                )

    def action_reload_config(self) -> None:
        try:
            self.services.reload_config()
        except Exception as exc:  # a file broken by hand: said, and nothing overwritten
            self.notify(str(exc), title="Config", severity="error", timeout=15)
            return
        self._update_subtitle()
        # the screen in view shows the new config; the others are rebuilt when next opened
        for mode in ("accounts", "customers"):
            if mode != self.current_mode and mode in self._modes:
                self.remove_mode(mode)
                self.add_mode(mode, self.MODES[mode])
        screen = self.screen
        if isinstance(screen, AccountsScreen):
            screen.refresh_accounts()
        elif isinstance(screen, CustomersScreen):
            screen.refill()
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
