"""What changed: a sync's changes per account, with each customer's client name, for people and for scripts.

The refresh engine finds the changes (``imtui.core.snapshot.diff``) and the snapshot keeps each run's; this
module only presents them: ``imtui sync`` prints :meth:`ChangeReport.text_lines` (or :meth:`to_dict` under
``--json``) and the app's "What changed" view shows the same lines grouped the same way (by account, then
kind, then client). A customer is named by the client it is mapped to; an unmapped one by its Ingram name,
marked so. Nothing here reads an API or a secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from imtui.core.formats.exports import ExportTable, client_of
from imtui.core.snapshot import Change, ChangeKind

if TYPE_CHECKING:
    from imtui.core.config import Config

__all__ = ["CHANGE_COLUMNS", "KIND_LABELS", "KIND_SHORT", "AccountChanges", "ChangeLine", "ChangeReport", "change_report",
           "change_table"]

#: each kind's heading, in the order a report lists them
KIND_LABELS: dict[str, str] = {
    ChangeKind.SUBSCRIPTION_NEW: "New subscriptions",
    ChangeKind.SEATS: "Seat changes",
    ChangeKind.STATUS: "Status changes",
    ChangeKind.AUTO_RENEW: "Auto-renew changes",
    ChangeKind.RENEWED: "Renewed",
    ChangeKind.PRICE: "Price changes",
    ChangeKind.COST: "Cost changes",
    ChangeKind.SUBSCRIPTION_GONE: "Removed upstream (kept, marked inactive)",
    ChangeKind.CUSTOMER_NEW: "New customers",
    ChangeKind.CUSTOMER_GONE: "Customers gone upstream (kept, marked inactive)",
    ChangeKind.ORDER_COMPLETED: "Orders completed",
    ChangeKind.ORDER_FAILED: "Orders failed",
    ChangeKind.ORDER_CANCELLED: "Orders withdrawn",
}
#: a word or two per kind, for a table's column
KIND_SHORT: dict[str, str] = {
    ChangeKind.SUBSCRIPTION_NEW: "New",
    ChangeKind.SEATS: "Seats",
    ChangeKind.STATUS: "Status",
    ChangeKind.AUTO_RENEW: "Auto-renew",
    ChangeKind.RENEWED: "Renewed",
    ChangeKind.PRICE: "Price",
    ChangeKind.COST: "Cost",
    ChangeKind.SUBSCRIPTION_GONE: "Removed",
    ChangeKind.CUSTOMER_NEW: "New cust.",
    ChangeKind.CUSTOMER_GONE: "Cust. gone",
    ChangeKind.ORDER_COMPLETED: "Order done",
    ChangeKind.ORDER_FAILED: "Order failed",
    ChangeKind.ORDER_CANCELLED: "Withdrawn",
}
CHANGE_COLUMNS = ("account", "kind", "client", "customer_name", "customer_id", "subscription_id", "order_id", "name",
                  "before", "after")
_ORDER = {kind: n for n, kind in enumerate(KIND_LABELS)}
ARROW = "→"


@dataclass(frozen=True, slots=True)
class ChangeLine:
    """One change as a person reads it: who (the client), what, and before → after."""

    change: Change
    client: str  # the mapped client; "" when the customer is not mapped (or ignored)
    how: str  # "mapped", "unmapped" or "ignored"

    @property
    def kind(self) -> str:
        return self.change.kind

    @property
    def who(self) -> str:
        """The client's name, or the Ingram customer's name marked as not mapped."""
        if self.client:
            return self.client
        name = self.change.customer_name or (self.change.customer_id or "unknown customer")
        return f"{name} ({'ignored' if self.how == 'ignored' else 'not mapped'})"

    @property
    def subject(self) -> str:
        """What changed: the subscription (with its id), the customer or the order."""
        c = self.change
        if c.kind in (ChangeKind.CUSTOMER_NEW, ChangeKind.CUSTOMER_GONE):
            return f"customer {c.customer_id}" if c.customer_id else c.name
        if c.order_id:
            return f"order {c.name}" + (f" (subscription {c.subscription_id})" if c.subscription_id else "")
        return f"{c.name} [{c.subscription_id}]" if c.subscription_id else c.name

    @property
    def what(self) -> str:
        """Before → after, in words (``5 → 6 seats``, ``on → off``)."""
        c = self.change
        before, after = c.before, c.after
        if c.kind == ChangeKind.SEATS:
            return f"{before} {ARROW} {after} seats"
        if c.kind == ChangeKind.AUTO_RENEW:
            return f"auto-renew {before} {ARROW} {after}"
        if c.kind == ChangeKind.RENEWED:
            return f"renewal date {before} {ARROW} {after}"
        if before is None:
            return after or ""
        return f"{before} {ARROW} {after}" if after is not None else before

    def text(self) -> str:
        return f"{self.subject}: {self.what}" if self.what else self.subject

    def to_dict(self) -> dict[str, Any]:
        return {**self.change.to_dict(), "client": self.client or None, "mapping": self.how, "text": self.text()}


@dataclass(slots=True)
class AccountChanges:
    """One account's changes in one run (or why it did not sync)."""

    account: str
    lines: list[ChangeLine] = field(default_factory=list)
    synced_at: datetime | None = None
    first: bool = False  # the account's first sync: everything is new, so nothing is reported as changed
    failed: str | None = None  # the reason this account could not sync (its previous snapshot stands)
    note: str | None = None  # e.g. the latest attempt failed (the changes shown are of the sync before it)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in self.lines:
            out[line.kind] = out.get(line.kind, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: _ORDER.get(kv[0], len(_ORDER))))

    def groups(self) -> list[tuple[str, list[tuple[str, list[ChangeLine]]]]]:
        """(kind, [(who, lines), ...]) in report order: kinds as :data:`KIND_LABELS` lists them, clients
        by name (case-insensitive), lines in the order the run found them."""
        by_kind: dict[str, dict[str, list[ChangeLine]]] = {}
        for line in self.lines:
            by_kind.setdefault(line.kind, {}).setdefault(line.who, []).append(line)
        kinds = sorted(by_kind, key=lambda k: _ORDER.get(k, len(_ORDER)))
        return [(k, sorted(by_kind[k].items(), key=lambda kv: kv[0].casefold())) for k in kinds]

    def headline(self) -> str:
        when = f" (synced {self.synced_at:%Y-%m-%d %H:%M} UTC)" if self.synced_at else ""
        if self.failed is not None:
            return f"{self.account}: not synced: {self.failed}"
        if self.synced_at is None:
            return f"{self.account}: not synced yet" + (f" ({self.note})" if self.note else "")
        if self.first:
            return f"{self.account}: first sync{when}; changes are reported from the next one"
        n = len(self.lines)
        text = f"{self.account}: {'no changes' if not n else f'{n:,} change' + ('s' if n != 1 else '')}{when}"
        return text + (f"; {self.note}" if self.note else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account, "synced_at": self.synced_at.isoformat() if self.synced_at else None,
            "first": self.first, "failed": self.failed, "note": self.note, "counts": self.counts(),
            "changes": [line.to_dict() for line in self.lines],
        }


