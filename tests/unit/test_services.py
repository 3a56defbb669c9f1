"""The services layer both the UI and the CLI use: accounts and the mapping book."""

from __future__ import annotations

import codecs
import json

import pytest

from imtui.core.rules import MAX_SEATS, check_api_url
from imtui.core.config import AccountConfig, ConfigStore
from imtui.core.secrets import AccountSecrets
from imtui.core.services import AccountInput, CustomerRow, ServiceError


async def _rows(services, name="us-demo"):
    async for _ in services.customers.pages(name):
        pass
    return [CustomerRow(name, c) for c in services.customers.cached(name)]


async def test_undo_of_a_mapping_never_brings_back_a_deleted_account(make_services):
    services = make_services()
    rows = await _rows(services, "uk-demo")
    services.mappings.map(rows[0], "Somebody Ltd")
    services.accounts.remove("de-demo")
    assert services.mappings.undo() == f"map {rows[0].customer.name} to Somebody Ltd"
    on_disk = ConfigStore(services.store.path).load()
    assert [a.name for a in on_disk.accounts] == ["us-demo", "uk-demo"]
    assert on_disk.mapping_for("uk-demo", rows[0].key[1]) is None


async def test_undo_drops_mappings_of_accounts_removed_since(make_services):
    services = make_services()
    rows = await _rows(services, "uk-demo")
    services.mappings.map(rows[0], "A")
    services.mappings.map(rows[1], "B")
    services.accounts.remove("uk-demo")
    services.mappings.undo()
    assert [m for m in services.config.mappings if m.account == "uk-demo"] == []


async def test_removing_or_renaming_an_account_forgets_its_loaded_customers(make_services, sandbox):
    services = make_services()
    await _rows(services, "uk-demo")
    await _rows(services, "us-demo")
    services.accounts.remove("uk-demo")
    assert services.customers.cached("uk-demo") is None
    account = services.config.account("us-demo")
    services.accounts.put(account.model_copy(update={"name": "us-main"}), None, replacing="us-demo")
    assert services.customers.cached("us-demo") is None and services.secrets.get("us-main") is not None


def test_adding_an_account_under_a_taken_name_is_refused_not_overwritten(make_services, sandbox):
    services = make_services()
    before = services.config.account("us-demo")
    clash = AccountConfig(name="US-DEMO", api_url="https://api.cloud.im/marketplace/na", marketplace="us", username="x.api")
    with pytest.raises(ServiceError, match="already exists"):
        services.accounts.put(clash, AccountSecrets("pw", "k"))
    with pytest.raises(ServiceError, match="too close"):
        services.accounts.put(clash.model_copy(update={"name": "us_demo"}), AccountSecrets("pw", "k"))
    assert ConfigStore(services.store.path).load().account("us-demo") == before


async def test_imported_mappings_take_the_existing_clients_spelling(make_services):
    services = make_services()
    rows = await _rows(services)
    services.mappings.add_client("Acme Ltd")
    result = services.mappings.import_mappings(
        [(2, {"account": "us-demo", "customer_id": rows[0].key[1], "client": "acme ltd"}),
         (3, {"account": "us-demo", "customer_id": rows[1].key[1], "client": "x" * 300})]
    )
    assert result.added == 1 and [e.line for e in result.errors] == [3]
    assert services.config.mapping_for("us-demo", rows[0].key[1]).client == "Acme Ltd"
    assert [c.name for c in services.config.clients] == ["Acme Ltd"]


def test_a_password_inside_the_api_url_is_refused_everywhere():
    url = "https://northwind.api:S3cret@api.cloud.im/marketplace/eu"
    assert "out of the URL" in check_api_url(url)
    with pytest.raises(ValueError, match="username and password out of the URL"):
        AccountConfig(name="x", api_url=url, marketplace="uk", username="u.api")


@pytest.mark.parametrize("text", ["²", "1.5", "-3", "0", "ten"])
def test_odd_digits_are_refused_in_words_not_crashing(text):
    assert "whole number above zero" in MAX_SEATS.check(text)


# ------------------------------------------------------------------ create clients never guesses


def _row(rows, key):
    return next(r for r in rows if r.key == key)


