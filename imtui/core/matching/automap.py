"""Auto-mapping: exact and normalised equalities only, and never when more than one answer is possible."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from imtui.core.matching.names import HOW_EXACT, HOW_IGNORED, HOW_MANUAL, HOW_NORMALISED, normalise
from imtui.core.matching.suggest import ClientIndex

__all__ = ["AutoMapPlan", "Conflict", "CustomerRef", "ExistingMapping", "PlannedMapping", "plan_auto_map"]


# --------------------------------------------------------------------------- auto-mapping


@dataclass(frozen=True)
class CustomerRef:
    """An Ingram customer within one marketplace account."""

    account: str
    customer_id: str
    name: str


@dataclass(frozen=True)
class ExistingMapping:
    """A mapping already stored. ``how`` is "exact", "normalised", "manual" or "ignored"."""

    account: str
    customer_id: str
    client: str | None
    how: str


@dataclass(frozen=True)
class PlannedMapping:
    """A mapping auto-mapping would make: ``how`` is "exact" or "normalised"."""

    customer: CustomerRef
    client: str
    how: str


@dataclass(frozen=True)
class Conflict:
    """An unmapped customer auto-mapping will not map because more than one answer is possible."""

    customer: CustomerRef
    candidates: tuple[str, ...]
    reason: str


@dataclass
class AutoMapPlan:
    """What :func:`plan_auto_map` proposes; nothing is applied until the caller does it.

    ``unchanged`` counts customers that already had a mapping of any kind (left as they are), of which
    ``protected`` were set by hand ("manual") or "ignored". ``unmatched`` lists unmapped customers no
    client equals, exactly or after normalising (suggestions may still help a person with those).
    """

    to_apply: list[PlannedMapping]
    conflicts: list[Conflict]
    unchanged: int
    protected: int = 0
    unmatched: list[CustomerRef] = field(default_factory=list)

    def summary(self) -> str:
        """The plan in one sentence, e.g. "3 customers will be mapped (2 exact, 1 after normalising) ..."."""
        parts: list[str] = []
        n = len(self.to_apply)
        if n:
            exact = sum(1 for p in self.to_apply if p.how == HOW_EXACT)
            detail = []
            if exact:
                detail.append(f"{exact} exact")
            if n - exact:
                detail.append(f"{n - exact} after normalising")
            parts.append(f"{_count(n, 'customer')} will be mapped ({', '.join(detail)})")
        else:
            parts.append("no customer will be mapped")
        if self.conflicts:
            verb = "needs" if len(self.conflicts) == 1 else "need"
            parts.append(f"{_count(len(self.conflicts), 'customer')} {verb} a decision (more than one match)")
        if self.unchanged:
            s = f"{self.unchanged} already mapped, left as they are"
            if self.unchanged == 1:
                s = "1 already mapped, left as it is"
            if self.protected:
                s += f" ({self.protected} set by hand or ignored)"
            parts.append(s)
        if self.unmatched:
            verb = "has" if len(self.unmatched) == 1 else "have"
            parts.append(f"{len(self.unmatched)} {verb} no matching client")
        return "; ".join(parts) + "."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _customer_key(c: CustomerRef) -> tuple[str, str, str, str]:
    return (c.account, c.name.casefold(), c.name, c.customer_id)


def _quote_list(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def plan_auto_map(
    customers: Sequence[CustomerRef],
    clients: Sequence[str] | ClientIndex,
    existing: Sequence[ExistingMapping],
) -> AutoMapPlan:
    """Plan exact and normalised mappings for the customers that have no mapping yet.

    Rules:

    - a customer with any existing mapping (exact, normalised, manual, ignored) is never touched;
    - exact name equality first; only if no client is identical, normalised equality;
    - two or more candidate clients → :class:`Conflict` ("2 clients match: ..."), not mapped;
    - one client claimed by two or more planned customers of the SAME account → all of them are
      conflicts ("client X also matches customer Y"); so is a customer whose client is already mapped
      (by an existing mapping) to another customer of the same account;
    - the same client matched in DIFFERENT accounts is fine (one client, several marketplaces).

    ``to_apply``, ``conflicts`` and ``unmatched`` are sorted by account, then customer name, then id.
    """
    index = clients if isinstance(clients, ClientIndex) else _Equality(clients)
    by_key = {(m.account, m.customer_id): m for m in existing}
    names = {(c.account, c.customer_id): c.name for c in customers}
    # client -> customers already mapped to it, per account
    taken: dict[tuple[str, str], list[str]] = {}
    for m in existing:
        if m.client is not None and m.how != HOW_IGNORED:
            taken.setdefault((m.account, m.client), []).append(m.customer_id)

    unchanged = protected = 0
    conflicts: list[Conflict] = []
    unmatched: list[CustomerRef] = []
    proposed: list[PlannedMapping] = []
    seen: set[tuple[str, str]] = set()
    for c in customers:
        key = (c.account, c.customer_id)
        if key in seen:
            continue
        seen.add(key)
        m = by_key.get(key)
        if m is not None:
            unchanged += 1
            if m.how in (HOW_MANUAL, HOW_IGNORED):
                protected += 1
            continue
        exact = index.lookup_exact(c.name)
        if len(exact) == 1:
            proposed.append(PlannedMapping(c, exact[0], HOW_EXACT))
            continue
        candidates = exact or index.lookup_normalised(c.name)
        if len(candidates) == 1:
            proposed.append(PlannedMapping(c, candidates[0], HOW_NORMALISED))
        elif candidates:
            cands = tuple(sorted(candidates, key=lambda s: (s.casefold(), s)))
            conflicts.append(
                Conflict(c, cands, f"{len(cands)} clients match: {_quote_list(cands)}")
            )
        else:
            unmatched.append(c)

    to_apply = _without_shared_clients(proposed, taken, names, conflicts)
    to_apply.sort(key=lambda p: _customer_key(p.customer))
    conflicts.sort(key=lambda x: _customer_key(x.customer))
    unmatched.sort(key=_customer_key)
    return AutoMapPlan(to_apply, conflicts, unchanged, protected, unmatched)


def _without_shared_clients(
    proposed: list[PlannedMapping],
    taken: dict[tuple[str, str], list[str]],
    names: dict[tuple[str, str], str],
    conflicts: list[Conflict],
) -> list[PlannedMapping]:
    """The proposals that claim a client no other customer of the same account has or claims; the
    others become conflicts (appended to ``conflicts``)."""
    claims: dict[tuple[str, str], list[PlannedMapping]] = {}
    for p in proposed:
        claims.setdefault((p.customer.account, p.client), []).append(p)
    to_apply: list[PlannedMapping] = []
    for p in proposed:
        ckey = (p.customer.account, p.client)
        others = [o.customer for o in claims[ckey] if o is not p]
        already = [cid for cid in taken.get(ckey, ()) if cid != p.customer.customer_id]
        if others:
            others.sort(key=_customer_key)
            who = _quote_list(o.name for o in others)
            noun = "customer" if len(others) == 1 else "customers"
            reason = f'client "{p.client}" also matches {noun} {who}'
            conflicts.append(Conflict(p.customer, (p.client,), reason))
        elif already:
            who = _quote_list(names.get((p.customer.account, cid), cid) for cid in sorted(already))
            conflicts.append(
                Conflict(p.customer, (p.client,), f'client "{p.client}" is already mapped to customer {who}')
            )
        else:
            to_apply.append(p)

    return to_apply


class _Equality:
    """The two lookups auto-mapping needs, as :class:`ClientIndex` answers them (duplicates and blank
    names dropped, first-seen order), without the word and spelling tables suggestions need: half the
    cost of planning over thousands of clients."""

    def __init__(self, clients: Iterable[str]) -> None:
        self._by_exact: dict[str, list[str]] = {}
        self._by_norm: dict[str, list[str]] = {}
        seen: set[str] = set()
        for client in clients:
            if client in seen or not client.strip():
                continue
            seen.add(client)
            self._by_exact.setdefault(client.strip(), []).append(client)
            self._by_norm.setdefault(normalise(client), []).append(client)

    def lookup_exact(self, name: str) -> list[str]:
        return list(self._by_exact.get(name.strip(), ()))

    def lookup_normalised(self, name: str) -> list[str]:
        return list(self._by_norm.get(normalise(name), ()))
