"""Modal dialogs, all on one base (``Dialog``): a title, a body that scrolls, buttons that stay, escape
cancels, focus on Cancel. Each returns its result with ``dismiss``; ``None`` means cancelled."""

from imtui.tui.dialogs.base import Dialog
from imtui.tui.dialogs.common import ConfirmDialog, MessageDialog, PassphraseDialog, UnsavedDialog
from imtui.tui.dialogs.errors import ErrorDialog, explain
from imtui.tui.dialogs.export import ExportChoice, ExportDialog
from imtui.tui.dialogs.mapping import (
    AutoMapDialog,
    ClientImportChoice,
    ClientImportDialog,
    MappingChoice,
    MappingDialog,
    PathDialog,
)

__all__ = [
    "AutoMapDialog",
    "ClientImportChoice",
    "ClientImportDialog",
    "ConfirmDialog",
    "Dialog",
    "ErrorDialog",
    "ExportChoice",
    "ExportDialog",
    "MappingChoice",
    "MappingDialog",
    "MessageDialog",
    "PassphraseDialog",
    "PathDialog",
    "UnsavedDialog",
    "explain",
]
