"""Imports into the mapping book: a mapping file, a PSA's client CSV, and clients made from customers.

Each reports what happened to every row or customer, so the UI and the CLI can say it: rows skipped by
line (or JSON item), with why; rows that matched clients already there; what was added or changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from imtui.core.api.models import Customer
from imtui.core.config import Client, Config, Mapping, describe_validation_error
from imtui.core.formats import ParsedClient, RowError, parse_clients_csv, parse_mapping_rows, read_text_file
from imtui.core.matching import CustomerRef, ExistingMapping, normalise, plan_auto_map
from imtui.core.services.customers import CustomerRow

if TYPE_CHECKING:
    from imtui.core.services.mappings import MappingBook

__all__ = ["ClientImportResult", "ClientsCsvImport", "MappingImportResult", "existing_mappings"]


def existing_mappings(config: Config) -> list[ExistingMapping]:
    """The config's mappings as auto-mapping sees them."""
    return [ExistingMapping(m.account, m.customer_id, m.client, m.how) for m in config.mappings]


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


# ============================================================ clients made from customers


@dataclass
class ClientImportResult:
    """What "Create clients" did with each customer: ``created`` mapped to a client made for it now
    (``clients_created`` clients in all: customers of several accounts may share one), ``mapped`` to a
    client that already matched it, ``left`` for the triage queue (with why: auto-map would not decide),
    ``skipped`` (already mapped, or nameless). ``updated``: existing clients whose address was filled in."""

    clients_created: int = 0
    created: int = 0
    mapped: int = 0
    updated: int = 0
    left: list[tuple[CustomerRow, str]] = field(default_factory=list)
    skipped: list[tuple[CustomerRow, str]] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.clients_created:,} client(s) created for {_count(self.created, 'customer')}"]
        parts.append(f"{_count(self.mapped, 'customer')} mapped to existing clients")
        if self.updated:
            parts.append(f"{self.updated} address(es) updated")
        if self.left:
            parts.append(f"{len(self.left)} left for the queue (more than one client could be theirs)")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped (already mapped, or no name)")
        return ", ".join(parts)

    def lines(self, limit: int = 30) -> list[str]:
        """The summary, then each customer left for the queue and why."""
        said = [self.summary() + "."]
        for row, why in self.left[:limit]:
            said.append(f"  {row.customer.name} ({row.account}): {why}")
        if len(self.left) > limit:
            said.append(f"  … and {len(self.left) - limit} more")
        return said


def _address(customer: Customer) -> dict[str, Any]:
    a = customer.address
    if a is None:
        return {}
    code = (a.country_code or "").strip()
    country = code if len(code) == 2 and code.isalpha() else None  # the config's rule for a country code
    return {
        "street": a.street_address, "extension": a.address_extension, "postal_code": a.postal_code,
        "city": a.city, "state": a.state, "country_code": country,
    }


def _sort_out(config: Config, rows: list[CustomerRow], result: ClientImportResult) -> list[CustomerRow]:
    """The rows to work on: one per customer, named and unmapped; the others are skipped."""
    todo: list[CustomerRow] = []
    seen: set[tuple[str, str]] = set()
    index = config.mapping_index()
    for row in rows:
        if row.key in seen:
            continue
        seen.add(row.key)
        if not row.customer.name.strip():
            result.skipped.append((row, "the customer has no name"))
        elif row.key in index:
            result.skipped.append((row, "already mapped"))
        else:
            todo.append(row)
    return todo


