"""The customers screen's plain rules, without an app: what a row shows and which customer triage offers next."""

from __future__ import annotations

from imtui.core.api.models import Address, Customer
from imtui.core.config import Mapping
from imtui.core.services import CustomerRow
from imtui.tui.screens.customer_rows import COLUMNS, CustomerLine, columns_for, fresh_line, next_to_triage


def customer(account: str, cid: str, name: str, city: str = "Leeds", country: str = "GB") -> CustomerRow:
    return CustomerRow(account, Customer(id=cid, name=name, status="active", address=Address(city=city, country_code=country)))


def mapping(c: CustomerRow, client: str | None, how: str) -> Mapping:
    return Mapping(account=c.account, customer_id=c.customer.id, customer_name=c.customer.name, client=client, how=how)


A = customer("uk", "1", "Acme [UK] Ltd")
B = customer("uk", "2", "Brightline Ltd")
C = customer("de", "3", "Spree AG", "Berlin", "DE")
D = customer("de", "4", "Globex GmbH", "Köln", "DE")


def shown(line: CustomerLine) -> dict[str, str]:
    return {spec.label: cell.value for spec, cell in zip(COLUMNS, line.cells)}


def test_a_line_shows_the_customer_and_its_mapping():
    assert shown(CustomerLine(A, None)) == {
        "Account": "uk", "Ingram customer": "Acme [UK] Ltd", "ID": "1", "Status": "active", "City": "Leeds",
        "Ctry": "GB", "Client": "", "How": "unmapped",
    }
    manual = CustomerLine(A, mapping(A, "Acme", "manual"))
    assert (shown(manual)["Client"], shown(manual)["How"]) == ("Acme", "manual")
    ignored = CustomerLine(A, mapping(A, None, "ignored"))
    assert (shown(ignored)["Client"], shown(ignored)["How"]) == ("—", "ignored")
    assert ignored.cells[-1].style == "dim" and CustomerLine(A, None).cells[-1].style == "bold"


def test_the_filter_finds_a_customer_by_any_of_its_cells_including_client_and_how():
    line = CustomerLine(C, mapping(C, "Zebra Works", "normalised"))
    for words in ("spree", "berlin de", "zebra", "normalised", "3"):
        assert all(word in line.filter_text for word in words.split()), words
    assert line.customer_key == ("de", "3") and line.how == "normalised"


def test_a_line_is_rebuilt_only_when_its_mapping_changes():
    lines: dict = {}
    first = fresh_line(lines, A, {})
    assert fresh_line(lines, A, {}) is first
    m = mapping(A, "Acme", "manual")
    second = fresh_line(lines, A, {A.key: m})
    assert second is not first and shown(second)["Client"] == "Acme"
    assert fresh_line(lines, A, {A.key: m}) is second


def test_the_account_column_is_as_wide_as_the_longest_account_name_within_limits():
    assert columns_for(["uk"])[0].width == 7
    assert columns_for(["northwind-main"])[0].width == 14
    assert columns_for(["a-very-long-account-name"])[0].width == 14
    assert columns_for([])[0].width == 7
    assert [c.key for c in columns_for(["uk"])] == [c.key for c in COLUMNS]


def test_triage_offers_unmapped_customers_from_the_cursor_round_from_the_top_skipping_skipped():
    lines = [CustomerLine(c, None) for c in (A, B, C, D)]
    mappings = {B.key: mapping(B, "Brightline", "manual")}
    assert next_to_triage(lines, 0, mappings).customer is A
    assert next_to_triage(lines, 1, mappings).customer is C  # B is mapped
    assert next_to_triage(lines, 3, mappings).customer is D
    assert next_to_triage(lines, 4, mappings).customer is A  # past the end: round from the top
    assert next_to_triage(lines, 2, mappings, skipped={C.key, D.key}).customer is A
    assert next_to_triage(lines, 0, mappings, skipped={A.key, C.key, D.key}) is None
    every = {c.key: mapping(c, None, "ignored") for c in (A, B, C, D)}
    assert next_to_triage(lines, 0, every) is None
    assert next_to_triage([], 0, {}) is None
