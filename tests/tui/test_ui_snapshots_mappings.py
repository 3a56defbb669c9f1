"""How the Customers & mappings screen looks with every kind of mapping (snapshot, deterministic)."""

from __future__ import annotations

from imtui.core.config import Client, Mapping
from imtui.tui.app import ImtuiApp


def _mapping(customer_id: str, name: str, client: str | None, how: str) -> Mapping:
    return Mapping(account="us-demo", customer_id=customer_id, customer_name=name, client=client, how=how)


async def _loaded(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_mapping_screen(snap_compare, make_services):
    services = make_services()
    config = services.config.model_copy(deep=True)
    config.clients = [
        Client(name="Acme Inc"),
        Client(name="Acme Holdings"),
        Client(name="Smith and Sons Plumbing"),
        Client(name="Barnes & Noble Dental"),
        Client(name="Old Mill Bakery", group="Bakeries"),
        Client(name="Keystone Labs LLC"),
    ]
    config.mappings = [
        _mapping("1000101", "Acme Inc", "Acme Inc", "exact"),
        _mapping("1000103", "Acme Holdings LLC", "Acme Holdings", "manual"),
        _mapping("1000104", "Acme North LLC", None, "ignored"),
        _mapping("1000106", "Smith & Sons Plumbing LLC", "Smith and Sons Plumbing", "normalised"),
        _mapping("1000107", "Barnes & Noble Dental Group", "Barnes & Noble Dental", "manual"),
        _mapping("1000109", "Old Mill Bakery Inc", "Old Mill Bakery", "normalised"),
        _mapping("1000111", "Defunct Widgets Corp.", None, "ignored"),
        _mapping("1000117", "Keystone Labs LLC", "Keystone Labs LLC", "exact"),
    ]
    services.store.save(config)
    services.config = config
    app = ImtuiApp(services, start_in="customers")
    assert snap_compare(app, terminal_size=(140, 45), run_before=_loaded)