def customers_as_clients(
    book: MappingBook, rows: list[CustomerRow], *, group: str | None, update_addresses: bool
) -> ClientImportResult:
    """See :meth:`MappingBook.import_customers_as_clients`. Auto-map's own rules against the clients there
    are (a match maps the customer; an ambiguous one is left for the queue); then one new client per name
    (ignoring case) no client matched, mapped to the customer it was made from; then auto-map's rules
    again for that customer's namesakes (another account's is mapped to it, one of the same account is
    left for the queue: auto-map never gives one client two customers of one account)."""
    result = ClientImportResult()
    todo = _sort_out(book.config, rows, result)
    if not todo:
        return result
    by_key = {row.key: row for row in todo}

    def ref(row: CustomerRow) -> CustomerRef:
        return CustomerRef(row.account, row.key[1], row.customer.name.strip())

    def mutate(config: Config) -> None:
        existing = [c.name for c in config.clients]
        known = existing_mappings(config)
        first = plan_auto_map([ref(r) for r in todo], existing, known)
        positions = {c.name: i for i, c in enumerate(config.clients)}
        for planned in first.to_apply:
            row = by_key[(planned.customer.account, planned.customer.customer_id)]
            _map(config, row, planned.client, planned.how)
            result.mapped += 1
            if update_addresses and _address(row.customer):
                at = positions[planned.client]
                config.clients[at] = config.clients[at].model_copy(update=_address(row.customer))
                result.updated += 1
        result.left.extend((by_key[(c.customer.account, c.customer.customer_id)], c.reason) for c in first.conflicts)

        # a client for each name no client matched, named after the first customer of that name (in the
        # caller's order), which is mapped to it; its namesakes go through auto-map's rules once more
        made: dict[str, str] = {}  # casefolded name -> new client's name
        taken = {name.casefold() for name in existing}
        unmatched = {(c.account, c.customer_id) for c in first.unmatched}
        namesakes: list[CustomerRef] = []
        creators: list[CustomerRef] = []  # in the second plan too, already mapped: so it can name them
        for row in todo:
            if row.key not in unmatched:
                continue
            name = row.customer.name.strip()
            if name.casefold() in made or name.casefold() in taken:
                namesakes.append(ref(row))
                continue
            try:
                client = Client(name=name, group=group or None, external_id=row.customer.external_id, **_address(row.customer))
            except ValidationError as exc:  # e.g. a name over the client list's limit: this customer only
                result.left.append((row, describe_validation_error(exc)))
                continue
            made[name.casefold()] = name
            config.clients.append(client)
            _map(config, row, name, "exact")
            known.append(ExistingMapping(row.account, row.key[1], name, "exact"))
            creators.append(ref(row))
            result.created += 1
        result.clients_created = len(made)
        known += [ExistingMapping(p.customer.account, p.customer.customer_id, p.client, p.how) for p in first.to_apply]
        second = plan_auto_map(creators + namesakes, existing + list(made.values()), known)
        for planned in second.to_apply:
            _map(config, by_key[(planned.customer.account, planned.customer.customer_id)], planned.client, planned.how)
            result.created += 1
        for conflict in second.conflicts:
            result.left.append((by_key[(conflict.customer.account, conflict.customer.customer_id)], conflict.reason))
        for customer in second.unmatched:  # not expected: a client of its name exists now
            result.left.append((by_key[(customer.account, customer.customer_id)], "no client could be made"))

    book.change(f"create clients from {len(todo)} customer(s)", mutate, todo)
    return result


def _map(config: Config, row: CustomerRow, client: str, how: str) -> None:
    config.set_mapping(
        Mapping(account=row.account, customer_id=row.key[1], customer_name=row.customer.name.strip(), client=client, how=how)
    )


# ============================================================ a mapping file


@dataclass
class MappingImportResult:
    """What importing mapping rows changed: mappings ``added``, ``changed`` (another client or how),
    ``cleared``; rows ``unchanged``; ``clients_created`` for client names not in the list yet; and the
    rows skipped, by line (CSV) or item (JSON), in file order."""

    added: int = 0
    changed: int = 0
    cleared: int = 0
    unchanged: int = 0
    clients_created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def touched(self) -> int:
        return self.added + self.changed + self.cleared

    def summary(self) -> str:
        text = f"{self.added} added, {self.changed} changed, {self.cleared} cleared, {self.unchanged} unchanged"
        if self.clients_created:
            text += f"; {_count(self.clients_created, 'new client')}"
        if self.errors:
            text += f"; {len(self.errors)} row(s) skipped"
        return text


def _check_row(
    book: MappingBook, record: dict[str, str], line: int, unit: str, seen: dict[tuple[str, str], int]
) -> Mapping | tuple[str, str] | str:
    """A row as a mapping to set, a key to clear, or why it is skipped."""
    account, customer_id = record.get("account", ""), record.get("customer_id", "")
    how = record.get("how", "") or ("manual" if record.get("client") else "unmapped")
    if not account or not customer_id:
        return "account and customer_id are required"
    if book.config.account(account) is None:
        return f"there is no account called {account}"
    key = (account, customer_id)
    if key in seen:
        return f"customer {customer_id} of {account} is already on {unit} {seen[key]}"
    seen[key] = line
    customers = book.services.customers.cached(account)
    if customers is None:
        return f"the customers of {account} could not be loaded, so customer {customer_id} cannot be checked"
    customer = book.services.customers.find(account, customer_id)
    if how == "unmapped":
        if customer is None and book.config.mapping_for(*key) is None:
            return f"{account} has no customer {customer_id}"
        return key
    if customer is None:
        return f"{account} has no customer {customer_id}"
    try:
        mapping = Mapping(account=account, customer_id=customer_id, customer_name=customer.name,
                          client=record.get("client") or None, how=how)
        if mapping.client:
            Client(name=mapping.client)  # a client name the config would refuse is this row's problem
    except ValidationError as exc:
        return describe_validation_error(exc).rstrip(".")
    return mapping


