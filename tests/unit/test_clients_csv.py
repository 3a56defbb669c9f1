"""Reading the MSP's client list from a PSA's CSV export."""

from __future__ import annotations

import pytest

from imtui.core.formats.clients_csv import (
    MAX_NAME_LENGTH,
    ClientsCsvResult,
    ParsedClient,
    RowError,
    parse_clients_csv,
)


def names(result: ClientsCsvResult) -> list[str]:
    return [c.name for c in result.clients]


@pytest.mark.parametrize(
    ("header", "name_first"),
    [
        ("name,id", True),
        ("Name,ID", True),
        ("Client,External ID", True),
        ("client name,externalid", True),
        ("Company,PSA ID", True),
        ("Company Name,Client ID", True),
        ("Account Name,Account ID", True),
        ("  NAME  ,  Id  ", True),
        ("client_name,external-id", True),
        ("id,name", False),
        ("External ID,Company", False),
    ],
)
def test_header_variants(header: str, name_first: bool) -> None:
    rows = ["Acme Ltd,C-1", "Bolt Inc,C-2"] if name_first else ["C-1,Acme Ltd", "C-2,Bolt Inc"]
    result = parse_clients_csv("\n".join([header, *rows]) + "\n")
    assert result.has_header
    assert result.errors == []
    assert result.clients == [
        ParsedClient("Acme Ltd", "C-1", 2),
        ParsedClient("Bolt Inc", "C-2", 3),
    ]


def test_header_with_other_columns_and_no_id() -> None:
    text = "Phone,Company,Town\n555,Acme Ltd,Leeds\n556,Bolt Inc,\n"
    result = parse_clients_csv(text)
    assert result.columns == ("Phone", "Company", "Town")
    assert result.clients == [ParsedClient("Acme Ltd", None, 2), ParsedClient("Bolt Inc", None, 3)]


def test_no_header_first_column_is_name_second_is_id() -> None:
    result = parse_clients_csv("Acme Ltd,17\nBolt Inc\nCrane,\n")
    assert not result.has_header
    assert result.clients == [
        ParsedClient("Acme Ltd", "17", 1),
        ParsedClient("Bolt Inc", None, 2),
        ParsedClient("Crane", None, 3),
    ]
    assert result.errors == []


def test_bom_is_ignored() -> None:
    result = parse_clients_csv("\ufeffName,Id\nAcme Ltd,1\n")
    assert result.has_header
    assert result.clients == [ParsedClient("Acme Ltd", "1", 2)]
    assert parse_clients_csv("\ufeffAcme Ltd\n").clients == [ParsedClient("Acme Ltd", None, 1)]


def test_semicolon_delimiter() -> None:
    text = "Client Name;PSA ID\nSmith, Jones & Co;12\n\"Bolt; Sons\";13\nCrane Ltd;14\n"
    result = parse_clients_csv(text)
    assert result.delimiter == ";"
    assert names(result) == ["Smith, Jones & Co", "Bolt; Sons", "Crane Ltd"]
    assert [c.external_id for c in result.clients] == ["12", "13", "14"]


def test_tab_delimiter() -> None:
    result = parse_clients_csv("name\tid\nAcme, Ltd\t1\n")
    assert result.delimiter == "\t"
    assert result.clients == [ParsedClient("Acme, Ltd", "1", 2)]


def test_quoted_commas_and_quotes() -> None:
    text = 'name,id\n"Smith, Jones & Co",1\n"The ""Best"" Bakery",2\n'
    result = parse_clients_csv(text)
    assert result.delimiter == ","
    assert names(result) == ["Smith, Jones & Co", 'The "Best" Bakery']


def test_single_column_without_header() -> None:
    result = parse_clients_csv("Acme Ltd\nBolt Inc\nCrane\n")
    assert names(result) == ["Acme Ltd", "Bolt Inc", "Crane"]
    assert result.errors == []


def test_crlf_and_blank_lines_keep_editor_line_numbers() -> None:
    result = parse_clients_csv("Name\r\nAcme Ltd\r\n\r\n\r\nBolt Inc\r\n")
    assert result.clients == [ParsedClient("Acme Ltd", None, 2), ParsedClient("Bolt Inc", None, 5)]


