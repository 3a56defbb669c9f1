"""Reading a user's text file (the one reader): BOMs, UTF-16 as Excel's "Unicode text" saves it,
Windows-1252, and a missing or unreadable file in words."""

from __future__ import annotations

import codecs

import pytest

from imtui.core.errors import ServiceError
from imtui.core.formats import read_text_file
from imtui.core.formats.mappings import parse_mapping_rows

TEXT = "Name\tExternal ID\nCafé Müller GmbH\tA-1\nZoë’s Bakery\tB-2\n"


@pytest.mark.parametrize(
    "encoded",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),  # Excel: "Unicode text"
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),  # no mark: told by its zero bytes
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16-le with BOM", "utf-16-be with BOM", "utf-16-le without BOM"],
)
def test_unicode_files_are_read_whatever_the_encoding(tmp_path, encoded):
    path = tmp_path / "clients.txt"
    path.write_bytes(encoded)
    assert read_text_file(path) == TEXT


def test_windows_1252_is_the_fallback(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("name\nCafé Müller – Bäckerei\n".encode("cp1252"))
    assert read_text_file(path) == "name\nCafé Müller – Bäckerei\n"


def test_missing_empty_and_folder_paths_are_said_in_words(tmp_path):
    with pytest.raises(ServiceError, match="There is no file .*nope.csv"):
        read_text_file(tmp_path / "nope.csv")
    with pytest.raises(ServiceError, match="Type the path"):
        read_text_file("  ")
    with pytest.raises(ServiceError, match="is a folder, not a file"):
        read_text_file(tmp_path)


def test_json_mapping_rows_are_numbered_as_items():
    rows, errors = parse_mapping_rows('[{"account": "a", "customer_id": 1}, "oops", {"account": "b"}]', json_format=True)
    assert [number for number, _ in rows] == [1, 3]
    assert [str(e) for e in errors] == ["item 2: not an object"]
    assert rows[0][1]["customer_id"] == "1"
