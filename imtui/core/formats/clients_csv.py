"""Reading the MSP's client list from a CSV exported by its PSA (ConnectWise, Autotask, HaloPSA...).

:func:`parse_clients_csv` takes the file's text and returns the clients it could read plus one
:class:`RowError` per row it skipped, by line number as an editor shows it (1-based, the row's first
line when a quoted field spans several). A bad row never stops the import: everything else is kept.

Layout:

- the delimiter is sniffed among ``,`` ``;`` tab and ``|`` (csv.Sniffer, then a count of the candidates
  on the first line if the sniffer cannot tell), quotes are honoured ("Smith, Jones & Co" is one name),
  and a byte-order mark left at the start is ignored (decoding is
  :func:`imtui.core.formats.textfile.decode_text`'s job);
- a header row is recognised when one of its cells names the client column: name, client, client name,
  company, company name, account, account name, customer, customer name, organisation/organization
  (case, spaces, ``_`` and ``-`` ignored). An external id column is optional: id, external id,
  externalid, psa id, client id, company id, account id, customer id, reference, ref;
- without a recognisable header, the first column is the name and the optional second the external id,
  and the first row is data.

Rows skipped and reported: an empty name, more non-empty cells than there are columns, a name over
:data:`MAX_NAME_LENGTH` characters, a name spanning lines or holding control characters, a row the csv
module cannot parse (stray or unclosed quotes), a duplicate name (identical, or equal after
:func:`imtui.core.matching.normalise`) and a duplicate external id. Entirely blank rows are skipped silently.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from imtui.core.formats.rows import RowError
from imtui.core.rules import CLIENT_NAME_MAX
from imtui.core.matching import normalise

__all__ = [
    "MAX_NAME_LENGTH",
    "ClientsCsvResult",
    "ParsedClient",
    "RowError",
    "parse_clients_csv",
]

MAX_NAME_LENGTH = CLIENT_NAME_MAX  # the config's own limit

_NAME_HEADERS = frozenset(
    {
        "name", "client", "clientname", "company", "companyname", "account", "accountname",
        "customer", "customername", "organisation", "organization", "organisationname",
        "organizationname",
    }
)
_ID_HEADERS = frozenset(
    {
        "id", "externalid", "psaid", "clientid", "companyid", "accountid", "customerid", "reference",
        "ref", "externalreference", "externalref",
    }
)
_DELIMITERS = ",;\t|"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class ParsedClient:
    """One client read from the file: its name (stripped), PSA id if any, and the line it came from."""

    name: str
    external_id: str | None
    line: int


@dataclass
class ClientsCsvResult:
    clients: list[ParsedClient]
    errors: list[RowError]
    has_header: bool = False
    delimiter: str = ","
    columns: tuple[str, ...] = field(default_factory=tuple)  # the header row, if any


def _header_key(cell: str) -> str:
    return re.sub(r"[\s_\-.]+", "", cell.strip().casefold())


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def _count_outside_quotes(line: str, ch: str) -> int:
    n, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == ch and not quoted:
            n += 1
    return n


def _sniff_delimiter(text: str) -> str:
    first = _first_line(text)
    counts = {d: _count_outside_quotes(first, d) for d in _DELIMITERS}
    sample = "\n".join(text.splitlines()[:50])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed and counts.get(sniffed, 0) > 0:
        return sniffed
    best = max(_DELIMITERS, key=lambda d: (counts[d], -_DELIMITERS.index(d)))
    return best if counts[best] else ","


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(first line of the row, cells or None, csv error or None), rows of the file in order."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    last = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield last + 1, None, str(exc)
            last = reader.line_num
            continue
        yield last + 1, row, None
        last = reader.line_num


def _name_problem(name: str) -> str | None:
    """Why a client name cannot be used, or None."""
    if not name:
        return "empty name"
    if "\n" in name or "\r" in name:
        return "the name spans several lines (an unclosed quote?)"
    if _CONTROL.search(name):
        return "the name contains control characters"
    if len(name) > MAX_NAME_LENGTH:
        return f"name too long ({len(name)} characters, at most {MAX_NAME_LENGTH})"
    return None


@dataclass
class _Seen:
    """Names (as written and normalised) and ids read so far, with their lines: duplicates are errors."""

    names: dict[str, int] = field(default_factory=dict)
    normalised: dict[str, tuple[int, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def problem(self, name: str, external_id: str | None) -> str | None:
        if name in self.names:
            return f'duplicate name "{name}" (first on line {self.names[name]})'
        norm = normalise(name)
        if norm in self.normalised:
            other_line, other = self.normalised[norm]
            return f'"{name}" is the same name as "{other}" on line {other_line} after normalising'
        if external_id is not None and external_id in self.ids:
            return f'duplicate id "{external_id}" (first on line {self.ids[external_id]})'
        return None

    def add(self, line: int, name: str, external_id: str | None) -> None:
        self.names[name] = line
        self.normalised[normalise(name)] = (line, name)
        if external_id is not None:
            self.ids[external_id] = line


def _header(cells: list[str]) -> tuple[int, int] | None:
    """(name column, id column or -1) if ``cells`` is a header row naming the client column."""
    keys = [_header_key(c) for c in cells]
    name_idx = next((k for k, key in enumerate(keys) if key in _NAME_HEADERS), None)
    if name_idx is None:
        return None
    id_idx = next((k for k, key in enumerate(keys) if key in _ID_HEADERS and k != name_idx), -1)
    return name_idx, id_idx


def parse_clients_csv(text: str) -> ClientsCsvResult:
    """Parse a PSA export into clients and row errors; see the module docstring for the rules."""
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = _sniff_delimiter(text)
    clients: list[ParsedClient] = []
    errors: list[RowError] = []
    seen = _Seen()
    header: list[str] | None = None
    name_col, id_col, width = 0, 1, 2
    first = True
    for line, row, problem in _rows(text, delimiter):
        if problem is not None:
            if "unexpected end of data" in problem:
                reason = "unclosed quote: the rest of the file was read as one field"
            else:
                reason = f"malformed row ({problem})"
            errors.append(RowError(line, reason))
            first = False
            continue
        assert row is not None
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if first:
            first = False
            columns = _header(cells)
            if columns is not None:
                header, (name_col, id_col), width = cells, columns, len(cells)
                continue
        used = len(cells)
        while used and not cells[used - 1]:
            used -= 1
        if used > width:
            if header is not None:
                reason = f"too many columns ({used}, the header has {width})"
            else:
                reason = f"too many columns ({used}; expected a name and an optional id)"
            errors.append(RowError(line, reason))
            continue
        name = cells[name_col] if name_col < len(cells) else ""
        external_id = (cells[id_col] or None) if 0 <= id_col < len(cells) else None
        reason = _name_problem(name) or seen.problem(name, external_id)
        if reason:
            errors.append(RowError(line, reason))
            continue
        seen.add(line, name, external_id)
        clients.append(ParsedClient(name, external_id, line))

    return ClientsCsvResult(
        clients=clients,
        errors=errors,
        has_header=header is not None,
        delimiter=delimiter,
        columns=tuple(header or ()),
    )
