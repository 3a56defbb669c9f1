"""Dialogs of the customers screen: map one customer, preview auto-mapping, create clients, import a CSV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from imtui.core import rules
from imtui.tui.dialogs.base import Dialog
from imtui.tui.widgets.checks import Check, first_problem
from imtui.tui.widgets.key_help import KeyHelp, binding_help

if TYPE_CHECKING:
    from imtui.core.matching import AutoMapPlan, Suggestion
    from imtui.core.services import CustomerRow


@dataclass(frozen=True)
class MappingChoice:
    """What the user decided for one customer."""

    action: str  # "map", "ignore" or "skip"
    client: str | None = None


class MappingDialog(Dialog[MappingChoice]):
    """Ranked suggestions with their reasons; one key accepts the top one.

    Names are data, never markup: a customer called "Acme [UK] Ltd" is shown as it is.
    """

    # focus the suggestions if there are any; otherwise nothing, so that i, s and t stay keys (a focused
    # name field would take them as letters) and t is how to start typing a name
    AUTO_FOCUS = "#suggestions"

    BINDINGS = [
        Binding("escape", "cancel", "Stop", id="customers.map.stop", tooltip="Close and stop the queue"),
        Binding("enter", "accept", "Accept", show=False, id="customers.map.accept", tooltip="Accept the suggestion"),
        Binding("i", "ignore", "Ignore", id="customers.map.ignore", tooltip="Never map this customer"),
        Binding("s", "skip", "Skip", id="customers.map.skip", tooltip="Leave unmapped for now, go to the next"),
        Binding("t", "type_name", "Type name", id="customers.map.type", tooltip="Type a client name (new or existing)"),
        *(
            Binding(
                str(n), f"pick({n - 1})", f"Pick {n}", show=False, id=f"customers.map.pick{n}",
                tooltip=f"Map to suggestion {n}",
            )
            for n in range(1, 6)
        ),
    ]

    def __init__(
        self,
        row: CustomerRow,
        suggestions: list[Suggestion],
        clients: list[str],
        *,
        current: str | None = None,
        typed: str = "",
    ) -> None:
        super().__init__(f"Map {row.customer.name}", classes="mapping-dialog")
        self.row = row
        self.suggestions = suggestions
        self.clients = clients
        self.current = current
        self.typed = typed  # a name typed before (one that could not be saved): shown again, not lost

    def compose_body(self) -> ComposeResult:
        customer = self.row.customer
        where = ", ".join(p for p in (customer.city, customer.country) if p)
        yield Static(
            f"Ingram customer #{customer.id} of account {self.row.account}"
            + (f" · {where}" if where else "")
            + (f" · status {customer.status}" if customer.status != "active" else "")
            + (f"\nNow: {self.current}" if self.current else ""),
            id="dialog-body",
            markup=False,
        )
        if self.suggestions:
            yield Label("Suggestions (enter or 1-5 to accept)", classes="field-label")
            yield OptionList(
                *(
                    Option(
                        Content.assemble(f"{n}  ", s.client, "  ", (f"{s.reason} · {s.score:.0%}", "dim")),
                        id=str(n - 1),
                    )
                    for n, s in enumerate(self.suggestions, start=1)
                ),
                id="suggestions",
            )
        else:
            yield Static("No client name is close to this one.", classes="field-message")
        yield Label("Or type a client name (t), new or existing:", classes="field-label")
        yield Input(
            self.typed,
            placeholder="client name",
            id="client-name",
            suggester=SuggestFromList(self.clients, case_sensitive=False),
            validators=[Check(rules.check_client_name)],
            validate_on=["changed", "submitted"],
            select_on_focus=False,
        )
        yield Static("", id="client-name-message", classes="field-message -error", markup=False)

    def compose_buttons(self) -> ComposeResult:
        # no buttons: every choice is a key, listed here
        yield KeyHelp(
            binding_help(
                self,
                ["customers.map.type", "customers.map.ignore", "customers.map.skip", "customers.map.stop"],
                lead=[("enter", "accept"), ("1-5", "pick")],
            )
        )

    def on_mount(self) -> None:
        if self.suggestions:
            self.query_one("#suggestions", OptionList).highlighted = 0
        self._say("")
        if self.typed:  # back with a name that could not be saved: on it, with why
            self.query_one("#client-name", Input).focus()

    def _say(self, problem: str | None) -> None:
        message = self.query_one("#client-name-message", Static)
        message.update(problem or "")
        message.display = bool(problem)
        if problem:  # on a small terminal the body scrolls: bring the message into view, under the field
            self.call_after_refresh(message.scroll_visible, animate=False)

    @on(OptionList.OptionSelected, "#suggestions")
    def chose(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(int(event.option.id or 0))

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self.suggestions):
            self.dismiss(MappingChoice("map", self.suggestions[index].client))

    @on(Input.Changed, "#client-name")
    def _name_changed(self, event: Input.Changed) -> None:
        # as it is typed: a name too long says so at once; an empty field stays quiet until enter
        self._say(first_problem(event.validation_result) if event.value.strip() else None)

    @on(Input.Submitted, "#client-name")
    def _name_submitted(self, event: Input.Submitted) -> None:
        problem = first_problem(event.validation_result)
        if problem:  # stay, with the name as typed and why it cannot be used
            self._say(problem)
            return
        self.dismiss(MappingChoice("map", event.value.strip()))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "accept":
            return True if self.suggestions else None
        return True

    def why_disabled(self, action: str) -> str | None:
        if action == "accept" and not self.suggestions:
            return "No suggestion to accept: type a client name (t), ignore (i), skip (s) or stop (esc)."
        return None

    def action_accept(self) -> None:
        options = self.query_one("#suggestions", OptionList)
        self.action_pick(options.highlighted or 0)

    def action_type_name(self) -> None:
        self.query_one("#client-name", Input).focus()

    def action_ignore(self) -> None:
        self.dismiss(MappingChoice("ignore"))

    def action_skip(self) -> None:
        self.dismiss(MappingChoice("skip"))


class AutoMapDialog(Dialog[bool]):
    """Shows what auto-mapping would do; applies only on a deliberate key."""

    BINDINGS = [Binding("y", "apply", "Apply", id="customers.auto.apply", tooltip="Apply the mappings shown")]
    SHOWN = 12

    def __init__(self, plan: AutoMapPlan) -> None:
        super().__init__("Auto-map: preview", classes="mapping-dialog automap-dialog")
        self.plan = plan

    def compose_body(self) -> ComposeResult:
        plan = self.plan
        lines = []
        for planned in plan.to_apply[: self.SHOWN]:
            lines.append(f"  {planned.customer.name}  →  {planned.client}  ({planned.how}, {planned.customer.account})")
        if len(plan.to_apply) > self.SHOWN:
            lines.append(f"  … and {len(plan.to_apply) - self.SHOWN} more")
        if plan.conflicts:
            lines.append("")
            lines.append("Left for the queue (n), never guessed:")
            for conflict in plan.conflicts[: self.SHOWN]:
                lines.append(f"  {conflict.customer.name}: {conflict.reason}")
            if len(plan.conflicts) > self.SHOWN:
                lines.append(f"  … and {len(plan.conflicts) - self.SHOWN} more")
        yield Static(plan.summary(), id="dialog-body", markup=False)
        # the list can be long: the body scrolls, the buttons stay on screen
        with Vertical(id="automap-details"):
            yield Static("\n".join(lines), markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        yield Button(f"Apply {len(self.plan.to_apply)} (y)", id="confirm", variant="primary", disabled=not self.plan.to_apply)

    @on(Button.Pressed, "#confirm")
    def action_apply(self) -> None:
        if self.plan.to_apply:
            self.dismiss(True)


@dataclass(frozen=True)
class ClientImportChoice:
    scope: str  # "selected" or "unmapped"
    group: str | None
    update_addresses: bool


class ClientImportDialog(Dialog[ClientImportChoice]):
    """Create local clients from Ingram customers, with their address, under an optional group."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Create nothing")]
    # the group is what one types here; enter creates, shift+tab reaches the choice of customers
    AUTO_FOCUS = "#group"

    def __init__(self, selected: CustomerRow | None, unmapped: int) -> None:
        super().__init__("Create clients from Ingram customers")
        self.selected = selected
        self.unmapped = unmapped

    def compose_body(self) -> ComposeResult:
        yield Static(
            "Each customer becomes a client named as Ingram names it, with its address, and is mapped to it.",
            id="dialog-body",
        )
        with RadioSet(id="scope"):
            yield RadioButton(f"All {self.unmapped} unmapped customers", value=True, id="unmapped")
            if self.selected is not None:
                yield RadioButton(Content(f"Only {self.selected.customer.name}"), id="selected")
        yield Label("Top-level group (optional)", classes="field-label")
        yield Input(placeholder="e.g. Ingram import", id="group")
        yield Checkbox("Update the address of clients that already exist", id="update")

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        yield Button("Create clients", id="confirm", variant="primary")

    @on(Input.Submitted, "#group")
    @on(Button.Pressed, "#confirm")
    def confirm(self) -> None:
        pressed = self.query_one("#scope", RadioSet).pressed_button
        self.dismiss(
            ClientImportChoice(
                scope=pressed.id if pressed is not None and pressed.id else "unmapped",
                group=self.query_one("#group", Input).value.strip() or None,
                update_addresses=self.query_one("#update", Checkbox).value,
            )
        )