async def test_create_clients_leaves_for_the_queue_what_auto_map_refuses(make_services):
    services = make_services()
    rows = [r for name in ("us-demo", "de-demo") for r in await _rows(services, name)]
    for client in ("Acme", "Acme Ltd", "Acme Inc", "Acme GmbH", "Brightline Logistics LLC"):
        services.mappings.add_client(client)
    services.mappings.map(_row(rows, ("us-demo", "1000117")), "Keystone")  # mapped by hand: skipped
    chosen = [_row(rows, key) for key in (
        ("de-demo", "3000102"),  # ACME GMBH: normalises to the four Acme clients
        ("us-demo", "1000108"),  # Brightline Logistics LLC: exactly one client
        ("us-demo", "1000144"),  # Harbor Labs Corp.: no client yet
        ("us-demo", "1000117"),  # Keystone Labs LLC: already mapped
    )]
    assert chosen[0].customer.name == "ACME GMBH"

    result = services.mappings.import_customers_as_clients(chosen, group="Ingram")

    mappings = services.config.mapping_index()
    assert ("de-demo", "3000102") not in mappings
    assert [(r.key, why) for r, why in result.left] == [
        (("de-demo", "3000102"), '4 clients match: "Acme", "Acme GmbH", "Acme Inc", "Acme Ltd"')
    ]
    assert (mappings[("us-demo", "1000108")].client, mappings[("us-demo", "1000108")].how) == ("Brightline Logistics LLC", "exact")
    assert (mappings[("us-demo", "1000144")].client, mappings[("us-demo", "1000144")].how) == ("Harbor Labs Corp.", "exact")
    assert services.config.client("Harbor Labs Corp.").group == "Ingram"
    assert (result.clients_created, result.created, result.mapped) == (1, 1, 1)
    assert [r.key for r, _ in result.skipped] == [("us-demo", "1000117")]
    assert result.summary() == (
        "1 client(s) created for 1 customer, 1 customer mapped to existing clients, "
        "1 left for the queue (more than one client could be theirs), 1 skipped (already mapped, or no name)"
    )
    assert services.mappings.undo() == "create clients from 3 customer(s)"
    assert services.config.client("Harbor Labs Corp.") is None


async def test_create_clients_for_two_customers_of_one_account_with_one_name_maps_neither_to_the_others_client(make_services):
    services = make_services()
    rows = await _rows(services, "de-demo")
    twins = [_row(rows, ("de-demo", "3000101")), _row(rows, ("de-demo", "3000102"))]  # Acme GmbH, ACME GMBH
    result = services.mappings.import_customers_as_clients(twins)
    assert result.clients_created == 1 and services.config.client("Acme GmbH").name == "Acme GmbH"
    assert services.config.mapping_for("de-demo", "3000101").client == "Acme GmbH"
    assert services.config.mapping_for("de-demo", "3000102") is None
    assert [(r.key, why) for r, why in result.left] == [
        (("de-demo", "3000102"), 'client "Acme GmbH" is already mapped to customer "Acme GmbH"')
    ]


# ------------------------------------------------------------------ mapping imports


async def test_mapping_import_checks_customer_ids_and_counts_what_changed(make_services):
    services = make_services()
    rows = await _rows(services)
    services.mappings.map(rows[0], "Keep Me")
    services.mappings.map(rows[1], "Old Name")
    services.mappings.map(rows[2], "Clear Me")
    clients_before = [c.name for c in services.config.clients]

    result = services.mappings.import_mappings([
        (2, {"account": "us-demo", "customer_id": "9999999", "client": "Ghost One"}),
        (3, {"account": "us-demo", "customer_id": "abc", "client": "Ghost Two"}),
        (4, {"account": "us-demo", "customer_id": rows[0].key[1], "client": "keep me"}),  # same client
        (5, {"account": "us-demo", "customer_id": rows[1].key[1], "client": "New Name"}),
        (6, {"account": "us-demo", "customer_id": rows[2].key[1], "how": "unmapped"}),
        (7, {"account": "us-demo", "customer_id": rows[3].key[1], "client": "Brand New", "how": "manual"}),
        (8, {"account": "us-demo", "customer_id": rows[4].key[1], "how": "unmapped"}),  # was not mapped
        (9, {"account": "us-demo", "customer_id": rows[3].key[1], "client": "Twice"}),
        (10, {"account": "us-demo", "customer_id": rows[5].key[1], "client": "X", "how": "guessed"}),
    ])

    assert [(e.line, e.reason) for e in result.errors] == [
        (2, "us-demo has no customer 9999999"),
        (3, "us-demo has no customer abc"),
        (9, f"customer {rows[3].key[1]} of us-demo is already on line 7"),
        (10, "The mapping 'how' must be 'exact', 'normalised', 'manual' or 'ignored'"),
    ]
    assert (result.added, result.changed, result.cleared, result.unchanged, result.clients_created) == (1, 1, 1, 2, 2)
    assert result.summary() == "1 added, 1 changed, 1 cleared, 2 unchanged; 2 new clients; 4 row(s) skipped"
    config = services.config
    assert config.mapping_for("us-demo", "9999999") is None and config.mapping_for("us-demo", "abc") is None
    assert config.mapping_for(*rows[1].key).client == "New Name"
    assert config.mapping_for(*rows[2].key) is None
    assert config.mapping_for(*rows[3].key).customer_name == rows[3].customer.name  # Ingram's name, not the file's
    assert [c.name for c in config.clients] == [*clients_before, "New Name", "Brand New"]  # no ghost clients


