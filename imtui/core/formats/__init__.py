"""Files in and out: a PSA's client list (CSV), the mapping table (CSV/JSON), and the one reader of a
user's text file (:func:`read_text_file`: BOMs, UTF-16, Windows-1252)."""

from __future__ import annotations

from imtui.core.formats.clients_csv import ClientsCsvResult, ParsedClient, parse_clients_csv
from imtui.core.formats.mappings import MAPPING_COLUMNS, mapping_table, parse_mapping_rows
from imtui.core.formats.rows import RowError
from imtui.core.formats.textfile import decode_text, read_text_file

__all__ = [
    "MAPPING_COLUMNS",
    "ClientsCsvResult",
    "ParsedClient",
    "RowError",
    "decode_text",
    "mapping_table",
    "parse_clients_csv",
    "parse_mapping_rows",
    "read_text_file",
]
