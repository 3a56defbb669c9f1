"""CatalogDialog: what an account can buy, one row per product variant, searched as you type; enter buys.

A modal, opened by ``b`` from the orders screen (any account: ``ctrl+n`` goes to the next one) and from the
customers screen (that customer's account only), so it is the one place a purchase starts from when the
product is not known yet. It returns the chosen :class:`~imtui.core.services.catalog.Variant` (``None``:
closed). The catalog is read once per account per session (``services.catalog.variants``); searching reads
nothing more. Each row: vendor, product, MPN, term/billing, min–max, price and cost per billing period (at the
lowest quantity sold), your price and margin (the pricing rule), the setup fee apart; the line under the table
says everything about the highlighted row, every quantity tier included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, DataTable, Input, Static

from imtui.core.api import ApiError
from imtui.core.errors import ServiceError
from imtui.core.services.catalog import search_words
from imtui.tui.dialogs.base import Dialog
from imtui.tui.dialogs.errors import explain
from imtui.tui.screens.catalog_rows import CATALOG_COLUMNS, VariantLine, variant_words
from imtui.tui.widgets.fast_table import FastTable

if TYPE_CHECKING:
    from imtui.core.services import Services
    from imtui.core.services.catalog import Variant
    from imtui.tui.app import ImtuiApp


class CatalogDialog(Dialog["Variant"]):
    """The catalog of one account; see the module's docstring."""

    AUTO_FOCUS = "#catalog-search"
    BINDINGS = [
        Binding("escape", "cancel", "Close", id="catalog.close", tooltip="Close the catalog, buying nothing"),
        Binding("down", "move(1)", "Next", show=False, id="catalog.next", tooltip="Next product"),
        Binding("up", "move(-1)", "Previous", show=False, id="catalog.previous", tooltip="Previous product"),
        Binding("pagedown", "move(10)", "Page down", show=False, id="catalog.page_down", tooltip="Ten products on"),
        Binding("pageup", "move(-10)", "Page up", show=False, id="catalog.page_up", tooltip="Ten products back"),
        Binding("ctrl+n", "next_account", "Next account", id="catalog.account",
                tooltip="The catalog of the next account"),
    ]

    table = getters.query_one("#catalog-table", FastTable)
    search = getters.query_one("#catalog-search", Input)
    words = getters.query_one("#catalog-words", Static)
    note = getters.query_one("#catalog-note", Static)

    def __init__(self, accounts: Sequence[str], account: str, *, whom: str | None = None) -> None:
        super().__init__("Catalog", classes="catalog-dialog")
        self.accounts = list(accounts) or [account]
        self.account = account
        self.whom = whom  # buying for this customer: its account only
        self.lines: list[VariantLine] = []

    @property
    def services(self) -> Services:
        services = cast("ImtuiApp", self.app).services
        assert services is not None
        return services

    def compose_body(self) -> ComposeResult:
        yield Static("", id="catalog-note", markup=False)
        yield Input(placeholder="search: product name, MPN or vendor", id="catalog-search", compact=True)
        yield FastTable(CATALOG_COLUMNS, id="catalog-table", zebra_stripes=True)
        yield Static("", id="catalog-words", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        yield Button("Buy this product (enter)", id="confirm", variant="primary", disabled=True)

    def on_mount(self) -> None:
        self.table.can_focus = False  # the search keeps the keys; up/down move the cursor from there
        self._show_note()
        self.load()

    def _show_note(self) -> None:
        parts = [f"Account {self.account}"]
        if self.whom:
            parts.append(f"buying for {self.whom}")
        elif len(self.accounts) > 1:
            parts.append("ctrl+n next account")
        parts.append("type to search · enter buys")
        self.note.update(" · ".join(parts))

    # ------------------------------------------------------------ rows

    @work(exclusive=True, group="catalog-load", exit_on_error=False)
    async def load(self) -> None:
        account = self.account
        self.lines = []
        self.table.replace_rows([])
        self.words.update(f"Reading the catalog of {account}…")
        try:
            variants = await self.services.catalog.variants(account)
        except (ApiError, ServiceError) as exc:
            said, correlation_id = explain(exc)
            if account == self.account:
                self.words.update(f"The catalog of {account} could not be read: {said}"
                                  + (f"\nCorrelation id: {correlation_id}" if correlation_id else ""))
            return
        if account != self.account:
            return  # another account was chosen meanwhile
        catalog = self.services.catalog
        self.lines = [VariantLine(v, catalog.price(v)) for v in variants]
        self.refill()

    def refill(self) -> None:
        """The rows the search keeps (every word in the name, MPN or vendor: the catalog's own rule)."""
        words = search_words(self.search.value)
        shown = [line for line in self.lines if line.variant.matches(words)] if words else self.lines
        self.table.replace_rows(shown)
        self._describe()

    def _describe(self) -> None:
        line = self.table.selected
        confirm = self.query_one("#confirm", Button)
        confirm.disabled = not isinstance(line, VariantLine)
        if isinstance(line, VariantLine):
            self.words.update(variant_words(line.variant, line.price))
        elif self.lines:
            self.words.update(f"No product of {self.account} matches {self.search.value.strip()!r}.")
        else:
            self.words.update(f"The catalog of {self.account} is empty.")

    @on(Input.Changed, "#catalog-search")
    def _searched(self) -> None:
        self.refill()

    @on(DataTable.RowHighlighted, "#catalog-table")
    def _moved(self) -> None:
        self._describe()

    def action_move(self, step: int) -> None:
        count = self.table.row_count
        if count:
            self.table.move_cursor(row=max(0, min(count - 1, self.table.cursor_row + step)))

    def action_next_account(self) -> None:
        if self.whom or len(self.accounts) < 2:
            self.notify("Buying for one customer: its account's catalog only." if self.whom
                        else "There is one account only.", title="Catalog")
            return
        self.account = self.accounts[(self.accounts.index(self.account) + 1) % len(self.accounts)] \
            if self.account in self.accounts else self.accounts[0]
        self._show_note()
        self.load()

    @on(Input.Submitted, "#catalog-search")
    @on(DataTable.RowSelected, "#catalog-table")
    @on(Button.Pressed, "#confirm")
    def choose(self) -> None:
        line = self.table.selected
        if isinstance(line, VariantLine):
            self.dismiss(line.variant)