async def test_a_mapping_import_with_nothing_new_changes_nothing(make_services):
    services = make_services()
    rows = await _rows(services)
    services.mappings.map(rows[0], "Acme")
    before = services.store.path.read_bytes()
    result = services.mappings.import_mappings([(2, {"account": "us-demo", "customer_id": rows[0].key[1], "client": "Acme", "how": "manual"})])
    assert (result.touched, result.unchanged) == (0, 1)
    assert services.store.path.read_bytes() == before
    assert services.mappings.undo() == f"map {rows[0].customer.name} to Acme"  # the import left no undo step


async def test_rows_of_an_account_whose_customers_are_not_loaded_are_not_guessed(make_services):
    services = make_services()
    result = services.mappings.import_mappings([(2, {"account": "uk-demo", "customer_id": "2000101", "client": "Acme"})])
    assert [e.reason for e in result.errors] == ["the customers of uk-demo could not be loaded, so customer 2000101 cannot be checked"]
    assert services.config.mappings == [] and services.config.clients == []


async def test_a_json_mapping_file_reports_items_in_order(make_services, tmp_path):
    services = make_services()
    rows = await _rows(services)
    path = tmp_path / "map.json"
    path.write_text(json.dumps([
        {"account": "us-demo", "customer_id": "1", "client": "A"},
        "not an object",
        {"account": "us-demo", "customer_id": rows[0].key[1], "client": "Good"},
        {"customer_id": rows[1].key[1], "client": "B"},
        7,
    ]), encoding="utf-16")
    result = services.mappings.import_mapping_file(path)
    assert [str(e) for e in result.errors] == [
        "item 1: us-demo has no customer 1",
        "item 2: not an object",
        "item 4: account and customer_id are required",
        "item 5: not an object",
    ]
    assert result.added == 1 and services.config.mapping_for(*rows[0].key).client == "Good"


# ------------------------------------------------------------------ client CSV import


def test_client_csv_in_utf16_says_which_rows_matched_existing_clients(make_services, tmp_path):
    services = make_services()
    services.mappings.add_client("Alpha Ltd")
    services.mappings.add_client("Gamma")
    path = tmp_path / "psa.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "Company\tID\nALPHA LTD\tA-1\nZoë’s Bakery\tZ-1\nGamma Limited\tG-1\n\tE-1\n".encode("utf-16-le"))

    result = services.mappings.import_clients_csv_file(path)

    assert [c.name for c in result.added] == ["Zoë’s Bakery"]
    assert [(p.line, p.name, name) for p, name in result.matched] == [
        (2, "ALPHA LTD", "the client Alpha Ltd"),
        (4, "Gamma Limited", "the same after normalising as Gamma"),
    ]
    assert [(e.line, e.reason) for e in result.errors] == [(5, "empty name")]
    assert [c.name for c in services.config.clients] == ["Alpha Ltd", "Gamma", "Zoë’s Bakery"]
    shown = "\n".join(result.lines(str(path)))
    assert "1 client(s) added" in shown and "line 2: ALPHA LTD is the client Alpha Ltd" in shown and "line 5: empty name" in shown


# ------------------------------------------------------------------ no pydantic text for users


PYDANTIC_WORDS = ("validation error for", "errors.pydantic.dev", "input_value", "type=")


async def test_bad_values_are_refused_in_words_not_pydantics(make_services):
    services = make_services()
    rows = await _rows(services)
    said = []
    for attempt in (
        lambda: services.mappings.map(rows[0], "x" * 300),
        lambda: services.mappings.add_client("y" * 201),
        lambda: services.accounts.build(AccountInput("uk", "https://h/x", "uk", "u.api", max_seats="²")),
        lambda: services.accounts.put(AccountConfig.model_construct(name="bad name", api_url="x", marketplace="q", username="u"), None),
    ):
        with pytest.raises(ServiceError) as caught:
            attempt()
        said.append(str(caught.value))
    assert said[0] == "The client name is too long (300 characters, at most 200)."
    assert said[1] == "The client name is too long (201 characters, at most 200)."
    assert "'²' is not one of them" in said[2]
    for text in said:
        assert not any(word in text for word in PYDANTIC_WORDS), text
    assert services.config.mappings == [] and [c.name for c in services.config.clients] == []


async def test_create_clients_leaves_a_customer_whose_name_the_client_list_cannot_take(make_services):
    services = make_services()
    rows = await _rows(services)
    odd = CustomerRow("us-demo", rows[0].customer.model_copy(update={"name": "Very Long Name " * 20}))
    result = services.mappings.import_customers_as_clients([odd, rows[1]])
    assert [(r.key, why) for r, why in result.left] == [(odd.key, "The client name is too long (299 characters, at most 200).")]
    assert result.created == 1 and services.config.mapping_for(*rows[1].key) is not None
    assert services.config.mapping_for(*odd.key) is None
