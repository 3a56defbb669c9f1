"""Dialogs any screen uses: confirm, a long message, the vault passphrase."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Button, Input, Static

from imtui.tui.dialogs.base import Dialog


class ConfirmDialog(Dialog[bool]):
    """Says exactly what will happen; focus starts on Cancel; confirming needs a deliberate key."""

    BINDINGS = [Binding("y", "confirm", "Confirm", id="dialog.confirm", tooltip="Do it")]

    def __init__(self, title: str, body: str, confirm_label: str = "Yes, do it (y)", *, danger: bool = True) -> None:
        super().__init__(title)
        self.body = body
        self.confirm_label = confirm_label
        self.danger = danger

    def compose_body(self) -> ComposeResult:
        yield Static(self.body, id="dialog-body", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        yield Button(self.confirm_label, id="confirm", variant="error" if self.danger else "primary")

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)


class MessageDialog(Dialog[None]):
    """A long message the user can read (scrolling if need be) and select."""

    BINDINGS = [Binding("enter", "cancel", "Close", id="dialog.close", tooltip="Close")]
    AUTO_FOCUS = "#close"

    def __init__(self, title: str, body: str | Content) -> None:
        super().__init__(title)
        self.body = body

    def compose_body(self) -> ComposeResult:
        yield Static(self.body, id="dialog-body", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield Button("Close", id="close", variant="primary")

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)


class PassphraseDialog(Dialog[str]):
    """Asks the vault passphrase in the UI (never on a terminal prompt).

    ``check`` is called with the passphrase; it returns ``None`` when accepted, or the reason it was refused,
    which is shown under the field while the dialog stays open.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without unlocking")]
    AUTO_FOCUS = "#passphrase"

    def __init__(self, *, create: bool, check: Callable[[str], str | None]) -> None:
        super().__init__("Create an encrypted vault" if create else "Unlock the vault")
        self.create = create
        self.check = check

    def compose_body(self) -> ComposeResult:
        if self.create:
            yield Static(
                "No OS keyring is available, so imtui can keep passwords and subscription keys in a file "
                "encrypted with a passphrase. You will type the passphrase each time imtui starts "
                "(or set IMTUI_VAULT_PASSPHRASE for headless runs). Nothing is stored in plain text.",
                id="dialog-body",
            )
        else:
            yield Static(
                "Type the vault's passphrase to read the stored passwords and subscription keys. "
                "Escape continues without them: accounts kept in the vault will not connect.",
                id="dialog-body",
            )
        yield Input(placeholder="passphrase", password=True, id="passphrase")
        if self.create:
            yield Input(placeholder="the same passphrase again", password=True, id="passphrase2")
        yield Static("", id="dialog-error", classes="field-message", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        yield Button("Create vault" if self.create else "Unlock", id="confirm", variant="primary")

    @on(Input.Submitted, "#passphrase")
    def _first_submitted(self) -> None:
        second = self.query(Input).filter("#passphrase2").first() if self.create else None
        if second is not None and not second.value:
            second.focus()  # enter in the first field of a new vault: on to the confirmation
            return
        self.submit()

    @on(Input.Submitted, "#passphrase2")
    @on(Button.Pressed, "#confirm")
    def submit(self) -> None:
        passphrase = self.query_one("#passphrase", Input).value
        error = None
        if self.create:
            if len(passphrase) < 8:
                error = "Use a passphrase of at least 8 characters."
            elif passphrase != self.query_one("#passphrase2", Input).value:
                error = "The two passphrases differ; type them again."
        elif not passphrase:
            error = "Type the passphrase."
        if error is None:
            error = self.check(passphrase)
        if error:
            self.query_one("#dialog-error", Static).update(error)
            self.query_one("#dialog-error").add_class("-error")
            return
        self.dismiss(passphrase)


class UnsavedDialog(Dialog[bool]):
    """Leaving a form with unsaved edits: keep editing (where focus starts, and what escape does) or
    discard them (a deliberate key). Returns True to discard."""

    BINDINGS = [
        Binding("escape", "cancel", "Keep editing", id="dialog.keep_editing", tooltip="Back to the form, edits kept"),
        Binding("d", "discard", "Discard", id="dialog.discard", tooltip="Throw the edits away and go on"),
    ]
    AUTO_FOCUS = "#keep"

    def __init__(self, what: str, changed: list[str]) -> None:
        super().__init__("Unsaved changes")
        self.what = what
        self.changed = changed

    def compose_body(self) -> ComposeResult:
        fields = ", ".join(self.changed)
        yield Static(
            f"{self.what} has changes that are not saved ({fields}). Keep editing, or discard them and go on?",
            id="dialog-body",
            markup=False,
        )

    def compose_buttons(self) -> ComposeResult:
        yield Button("Keep editing (esc)", id="keep", variant="primary")
        yield Button("Discard changes (d)", id="discard", variant="error")

    @on(Button.Pressed, "#keep")
    def _keep(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#discard")
    def action_discard(self) -> None:
        self.dismiss(True)
