"""The services layer both the UI and the CLI use: accounts and the mapping book."""

from __future__ import annotations

import pytest

from imtui.core.rules import MAX_SEATS, check_api_url
from imtui.core.config import AccountConfig, ConfigStore
from imtui.core.secrets import AccountSecrets
from imtui.core.services import CustomerRow, ServiceError


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
