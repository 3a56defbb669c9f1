"""Exportable: a screen whose table the app's export key (ctrl+e, binding id ``app.export``) writes to a file.

A screen opts in by mixing this in and answering :meth:`export_table` with the rows it shows (an
``imtui.core.formats.exports.ExportTable``; build it with the core's row functions so the file has the same
columns as ``imtui export``). The app asks the format and path in ``ExportDialog`` and writes through
``services.exports.write`` in a worker thread. Nothing else is needed::

    class SubscriptionsScreen(AreaScreen, Exportable):
        export_what = "subscriptions"

        def export_table(self) -> ExportTable | None:
            return subscription_rows(self.services.config, self.services.prices, self.visible_rows())
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from imtui.core.formats.exports import ExportTable


class Exportable:
    """Mixin for a screen; see the module docstring."""

    #: what the rows are, for the dialog's title and the default file name ("customers")
    export_what: str = "rows"

    def export_table(self) -> ExportTable | None:
        """The rows on screen (filtered as shown), or None when there is nothing to export yet."""
        raise NotImplementedError


def can_export(screen: object) -> bool:
    return isinstance(screen, Exportable)
