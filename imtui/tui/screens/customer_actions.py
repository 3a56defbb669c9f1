"""What the customers screen does to mappings: the mapping dialog and its triage queue, clear, ignore, undo,
auto-map, clients made from customers, clients imported from a CSV. Each change goes through
``services.mappings``; one that cannot be saved is said, and loses nothing the user typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.content import Content

from imtui.tui.screens.customer_rows import next_to_triage

if TYPE_CHECKING:
    from imtui.core.services import ClientsCsvImport, CustomerRow
    from imtui.tui.dialogs import ClientImportChoice, MappingChoice
    from imtui.tui.screens.customers import CustomersScreen

    _Base = CustomersScreen
else:
    _Base = object


__all__ = ["CustomerActions"]


def _dialogs():
    """The dialogs, imported when one first opens: start-up imports only what the first paint needs."""
    import imtui.tui.dialogs as dialogs

    return dialogs


class CustomerActions(_Base):
    """The mapping actions of :class:`CustomersScreen` (a mixin: it holds no state of its own; message
    handlers stay on the screen, where Textual's ``@on`` finds them)."""

    def _run(self, change: Callable[[], object], rows: list[CustomerRow]) -> bool:
        """Apply one change through the services; say why if it could not be saved."""
        try:
            change()
        except Exception as exc:  # a config conflict with another imtui, a full disk, ...: said, nothing lost
            self.notify(f"Not saved: {exc}", severity="error", title="Mappings", timeout=10, markup=False)
            return False
        if self.only_unmapped:
            self.refill()
        else:
            for row in rows:
                self._refresh_row(row)
        self._show_progress()
        return True

    def _suggestions(self, row: CustomerRow):
        from imtui.core.matching import ClientIndex

        clients = tuple(c.name for c in self.services.config.clients)
        if self._index is None or clients != self._index_clients:
            self._index = ClientIndex(clients)
            self._index_clients = clients
        return self._index.suggest(row.customer.name, limit=5)

    def open_mapping(self, row: CustomerRow, *, queue: bool = False, typed: str = "") -> None:
        """The mapping dialog for one customer (``typed``: a name to start with, e.g. one that could not be
        saved); in the triage queue, the next unmapped customer follows."""
        mapping = self._mapping(row)
        current = None
        if mapping is not None:
            current = "ignored" if mapping.how == "ignored" else f"{mapping.client} ({mapping.how})"
        clients = [c.name for c in self.services.config.clients]
        dialog = _dialogs().MappingDialog(row, self._suggestions(row), clients, current=current, typed=typed)

        def done(choice: MappingChoice | None) -> None:
            if choice is None:
                return
            book = self.services.mappings
            if choice.action == "map" and choice.client:
                client = choice.client
                if not self._run(lambda: book.map(row, client), [row]):
                    self.open_mapping(row, queue=queue, typed=client)  # said; the name stays, typed
                    return
            elif choice.action == "ignore":
                if not self._run(lambda: book.ignore(row), [row]):
                    return
            elif choice.action == "skip":
                self._skipped.add(row.key)
            if queue:
                self._open_next(after=row)

        self.app.push_screen(dialog, done)

    def action_next_unmapped(self) -> None:
        """Start the triage queue at the cursor: each unmapped customer shown, in table order, once."""
        self._skipped.clear()
        self._open_next()

    def _open_next(self, after: CustomerRow | None = None) -> None:
        lines = self.table.shown_rows
        start = self.table.cursor_row if lines else 0
        if after is not None and after.key in self._lines and (index := self.table.index_of(self._lines[after.key].key)) is not None:
            start = index + 1
        line = next_to_triage(lines, start, self._mappings, self._skipped)  # type: ignore[arg-type]
        if line is not None:
            self.table.move_to(line.key)
            self.open_mapping(line.customer, queue=True)
        elif self._skipped:
            n = len(self._skipped)
            self.notify(f"No more unmapped customers to triage; {n} skipped, still unmapped.", title="Mappings")
        elif not lines:
            self.notify("No customer is shown: clear the filter (/) to see them.", title="Mappings")
        else:
            self.notify("Every customer shown is mapped or ignored.", title="Mappings")

    def action_clear(self) -> None:
        row = self.selected()
        if row is None:
            return
        if self._mapping(row) is None:
            self.notify(f"{row.customer.name} is not mapped: nothing to clear.", title="Mappings", markup=False)
            return
        self._run(lambda: self.services.mappings.clear(row), [row])

    def action_ignore(self) -> None:
        row = self.selected()
        if row is not None:
            self._run(lambda: self.services.mappings.ignore(row), [row])

    def action_undo(self) -> None:
        book = self.services.mappings
        if not book.can_undo:
            self.notify("Nothing to undo.", title="Mappings")
            return
        try:
            what = book.undo()
        except Exception as exc:
            self.notify(f"Could not undo: {exc}", severity="error", title="Mappings", markup=False)
            return
        self.refill()
        self._show_progress()
        self.notify(f"Undone: {what}.", title="Mappings", markup=False)

    def action_auto_map(self) -> None:
        plan = self.services.mappings.plan_auto(self.rows)

        def done(apply: bool | None) -> None:
            if apply:
                added = 0

                def change() -> None:
                    nonlocal added
                    added = self.services.mappings.apply_auto(plan)

                if self._run(change, []):
                    self.refill()
                    self.notify(f"Mapped {added} customer(s) automatically.", title="Auto-map")

        self.app.push_screen(_dialogs().AutoMapDialog(plan), done)

    def action_create_clients(self) -> None:
        unmapped = [r for r in self.rows if self._mapping(r) is None]
        selected = self.selected()

        def done(choice: ClientImportChoice | None) -> None:
            if choice is None:
                return
            rows = [selected] if choice.scope == "selected" and selected is not None else unmapped
            if not rows:
                self.notify("Every customer is mapped or ignored already: no client to create.", title="Clients")
                return
            result = None

            def change() -> None:
                nonlocal result
                result = self.services.mappings.import_customers_as_clients(
                    rows, group=choice.group, update_addresses=choice.update_addresses
                )

            if self._run(change, rows):
                self.refill()
                self.notify(result.summary() + ".", title="Clients")

        self.app.push_screen(_dialogs().ClientImportDialog(selected, len(unmapped)), done)

    def action_import_csv(self) -> None:
        result: ClientsCsvImport | None = None

        def submit(path: str) -> str | None:
            """Import from ``path``; what went wrong is said under the path, and the dialog stays."""
            nonlocal result
            try:
                result = self.services.mappings.import_clients_csv_file(path)
            except Exception as exc:  # no such file, unreadable, a config conflict: said where it was typed
                return f"Nothing imported: {exc}"
            return None

        def done(path: str | None) -> None:
            if not path or result is None:
                return
            self._index = None
            self.refill()
            text = "\n".join(result.lines(path))
            self.app.push_screen(_dialogs().MessageDialog("CSV import", Content(text)))  # a path or a name is not markup

        self.app.push_screen(
            _dialogs().PathDialog(
                "Import clients from a CSV",
                "A CSV exported from your PSA: a column of client names (name, client or company) and, optionally, "
                "an external id. Rows that cannot be read are reported by line and skipped.",
                submit=submit,
            ),
            done,
        )

    # ------------------------------------------------------------ buy

    def why_not_buy(self) -> str | None:
        """Why ``b`` cannot buy for the selected customer (none selected, a read-only account), or None."""
        from imtui.tui.screens.purchase import buy_refusal

        row = self.selected()
        if row is None:
            return "Select a customer first."
        return buy_refusal(self, row.account)

    def action_buy(self) -> None:
        reason = self.why_not_buy()
        row = self.selected()
        if reason is not None or row is None:
            self.notify(reason or "Select a customer first.", title="Buy", markup=False)
            return
        self.buy_for(row)

    @work(group="customers-buy", exclusive=True, exit_on_error=False)
    async def buy_for(self, row: CustomerRow) -> None:
        """The catalog of the customer's account, then the purchase dialog with the customer chosen."""
        from imtui.core.services.order_reads import CustomerChoice
        from imtui.tui.screens.purchase import buy

        mapping = self._mapping(row)
        client = (mapping.client or "") if mapping is not None and mapping.how != "ignored" else ""
        await buy(self, customer=CustomerChoice(row.account, str(row.customer.id), row.customer.name, client))
