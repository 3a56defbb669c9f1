"""The local snapshot: what was last loaded from the marketplace, kept in SQLite in the data dir.

    from imtui.core.snapshot import Snapshot
    snapshot = Snapshot(paths.snapshot_dir)         # cheap: nothing is opened until the first query
    rows = snapshot.subscriptions(today=date.today())   # list[SubscriptionRow], 20,000 in well under a second
    record = snapshot.subscription("1200001")       # SubscriptionRecord: row, lines, parameters, orders
    snapshot.customers("us-demo"); snapshot.orders(customer_id=...); snapshot.sync_state(); snapshot.changes()
    with snapshot.lock(): ...                       # one sync/refresh per data dir (SnapshotBusyError otherwise)

Loading it is ``imtui.core.refresh.refresh_account``. Modules: ``schema`` (tables, opening), ``records`` (the
dataclasses handed back), ``store`` (the queries), ``writer`` (one transaction per account), ``lock``.
"""

from imtui.core.snapshot.lock import SnapshotBusyError, SyncLock
from imtui.core.snapshot.records import (
    INACTIVE_STATUSES,
    REMOVED,
    TERMINATED,
    VANISHED,
    Change,
    ChangeKind,
    CustomerRecord,
    OrderLineRow,
    OrderRow,
    RunRecord,
    SubscriptionLine,
    SubscriptionRecord,
    SubscriptionRow,
    SyncState,
)
from imtui.core.snapshot.schema import SCHEMA_VERSION, SnapshotError
from imtui.core.snapshot.store import FILE_NAME, LOCK_NAME, Snapshot
from imtui.core.snapshot.writer import AccountUpdate, Mark

__all__ = [
    "FILE_NAME",
    "INACTIVE_STATUSES",
    "LOCK_NAME",
    "REMOVED",
    "SCHEMA_VERSION",
    "TERMINATED",
    "VANISHED",
    "AccountUpdate",
    "Change",
    "ChangeKind",
    "CustomerRecord",
    "Mark",
    "OrderLineRow",
    "OrderRow",
    "RunRecord",
    "Snapshot",
    "SnapshotBusyError",
    "SnapshotError",
    "SubscriptionLine",
    "SubscriptionRecord",
    "SubscriptionRow",
    "SyncLock",
    "SyncState",
]
