"""The mapping table as rows: what ``imtui mappings export`` writes and ``imtui mappings import`` reads.

One row per Ingram customer: account, customer_id, customer_name, client, how ("exact", "normalised",
"manual", "ignored", or "unmapped"). CSV (a header row, any column order) or a JSON list of objects.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from imtui.core.formats.rows import RowError

if TYPE_CHECKING:
    from imtui.core.config import Config
    from imtui.core.services.customers import CustomerRow

__all__ = ["MAPPING_COLUMNS", "mapping_table", "parse_mapping_rows"]

MAPPING_COLUMNS = ("account", "customer_id", "customer_name", "client", "how")


def mapping_table(config: Config, rows: Iterable[CustomerRow]) -> list[dict[str, str]]:
    """One row per Ingram customer (unmapped ones too), plus mappings of customers not loaded this time."""
    by_key = config.mapping_index()
    table = []
    seen = set()
    for row in rows:
        mapping = by_key.get(row.key)
        seen.add(row.key)
        table.append(
            {
                "account": row.account,
                "customer_id": row.key[1],
                "customer_name": row.customer.name,
                "client": (mapping.client or "") if mapping else "",
                "how": mapping.how if mapping else "unmapped",
            }
        )
    for key, mapping in by_key.items():
        if key not in seen:
            table.append(
                {"account": mapping.account, "customer_id": mapping.customer_id, "customer_name": mapping.customer_name,
                 "client": mapping.client or "", "how": mapping.how}
            )
    return table


def parse_mapping_rows(text: str, *, json_format: bool) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Rows of a mapping file with their numbers: line numbers in a CSV, item numbers (1-based) in a
    JSON list; the errors say which ("line 3", "item 3")."""
    if json_format:
        return _json_rows(text)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows = []
    for record in reader:
        rows.append((reader.line_num, {k.strip().lower(): (v or "").strip() for k, v in record.items() if k}))
    return rows, []


def _json_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        return [], [RowError(exc.lineno, f"not valid JSON: {exc.msg}")]
    if not isinstance(data, list):
        return [], [RowError(1, "expected a JSON list of mappings")]
    rows = []
    errors = []
    for number, item in enumerate(data, start=1):
        if isinstance(item, dict):
            rows.append((number, {str(k).strip().lower(): "" if v is None else str(v).strip() for k, v in item.items()}))
        else:
            errors.append(RowError(number, "not an object", unit="item"))
    return rows, errors