@dataclass(slots=True)
class ChangeReport:
    """Changes of several accounts, in account order."""

    accounts: list[AccountChanges] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(a.lines) for a in self.accounts)

    def counts(self) -> dict[str, int]:
        """Changes per kind over every account."""
        out: dict[str, int] = {}
        for account in self.accounts:
            for kind, n in account.counts().items():
                out[kind] = out.get(kind, 0) + n
        return dict(sorted(out.items(), key=lambda kv: _ORDER.get(kv[0], len(_ORDER))))

    def text_lines(self, *, limit_per_group: int | None = None) -> list[str]:
        """The report as indented lines: account headline, kind (with its count), client, change."""
        out: list[str] = []
        for account in self.accounts:
            out.append(account.headline())
            for kind, clients in account.groups():
                out.append(f"  {KIND_LABELS.get(kind, kind)} ({sum(len(lines) for _, lines in clients):,})")
                for who, lines in clients:
                    out.append(f"    {who}")
                    shown = lines if limit_per_group is None else lines[:limit_per_group]
                    out.extend(f"      {line.text()}" for line in shown)
                    if len(shown) < len(lines):
                        out.append(f"      … and {len(lines) - len(shown):,} more")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "counts": self.counts(), "accounts": [a.to_dict() for a in self.accounts]}


def change_lines(config: Config, changes: Iterable[Change]) -> list[ChangeLine]:
    out = []
    for change in changes:
        client, how = client_of(config, change.account, change.customer_id)
        out.append(ChangeLine(change, client, how if how in ("unmapped", "ignored") else "mapped"))
    return out


def change_report(
    config: Config,
    accounts: Iterable[str],
    changes: Mapping[str, Iterable[Change]],
    *,
    synced_at: Mapping[str, datetime | None] | None = None,
    first: Iterable[str] = (),
    failed: Mapping[str, str] | None = None,
) -> ChangeReport:
    """The report of ``accounts`` (in that order) from each one's ``changes``."""
    synced_at = synced_at or {}
    failed = failed or {}
    firsts = set(first)
    return ChangeReport([
        AccountChanges(name, change_lines(config, changes.get(name, ())), synced_at.get(name), name in firsts,
                       failed.get(name))
        for name in accounts
    ])


def change_table(report: ChangeReport) -> ExportTable:
    """The report's changes as rows for CSV/JSON (the "What changed" view's export), in report order."""
    rows = []
    for account in report.accounts:
        for _, clients in account.groups():
            for _, lines in clients:
                for line in lines:
                    c = line.change
                    rows.append({
                        "account": c.account, "kind": c.kind, "client": line.client or None,
                        "customer_name": c.customer_name or None, "customer_id": c.customer_id,
                        "subscription_id": c.subscription_id, "order_id": c.order_id, "name": c.name,
                        "before": c.before, "after": c.after,
                    })
    return ExportTable("changes", CHANGE_COLUMNS, rows)