def test_bad_rows_are_reported_by_line_and_the_rest_kept() -> None:
    text = "\n".join(
        [
            "Name,Id",  # 1
            "Acme Ltd,1",  # 2
            ",2",  # 3 empty name
            "Bolt Inc,3,extra",  # 4 too many columns
            "X" * (MAX_NAME_LENGTH + 1) + ",4",  # 5 too long
            "Crane,5",  # 6
            "Acme Ltd,6",  # 7 duplicate
            "ACME LIMITED,7",  # 8 duplicate after normalising
            "Delta,5",  # 9 duplicate id
            "   ,8",  # 10 blank name
            "Echo,9,,",  # 11 trailing empty cells are fine
        ]
    ) + "\n"
    result = parse_clients_csv(text)
    assert result.clients == [
        ParsedClient("Acme Ltd", "1", 2),
        ParsedClient("Crane", "5", 6),
        ParsedClient("Echo", "9", 11),
    ]
    assert [e.line for e in result.errors] == [3, 4, 5, 7, 8, 9, 10]
    reasons = {e.line: e.reason for e in result.errors}
    assert reasons[3] == "empty name"
    assert reasons[4] == "too many columns (3, the header has 2)"
    assert reasons[5].startswith("name too long (201 characters")
    assert reasons[7] == 'duplicate name "Acme Ltd" (first on line 2)'
    assert reasons[8] == '"ACME LIMITED" is the same name as "Acme Ltd" on line 2 after normalising'
    assert reasons[9] == 'duplicate id "5" (first on line 6)'
    assert reasons[10] == "empty name"


def test_too_many_columns_without_header() -> None:
    result = parse_clients_csv("Acme,1\nBolt,2,3\nCrane,4\n")
    assert names(result) == ["Acme", "Crane"]
    assert result.errors == [RowError(2, "too many columns (3; expected a name and an optional id)")]


def test_name_of_exactly_max_length_is_kept() -> None:
    name = "Y" * MAX_NAME_LENGTH
    assert names(parse_clients_csv(f"{name}\n")) == [name]


def test_malformed_quotes_reported_and_parsing_continues() -> None:
    result = parse_clients_csv('Acme,1\n"Bad"x,2\nGood,3\n')
    assert names(result) == ["Acme", "Good"]
    assert [e.line for e in result.errors] == [2]
    assert result.errors[0].reason.startswith("malformed row")


def test_unclosed_quote_at_the_end() -> None:
    result = parse_clients_csv('Acme,1\nGood,2\n"Unclosed,3\nMore,4\n')
    assert names(result) == ["Acme", "Good"]
    assert result.errors == [
        RowError(3, "unclosed quote: the rest of the file was read as one field")
    ]


def test_multiline_quoted_name_is_rejected_with_its_first_line() -> None:
    result = parse_clients_csv('name,id\n"Two\nLines",1\nAfter,2\n')
    assert result.clients == [ParsedClient("After", "2", 4)]
    assert result.errors == [RowError(2, "the name spans several lines (an unclosed quote?)")]


def test_control_characters_rejected() -> None:
    result = parse_clients_csv("Acme\x00,1\nGood,2\n")
    assert names(result) == ["Good"]
    assert result.errors == [RowError(1, "the name contains control characters")]


def test_names_and_ids_are_stripped() -> None:
    result = parse_clients_csv("name , id\n  Acme Ltd  ,  7 \n")
    assert result.clients == [ParsedClient("Acme Ltd", "7", 2)]


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff", "Name,Id\n", "name\n\n"])
def test_empty_inputs(text: str) -> None:
    result = parse_clients_csv(text)
    assert result.clients == [] and result.errors == []


def test_unrecognised_header_is_data() -> None:
    # "Foo" is not a known header: the first row is a client, as the rules say
    result = parse_clients_csv("Foo,Bar\nAcme,1\n")
    assert not result.has_header
    assert names(result) == ["Foo", "Acme"]


def test_accented_and_unicode_names_survive() -> None:
    result = parse_clients_csv("Company\nMüller & Söhne GmbH\nSociété Générale\n")
    assert names(result) == ["Müller & Söhne GmbH", "Société Générale"]