def mapping_rows(book: MappingBook, rows: list[tuple[int, dict[str, str]]], *, unit: str = "line") -> MappingImportResult:
    """See :meth:`MappingBook.import_mappings`. Customer ids are checked against the customers loaded
    this session (``services.customers``): a row for a customer the account does not have is skipped."""
    result = MappingImportResult()
    good: list[Mapping] = []
    clear: set[tuple[str, str]] = set()
    seen: dict[tuple[str, str], int] = {}
    for line, record in rows:
        checked = _check_row(book, record, line, unit, seen)
        if isinstance(checked, str):
            result.errors.append(RowError(line, checked, unit))
        elif isinstance(checked, tuple):
            clear.add(checked)
        else:
            good.append(checked)
    result.errors.sort(key=lambda e: e.line)

    # what would change, worked out on the config as it is; then one change applies exactly that
    index = book.config.mapping_index()
    spelled = {c.name.casefold(): c.name for c in book.config.clients}
    new_clients: dict[str, str] = {}
    to_set: list[Mapping] = []
    for mapping in good:
        if mapping.client:
            name = spelled.get(mapping.client.casefold()) or new_clients.setdefault(mapping.client.casefold(), mapping.client)
            mapping = mapping.model_copy(update={"client": name})  # one spelling per client
        previous = index.get((mapping.account, mapping.customer_id))
        if previous is not None and (previous.client, previous.how) == (mapping.client, mapping.how):
            result.unchanged += 1
            continue
        to_set.append(mapping)
        if previous is None:
            result.added += 1
        else:
            result.changed += 1
    to_clear = {key for key in clear if key in index}
    result.cleared, result.unchanged = len(to_clear), result.unchanged + len(clear) - len(to_clear)
    result.clients_created = len(new_clients)

    def mutate(config: Config) -> None:
        config.clients.extend(Client(name=name) for name in new_clients.values())
        for mapping in to_set:
            config.set_mapping(mapping)
        config.remove_mappings(to_clear)

    if result.touched:
        book.change(f"import {result.touched} mapping change(s)", mutate)
    return result


def mapping_file(book: MappingBook, path: str | Path) -> MappingImportResult:
    """See :meth:`MappingBook.import_mapping_file`."""
    json_format = Path(str(path)).suffix.lower() == ".json"
    rows, errors = parse_mapping_rows(read_text_file(path), json_format=json_format)
    result = mapping_rows(book, rows, unit="item" if json_format else "line")
    result.errors = sorted([*errors, *result.errors], key=lambda e: e.line)
    return result


# ============================================================ a PSA's client list


@dataclass
class ClientsCsvImport:
    """What importing a PSA's client list did: clients ``added``; rows that ``matched`` clients already
    in the list (identical ignoring case, or the same after normalising), with the client's name; rows
    skipped (``errors``), by line."""

    added: list[ParsedClient] = field(default_factory=list)
    matched: list[tuple[ParsedClient, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.added)} client(s) added, {len(self.matched)} already in the list, "
            f"{len(self.errors)} row(s) skipped"
        )

    def lines(self, source: str = "the file", limit: int = 30) -> list[str]:
        """What to show: the count, the rows that matched clients already there, the rows skipped."""
        said = [f"{len(self.added)} client(s) added from {source}."]
        if self.matched:
            said += ["", f"{len(self.matched)} row(s) matched existing clients (not added again):"]
            said += [f"  line {p.line}: {p.name} is {name}" for p, name in self.matched[:limit]]
            if len(self.matched) > limit:
                said.append(f"  … and {len(self.matched) - limit} more")
        if self.errors:
            said += ["", f"{len(self.errors)} row(s) skipped:"]
            said += [f"  {e}" for e in self.errors[:limit]]
            if len(self.errors) > limit:
                said.append(f"  … and {len(self.errors) - limit} more")
        return said


def clients_csv(book: MappingBook, text: str) -> ClientsCsvImport:
    """See :meth:`MappingBook.import_clients_csv`."""
    parsed = parse_clients_csv(text)
    result = ClientsCsvImport(errors=list(parsed.errors))
    by_case = {c.name.casefold(): c.name for c in book.config.clients}
    by_norm: dict[str, list[str]] = {}
    for client in book.config.clients:
        by_norm.setdefault(normalise(client.name), []).append(client.name)
    for client in parsed.clients:
        same = by_case.get(client.name.casefold())
        alike = by_norm.get(normalise(client.name), [])
        if same is not None:
            result.matched.append((client, f"the client {same}" if same != client.name else "already a client"))
        elif alike:
            result.matched.append((client, "the same after normalising as " + ", ".join(alike)))
        else:
            result.added.append(client)

    def mutate(config: Config) -> None:
        config.clients.extend(Client(name=c.name, external_id=c.external_id) for c in result.added)

    if result.added:
        book.change(f"import {len(result.added)} client(s) from CSV", mutate)
    return result


def clients_csv_file(book: MappingBook, path: str | Path) -> ClientsCsvImport:
    """See :meth:`MappingBook.import_clients_csv_file`."""
    return clients_csv(book, read_text_file(path))