class PathDialog(Dialog[str]):
    """Asks for a file path (CSV of clients exported from a PSA).

    ``submit`` is called with the path; it returns ``None`` when done, or what went wrong (no such file,
    unreadable), which is shown under the field while the dialog stays open with the path as typed.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Import nothing")]
    AUTO_FOCUS = "#path"

    def __init__(self, title: str, help_text: str, *, submit: Callable[[str], str | None] | None = None) -> None:
        super().__init__(title)
        self.help_text = help_text
        self.submit = submit

    def compose_body(self) -> ComposeResult:
        yield Static(self.help_text, id="dialog-body", markup=False)
        yield Input(placeholder="/path/to/clients.csv", id="path")
        yield Static("", id="dialog-error", classes="field-message -error", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        yield Button("Import", id="confirm", variant="primary")

    def _say(self, problem: str) -> None:
        message = self.query_one("#dialog-error", Static)
        message.update(problem)
        message.display = bool(problem)
        if problem:
            self.call_after_refresh(message.scroll_visible, animate=False)

    def on_mount(self) -> None:
        self._say("")

    @on(Input.Changed, "#path")
    def _path_changed(self) -> None:
        self._say("")

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#confirm")
    def confirm(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self._say("Type the path of the CSV file, e.g. ~/Downloads/clients.csv.")
            return
        problem = self.submit(path) if self.submit is not None else None
        if problem:
            self._say(problem)
            return
        self.dismiss(path)
