"""The App: wiring only. Each area of the product is a screen in its own mode.

Start-up, what loads when (``run``):
1. before the UI: Textual and this module only (no area screen, nothing of ``imtui.core`` but the file
   names: a vault file means a blank first screen, no config file the accounts screen, else customers);
2. the first paint: that screen's module (``lazy``), composed with no data ("Opening…");
3. then, in a thread worker: the services (config read and checked, secrets, pydantic, httpx, the API
   client; in the demo the sandbox and its accounts). A broken config ends the app with its message;
4. the vault's passphrase if the secrets are locked in it, then ``ServicesReady`` to every area screen:
   each fills itself (``AreaScreen``). Keys typed until the services are open are held, then replayed.
``ImtuiApp(services)`` (tests, scripts) skips 1-3: its screens hear ``ServicesReady`` as they mount.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.segment import Segments
from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from imtui import __version__
from imtui.tui.app_sync import SYNC_BINDINGS, SyncActions
from imtui.tui.messages import (
    AccountChosen, AccountSwitched, Broadcast, ConfigReloaded, LoadSettled, ServicesReady,
)
from imtui.tui.screens.base import AreaScreen
from imtui.tui.screens.exportable import can_export

if TYPE_CHECKING:
    from imtui.core.services import Services

THEME = "textual-dark"


@dataclass(frozen=True)
class Area:
    """One area of the product: its key, its name, what it is, and its screen (a mode of its own)."""

    key: str
    label: str
    help: str
    screen: Callable[[], Screen]


def lazy(where: str, *args: object) -> Callable[[], Screen]:
    """The screen class at ``"module:Class"``, imported when its area first opens (so the first paint
    imports the first screen's module only), made with ``args``."""

    def make() -> Screen:
        module, name = where.split(":")
        return getattr(importlib.import_module(module), name)(*args)

    return make


NOT_BUILT = "imtui.tui.screens.not_built:NotBuiltScreen"

#: the areas, in key order. A new area is one entry here: its screen hears the app's broadcasts
#: (imtui.tui.messages) and reacts to what concerns it, so nothing else in the app changes. Its screen
#: is imported when the area first opens (``lazy``).
AREAS = {
    "accounts": Area(
        "1", "Accounts", "Marketplace accounts: add, test, edit", lazy("imtui.tui.screens.accounts:AccountsScreen")
    ),
    "customers": Area(
        "2",
        "Customers",
        "Ingram customers and their mapping to your clients",
        lazy("imtui.tui.screens.customers:CustomersScreen"),
    ),
    "subscriptions": Area(
        "3",
        "Subscriptions",
        "Every subscription of every customer: seats, terms, renewals, prices",
        lazy("imtui.tui.screens.subscriptions:SubscriptionsScreen"),
    ),
    "orders": Area("4", "Orders", "Orders placed and their progress", lazy("imtui.tui.screens.orders:OrdersScreen")),
    "journal": Area(
        "5", "Journal", "The audit journal of every change", lazy("imtui.tui.screens.journal:JournalScreen")
    ),
}


def _vault_locked(services: Services) -> bool:
    """The vault holds the secrets and neither is it open nor does IMTUI_VAULT_PASSPHRASE open it."""
    secrets = services.secrets
    if services.demo or not secrets.vault_exists or secrets.vault_unlocked:
        return False
    try:
        return not secrets.unlock_vault_from_env()
    except Exception:  # a wrong IMTUI_VAULT_PASSPHRASE: ask in the UI instead
        return True


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


class ImtuiApp(SyncActions, App[str | None]):
    """imtui: Ingram Micro Cloud Marketplace in the terminal. Its result: why it could not open, or None."""

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

    #: keys that act while the services are still opening (quit, close the keys panel); others wait
    _ALWAYS_KEYS = frozenset(b.key for b in BINDINGS if isinstance(b, Binding) and b.priority)

    current_account: reactive[str | None] = reactive(None)

    def __init__(
        self,
        services: Services | None = None,
        *,
        opening: Callable[[], Services] | None = None,
        demo: bool = False,
        first: str | None = "customers",
        start_in: str | None = None,
    ) -> None:
        """``ImtuiApp(services)``: on services open already (tests, scripts).

        ``ImtuiApp(opening=...)`` (``imtui``, ``imtui --demo``): ``opening()`` runs in a thread after the
        first paint and returns the services (it may raise ``ConfigError``: the app exits with its message).
        Until then the app shows ``start_in`` or ``first`` (``None``: Textual's blank screen, for when a
        vault may have to be unlocked before any area screen exists); then the area the services call for.
        """
        if (services is None) == (opening is None):
            raise TypeError("ImtuiApp needs either services or a way of opening them")
        #: None until ``opening()`` has returned
        self.services: Services | None = services
        self.demo = services.demo if services is not None else demo
        self._start_in = start_in
        #: the vault holds the secrets: its passphrase is asked before any area screen exists
        self._ask_vault = services is not None and _vault_locked(services)
        #: the screens may use the services (they have heard ``ServicesReady``)
        self._screens_ready = services is not None and not self._ask_vault
        if services is not None:
            first = None if self._ask_vault else self._start_mode()
        elif start_in is not None:
            first = start_in
        # the first screen opens as the app composes (a switch_mode would hold the first paint back by 50 ms
        # and refresh the CSS twice); None: Textual's blank default screen
        if first is not None:
            self.DEFAULT_MODE = first
        super().__init__()
        self._opening = opening
        self._opener: Worker[Services | str] | None = None  # the thread running ``opening()``, once started
        self._opened = threading.Event()  # set when ``opening()`` has returned or failed
        self._opened_services: Services | None = None  # what it returned: closed on unmount in any case
        self._held: list[events.Key | events.Paste] = []  # typed before the services were open
        #: what the area screens hear (see ``broadcast``); each AreaScreen subscribes when mounted
        self.news: Signal[Message] = Signal(self, "news")
        self._heap_settled = False

    @property
    def services_ready(self) -> bool:
        """The area screens may use ``services`` (they hear ``ServicesReady`` when it becomes true)."""
        return self._screens_ready

    def _start_mode(self) -> str:
        assert self.services is not None
        return self._start_in or ("customers" if self.services.config.accounts else "accounts")

    def on_mount(self) -> None:
        self.theme = THEME
        if self.services is not None:
            self._services_known()
        else:
            self._update_subtitle()
            self.call_after_refresh(self._open_in_thread)  # after the first paint

    def _services_known(self) -> None:
        """The services are open: the current account, then the vault's passphrase if the secrets are
        locked in it (before any area screen exists), then the area to start in."""
        assert self.services is not None
        accounts = self.services.config.accounts
        if accounts and self.current_account is None:
            self.current_account = accounts[0].name
        self._update_subtitle()
        self.announce_changes()
        if self._ask_vault:
            from imtui.tui.dialogs import PassphraseDialog

            self._held.clear()  # typed before the dialog showed: never into it, nor into a screen after it

            def unlocked(passphrase: str | None) -> None:
                self._now_ready("accounts" if passphrase is None else self._start_mode())

            self.push_screen(PassphraseDialog(create=False, check=self._unlock), unlocked)
        elif not self._screens_ready:
            self._now_ready(self._start_mode())

    def _now_ready(self, mode: str) -> None:
        self._screens_ready = True
        if self.current_mode != mode:
            self.switch_mode(mode)  # screens that open now hear ServicesReady as they mount
        self.broadcast(ServicesReady())
        held, self._held = self._held, []
        for typed in held:  # typed meanwhile: in order, as a burst of keys from the terminal would come
            self.post_message(
                events.Key(typed.key, typed.character) if isinstance(typed, events.Key) else events.Paste(typed.text)
            )

    def _unlock(self, passphrase: str) -> str | None:
        try:
            self.services.accounts.open_vault(passphrase, create=False)
        except Exception as exc:  # a wrong passphrase: said in the dialog, which stays open
            return str(exc)
        return None

    # ------------------------------------------------------------ opening the services off the first paint

    def _open_in_thread(self) -> None:
        # an exception other than ConfigError is a bug: Textual's crash report (without locals), as any
        self._opener = self.run_worker(self._open, thread=True, name="open-services", group="open-services")

    def _open(self) -> Services | str:
        """In a thread: open the services (their imports included) and try the vault's environment
        passphrase (scrypt is slow); a config that cannot be read comes back as its message."""
        from imtui.core.config import ConfigError

        assert self._opening is not None
        try:
            try:
                services = self._opened_services = self._opening()
            except ConfigError as exc:
                return str(exc)
            self._ask_vault = _vault_locked(services)
            return services
        finally:
            self._opened.set()

    @on(Worker.StateChanged)
    def _services_opened(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._opener or event.state != WorkerState.SUCCESS:
            return
        result = event.worker.result
        if isinstance(result, str):  # a broken config.toml: ``run`` says it once the terminal is back
            self.exit(result, return_code=2)
            return
        self.services = result
        self.demo = result.demo
        self._services_known()

    async def on_event(self, event: events.Event) -> None:
        """Until the services are open, keys and pastes wait (replayed in order once the screens can act
        on them) and mouse presses are dropped; quit still quits."""
        if self.services is None and not event.is_forwarded:
            if isinstance(event, events.Key) and event.key not in self._ALWAYS_KEYS:
                self._held.append(event)
                return
            if isinstance(event, events.Paste):
                self._held.append(event)
                return
            if isinstance(event, (events.MouseDown, events.MouseUp, events.Click)):
                return
        await super().on_event(event)

    def watch_current_account(self, account: str | None) -> None:
        self._update_subtitle()
        self.broadcast(AccountSwitched(account))

    def broadcast(self, message: Broadcast) -> None:
        """Tell every area screen, in every mode, what happened; each handles what concerns it."""
        self.news.publish(message)

    def show_error(self, heading: str, error: BaseException | str) -> None:
        """An error too long for a toast, with its correlation id, in a dialog; one that arrives while
        that dialog is open is added to it instead of stacking another one."""
        from imtui.tui.dialogs import ErrorDialog

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
        if self.current_account and self.services is not None:
            account = self.services.config.account(self.current_account)
            if account is not None:
                parts.append(f"account {account.name} ({account.marketplace})")
        if self.demo:
            parts.append("DEMO on the built-in sandbox, nothing is saved")
        if parts or self.services is None:
            self.sub_title = " · ".join(parts)
        else:
            self.sub_title = "no account yet: press F1 to add one"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_help_panel":
            return bool(self.screen.query("HelpPanel"))
        if action == "export":
            return True if can_export(self.screen) else None
        return True

    # ------------------------------------------------------------ areas, the palette, keys that say why

    async def action_quit(self) -> None:
        """``ctrl+q``: leave imtui; a form with unsaved edits asks first (keep editing, or discard and quit)."""
        screen = self.screen
        if isinstance(screen, AreaScreen) and screen.services_ready:
            screen.confirm_leave(self.exit)
        else:
            self.exit()

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
        accounts = self.services.config.accounts if self.services_ready else []
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
        if self._opener is not None and not self._opened.is_set():
            await asyncio.to_thread(self._opened.wait)  # quit while opening: close what it opens
        services = self.services or self._opened_services
        if services is not None:
            await services.aclose()


def _open_services(config_dir: str | None, demo: bool) -> Services:
    """The services (run in the app's opening thread: their imports are part of the work)."""
    from imtui.core.services import Services

    return Services.open_demo() if demo else Services.open(config_dir)


def run(config_dir: str | None = None, demo: bool = False) -> int:
    """Open the app (``imtui`` / ``imtui --demo``): its first screen first, then the services.

    Before the UI only the file names are looked at: with a vault the app paints a blank screen (its
    passphrase may be asked before any area opens), without a config the accounts screen, else the
    customers. A config that cannot be read ends the app with its message on standard error (exit 2).
    """
    first = "customers"
    if not demo:
        from imtui.core.paths import resolve_paths

        paths = resolve_paths(config_dir)
        if paths.vault_file.exists():
            first = None
        elif not paths.config_file.exists():
            first = "accounts"
    app = ImtuiApp(opening=partial(_open_services, config_dir, demo), demo=demo, first=first)
    # what the imports made lives as long as the process: keep every collection (the first comes during
    # the first paint) from walking it again; ``on_load_settled`` does the same for the first big load
    gc.freeze()
    problem = app.run()
    if problem:
        print(f"imtui: {problem}", file=sys.stderr)
    return app.return_code or 0


__all__ = ["ImtuiApp", "run", "__version__"]
