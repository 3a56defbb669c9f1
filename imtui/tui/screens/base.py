"""AreaScreen: what every area's screen shares (typed services, the app's news, a help line from its keys)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, cast

from textual import events, on
from textual.message import Message
from textual.screen import Screen

from imtui.tui.messages import ServicesReady
from imtui.tui.widgets.key_help import binding_help

if TYPE_CHECKING:
    from imtui.core.services import Services
    from imtui.tui.app import ImtuiApp


class AreaScreen(Screen[None]):
    """The screen of one area (accounts, customers, subscriptions...), one per mode.

    It hears the app's broadcasts (``imtui.tui.messages``) as ordinary messages: define
    ``on_config_reloaded`` and the like for the ones that concern this area.

    The services may not be open yet when the screen is composed and mounted (the app paints its first
    screen before it opens them, see ``ImtuiApp``): ``compose``, ``on_mount`` and ``on_screen_resume`` must
    not touch ``self.services`` unless ``services_ready``; the screen fills itself in
    ``on_services_ready(self, _: ServicesReady)``, which every area screen gets exactly once. Keys typed
    before then are held by the app and replayed once the services are ready, so key and button handlers
    may use ``self.services`` freely.
    """

    @property
    def imtui(self) -> ImtuiApp:
        return cast("ImtuiApp", self.app)

    @property
    def services(self) -> Services:
        """Everything headless: config, secrets, one marketplace client per account, mappings (only once
        ``services_ready``)."""
        services = self.imtui.services
        if services is None:
            raise RuntimeError("the services are not open yet: use them from on_services_ready")
        return services

    @property
    def services_ready(self) -> bool:
        """The services are open (``on_services_ready`` has been or is about to be called)."""
        return self.imtui.services_ready

    @on(events.Mount)
    def _listen_to_news(self) -> None:
        # each broadcast reaches this screen as its own message, whether or not its mode is in view
        self.imtui.news.subscribe(self, self._hear, immediate=True)
        if self.imtui.services_ready:  # opened before this screen existed: it missed the broadcast
            self.post_message(ServicesReady())

    def _hear(self, message: Message) -> None:
        self.post_message(copy.copy(message))

    def confirm_leave(self, then: Callable[[], object]) -> None:
        """The user is leaving this area (another area's key, the palette): call ``then`` once it may go.
        A screen holding unsaved edits asks first, and calls ``then`` only if the user lets them go."""
        then()

    def why_disabled(self, action: str) -> str | None:
        """Why the action of a dimmed key (``check_action`` returned None) does nothing now; the app says it
        when the key is pressed anyway. None: say nothing."""
        return None

    def area_commands(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        """``(title, help, callback)`` of this screen's own commands for the palette, as things are now."""
        return ()

    def key_help(self, ids: Sequence[str], *, lead: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
        """``(key, words)`` of this screen's bindings named in ``ids``, for a ``KeyHelp``."""
        return binding_help(self, ids, lead=lead)
