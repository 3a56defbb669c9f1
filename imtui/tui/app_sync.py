"""The app's sync, "What changed", "Cost report" and export actions, mixed into ``ImtuiApp``.

Kept out of app.py (which is wiring): the app gets these actions, the export key and the palette commands.

For other screens:
- ``self.app.action_what_changed()`` / ``Binding("w", "app.what_changed", ...)``: the "What changed" view;
- ``self.app.action_cost_report()`` / ``"app.cost_report"``: the cost report;
- ``self.app.sync_finished(result)``: after a screen ran ``services.sync.run`` itself (e.g. the subscriptions
  area's refresh): failures shown, what changed opened, every screen told (``Synced``);
- a screen that mixes in :class:`~imtui.tui.screens.exportable.Exportable` gets ctrl+e (``app.export``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from imtui.core.errors import ServiceError
from imtui.tui.dialogs.export import ExportChoice, ExportDialog
from imtui.tui.messages import Synced
from imtui.tui.screens.exportable import can_export

if TYPE_CHECKING:
    from imtui.core.formats.exports import ExportTable
    from imtui.core.services import Services, SyncResult

SYNC_BINDINGS = [
    Binding("ctrl+e", "export", "Export", show=False, id="app.export",
            tooltip="Export the table on screen to a CSV or JSON file"),
]


class SyncActions:
    """Mixin for the App (``self`` is the ``ImtuiApp``: services, notify, push_screen, broadcast)."""

    services: Services

    # ------------------------------------------------------------ views

    def action_what_changed(self) -> None:
        """The last sync's changes of every account, from the snapshot."""
        from imtui.tui.screens.changes import ChangesScreen

        self.push_screen(ChangesScreen())  # type: ignore[attr-defined]

    def action_cost_report(self) -> None:
        from imtui.tui.screens.costs import CostReportScreen

        self.push_screen(CostReportScreen())  # type: ignore[attr-defined]

    # ------------------------------------------------------------ syncing

    def action_sync_now(self) -> None:
        self.notify("Syncing every account into the snapshot…", title="Sync")  # type: ignore[attr-defined]
        self._sync_all()

    @work(exclusive=True, group="app-sync", exit_on_error=False)
    async def _sync_all(self) -> None:
        from imtui.core.snapshot import SnapshotBusyError

        try:
            result = await self.services.sync.run()
        except (SnapshotBusyError, ServiceError) as exc:
            self.notify(str(exc), title="Sync", severity="warning", timeout=10, markup=False)  # type: ignore[attr-defined]
            return
        self.sync_finished(result)

    def sync_finished(self, result: SyncResult) -> None:
        """After a sync: each failed account in the error dialog, what changed opened (or a note that
        nothing did), and every screen told (``Synced``) so it can read the snapshot again."""
        from imtui.tui.screens.changes import ChangesScreen

        for name in result.accounts:
            if name in result.failed:
                self.show_error(f"{name} was not synced", result.failed[name])  # type: ignore[attr-defined]
        self.broadcast(Synced(sorted(result.refreshed)))  # type: ignore[attr-defined]
        report = result.report(self.services.config)
        if report.total:
            self.push_screen(ChangesScreen(report, title="Changes found by the sync just run"))  # type: ignore[attr-defined]
        elif result.refreshed:
            self.notify(f"Synced {len(result.refreshed)} account(s): nothing changed since the sync before.",  # type: ignore[attr-defined]
                        title="Sync")

    def announce_changes(self) -> None:
        """At start: if the last sync (a timer's, say) changed anything, say so once, without opening anything
        over the screen the user is about to type in."""
        try:
            exists = self.services.snapshot.path.exists()
        except OSError:
            return
        if exists:
            self._announce()

    @work(thread=True, exclusive=True, group="app-changes", exit_on_error=False)
    def _announce(self) -> None:
        report = self.services.sync.last_changes()
        if report.total:
            self.call_from_thread(  # type: ignore[attr-defined]
                self.notify, f"The last sync found {report.total:,} change(s). Command palette (ctrl+p): What changed.",
                title="What changed", timeout=12,
            )

    # ------------------------------------------------------------ exporting

    def action_export(self) -> None:
        screen = self.screen  # type: ignore[attr-defined]
        if not can_export(screen):
            self.notify("This screen has no table to export.", title="Export")  # type: ignore[attr-defined]
            return
        table = screen.export_table()
        if table is None or not table.rows:
            self.notify("Nothing to export yet: the table is empty.", title="Export")  # type: ignore[attr-defined]
            return
        default = Path.cwd() / f"imtui-{table.kind}-{self.services.today():%Y-%m-%d}.csv"

        def chosen(choice: ExportChoice | None) -> None:
            if choice is not None:
                self._write_export(table, choice)

        self.push_screen(ExportDialog(screen.export_what, len(table.rows), str(default)), chosen)  # type: ignore[attr-defined]

    @work(thread=True, group="app-export", exit_on_error=False)
    def _write_export(self, table: ExportTable, choice: ExportChoice) -> None:
        try:
            outcome = self.services.exports.write(table, choice.format, choice.path, bom=choice.bom)
        except (ServiceError, OSError) as exc:
            self.call_from_thread(self.notify, f"Nothing written: {exc}", title="Export", severity="error",  # type: ignore[attr-defined]
                                  timeout=10, markup=False)
            return
        self.call_from_thread(self.notify, f"{outcome.summary()}.", title="Export", markup=False)  # type: ignore[attr-defined]

    # ------------------------------------------------------------ the palette

    def sync_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("What changed", "The last sync's changes per account, with client names",
                            self.action_what_changed)
        yield SystemCommand("Cost report", "Monthly cost, price and margin per client and currency",
                            self.action_cost_report)
        yield SystemCommand("Sync all accounts now", "Load every account into the snapshot, then show what changed",
                            self.action_sync_now)
        if can_export(screen):
            yield SystemCommand("Export this table", "Write the rows on screen to CSV or JSON (ctrl+e)", self.action_export)
