"""The Customers & mappings screen, driven through the UI with Pilot.

Every test asserts outcomes: the rows of the table, the config file on disk (re-read with a fresh
``ConfigStore``), the dialogs shown and the notifications, never only "no exception".
"""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static

from imtui.core.config import Client, ConfigStore, Mapping
from imtui.core.matching import normalise
from imtui.tui.app import ImtuiApp
from imtui.tui.dialogs import AutoMapDialog, ClientImportDialog, MappingDialog, MessageDialog, PathDialog
from imtui.tui.screens.customers import CustomersScreen
from imtui.tui.widgets.fast_table import FastTable

# Sandbox(seed=7) customers used below (id: name)
US_KEYSTONE = ("us-demo", "1000117")  # Keystone Labs LLC
UK_WHITEHALL = ("uk-demo", "2000112")  # Whitehall Accountants LLP
US_BRIGHTLINE = ("us-demo", "1000108")  # Brightline Logistics LLC
DE_SPREE = ("de-demo", "3000113")  # Spree Software AG
US_HARBOR = ("us-demo", "1000144")  # Harbor Labs Corp.
US_REDWOOD_FOODS = ("us-demo", "1000112")  # Redwood Foods Co.


# ------------------------------------------------------------------ helpers


def setup_config(services, clients=(), mappings=()):
    config = services.config.model_copy(deep=True)
    config.clients = [c if isinstance(c, Client) else Client(name=c) for c in clients]
    config.mappings = list(mappings)
    services.store.save(config)
    services.config = config


def on_disk(services):
    """The config as saved, read back by a fresh store."""
    return ConfigStore(services.store.path).load()


def disk_mappings(services) -> dict[tuple[str, str], Mapping]:
    return {(m.account, m.customer_id): m for m in on_disk(services).mappings}


def customers_screen(app) -> CustomersScreen:
    screen = app.screen
    assert isinstance(screen, CustomersScreen), screen
    return screen


def table_of(screen: CustomersScreen) -> FastTable:
    return screen.table


def shown_keys(screen: CustomersScreen) -> list[tuple[str, str]]:
    """The customers in the table, top to bottom, from the table's own row objects."""
    return [line.customer_key for line in table_of(screen).shown_rows]


def cells(screen: CustomersScreen, key: tuple[str, str]) -> dict[str, str]:
    """The row of one customer as the user reads it (column label -> text), from what the table holds."""
    table = table_of(screen)
    index = shown_keys(screen).index(key)
    return {str(col.label): str(value) for col, value in zip(table.ordered_columns, table.get_row_at(index))}


def move_to(screen: CustomersScreen, key: tuple[str, str]) -> None:
    table = table_of(screen)
    table.move_cursor(row=shown_keys(screen).index(key), animate=False)


def customer_name(sandbox, key) -> str:
    return sandbox.state.account(key[0]).customers[key[1]]["name"]


async def test_screen_loads_every_customer_of_every_account(make_services, sandbox, open_app):
    services = make_services()
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        expected = {(a.name, cid) for a in sandbox.accounts for cid in sandbox.state.account(a.name).customers}
        assert set(shown_keys(screen)) == expected
        assert len(expected) == 3 * 48
        row = cells(screen, US_KEYSTONE)
        assert row["Ingram customer"] == "Keystone Labs LLC"
        assert row["How"] == "unmapped" and row["Client"] == ""
        status = str(screen.query_one("#mapping-status", Static).render())
        assert "144 customers, 144 unmapped" in status
        assert "loading" not in status


# ------------------------------------------------------------------ 1. auto-map


async def test_auto_map_preview_then_apply(make_services, sandbox, open_app, notifications):
    services = make_services()
    setup_config(
        services,
        clients=[
            "Keystone Labs LLC",  # exact
            "Whitehall Accountants LLP",  # exact (another account)
            "Brightline Logistics",  # normalised: Brightline Logistics LLC
            "spree software",  # normalised: Spree Software AG
            "Harbor Labs",  # conflict: both normalise to "harbor labs"
            "Harbor Labs Inc",
            "Redwood Foods",  # would match Redwood Foods Co. after normalising...
            "Redwood Kitchens",  # ...but that customer is mapped here by hand
        ],
        mappings=[
            Mapping(account="us-demo", customer_id="1000112", customer_name="Redwood Foods Co.", client="Redwood Kitchens", how="manual")
        ],
    )
    assert normalise("Harbor Labs") == normalise("Harbor Labs Inc") == normalise("Harbor Labs Corp.")
    before = services.store.path.read_bytes()
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AutoMapDialog)
        plan = dialog.plan
        planned = {(p.customer.account, p.customer.customer_id): (p.client, p.how) for p in plan.to_apply}
        assert planned[US_KEYSTONE] == ("Keystone Labs LLC", "exact")
        assert planned[UK_WHITEHALL] == ("Whitehall Accountants LLP", "exact")
        assert planned[US_BRIGHTLINE] == ("Brightline Logistics", "normalised")
        assert planned[DE_SPREE] == ("spree software", "normalised")
        assert US_HARBOR not in planned and US_REDWOOD_FOODS not in planned
        summary = str(dialog.query_one("#dialog-body", Static).render())
        assert summary == plan.summary()
        body = summary + "\n" + str(dialog.query_one("#automap-details Static", Static).render())
        assert "2 exact, 2 after normalising" in body
        assert "Harbor Labs Corp.: 2 clients match" in body
        assert "1 set by hand or ignored" in body
        # the buttons stay on screen however long the list is
        assert dialog.query_one("#confirm").region.bottom <= app.size.height
        assert str(dialog.query_one("#confirm").label) == f"Apply {len(planned)} (y)"
        # focus starts on Cancel; escape changes nothing
        assert app.focused is not None and app.focused.id == "cancel"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert services.store.path.read_bytes() == before
        assert cells(screen, US_KEYSTONE)["How"] == "unmapped"

        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AutoMapDialog)
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is screen

        saved = disk_mappings(services)
        assert (saved[US_KEYSTONE].client, saved[US_KEYSTONE].how) == ("Keystone Labs LLC", "exact")
        assert (saved[UK_WHITEHALL].client, saved[UK_WHITEHALL].how) == ("Whitehall Accountants LLP", "exact")
        assert (saved[US_BRIGHTLINE].client, saved[US_BRIGHTLINE].how) == ("Brightline Logistics", "normalised")
        assert (saved[DE_SPREE].client, saved[DE_SPREE].how) == ("spree software", "normalised")
        assert US_HARBOR not in saved  # the conflict is left for a person
        assert (saved[US_REDWOOD_FOODS].client, saved[US_REDWOOD_FOODS].how) == ("Redwood Kitchens", "manual")
        assert set(saved) == set(planned) | {US_REDWOOD_FOODS}
        # the table shows it
        assert cells(screen, US_BRIGHTLINE)["Client"] == "Brightline Logistics"
        assert cells(screen, US_BRIGHTLINE)["How"] == "normalised"
        assert cells(screen, US_HARBOR)["How"] == "unmapped"
        assert cells(screen, US_REDWOOD_FOODS)["Client"] == "Redwood Kitchens"
        assert any(f"Mapped {len(planned)} customer(s) automatically" in m for m in notifications(app))
        assert_table_matches_disk(screen, services)


# ------------------------------------------------------------------ 2. triage queue


async def test_triage_queue(make_services, sandbox, open_app):
    services = make_services()
    setup_config(services, clients=["Acme Incorporated", "Acme Industries", "Acme Holdings", "Smith Plumbing"])
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        order = shown_keys(screen)
        assert table_of(screen).cursor_row == 0

        # n: the first unmapped customer, with ranked suggestions (best first)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MappingDialog)
        first = order[0]
        assert dialog.row.key == first
        names = [s.client for s in dialog.suggestions]
        scores = [s.score for s in dialog.suggestions]
        assert scores == sorted(scores, reverse=True) and len(names) >= 2
        top = dialog.suggestions[0].client
        options = dialog.query_one("#suggestions", OptionList)
        assert options.option_count == len(names)

        # enter accepts the top suggestion: saved as manual with that client
        await pilot.press("enter")
        await pilot.pause()
        saved = disk_mappings(services)
        assert (saved[first].client, saved[first].how) == (top, "manual")
        assert cells(screen, first)["Client"] == top and cells(screen, first)["How"] == "manual"

        # the queue moves on to the next unmapped customer; 2 picks the second suggestion
        dialog = app.screen
        assert isinstance(dialog, MappingDialog)
        second = order[1]
        assert dialog.row.key == second
        assert len(dialog.suggestions) >= 2
        pick = dialog.suggestions[1].client
        await pilot.press("2")
        await pilot.pause()
        saved = disk_mappings(services)
        assert (saved[second].client, saved[second].how) == (pick, "manual")

        # t, type a new client name, enter: the client is created and mapped
        dialog = app.screen
        assert isinstance(dialog, MappingDialog)
        third = order[2]
        assert dialog.row.key == third
        await pilot.press("t")
        await pilot.press(*"Acme Group West")
        await pilot.press("enter")
        await pilot.pause()
        disk = on_disk(services)
        assert disk.client("Acme Group West") is not None
        m = disk.mapping_for(*third)
        assert (m.client, m.how) == ("Acme Group West", "manual")
        assert cells(screen, third)["Client"] == "Acme Group West"

        # i ignores
        dialog = app.screen
        assert isinstance(dialog, MappingDialog)
        fourth = order[3]
        assert dialog.row.key == fourth
        await pilot.press("i")
        await pilot.pause()
        m = disk_mappings(services)[fourth]
        assert m.how == "ignored" and m.client is None
        assert cells(screen, fourth)["How"] == "ignored"

        # s skips: left unmapped, the queue goes on
        dialog = app.screen
        assert isinstance(dialog, MappingDialog)
        fifth = order[4]
        assert dialog.row.key == fifth
        await pilot.press("s")
        await pilot.pause()
        assert fifth not in disk_mappings(services)
        assert cells(screen, fifth)["How"] == "unmapped"
        dialog = app.screen
        assert isinstance(dialog, MappingDialog)
        assert dialog.row.key == order[5]

        # escape stops the queue, changing nothing
        before = services.store.path.read_bytes()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert services.store.path.read_bytes() == before
        assert set(disk_mappings(services)) == {first, second, third, fourth}
        assert_table_matches_disk(screen, services)


async def test_typed_name_of_existing_client_reuses_it(make_services, sandbox, open_app):
    services = make_services()
    setup_config(services, clients=["Keystone Group"])
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        move_to(screen, US_KEYSTONE)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MappingDialog)
        await pilot.press("t", *"keystone group", "enter")
        await pilot.pause()
        disk = on_disk(services)
        assert [c.name for c in disk.clients] == ["Keystone Group"]  # no duplicate client in another case
        assert disk.mapping_for(*US_KEYSTONE).client == "Keystone Group"
        assert app.screen is screen  # not a queue: one customer only


# ------------------------------------------------------------------ 3. clear and undo


async def test_clear_and_undo(make_services, sandbox, open_app, notifications):
    services = make_services()
    setup_config(
        services,
        clients=["Keystone", "Other Keystone"],
        mappings=[Mapping(account="us-demo", customer_id="1000117", customer_name="Keystone Labs LLC", client="Keystone", how="manual")],
    )
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        move_to(screen, US_KEYSTONE)
        assert cells(screen, US_KEYSTONE)["Client"] == "Keystone"

        await pilot.press("x")
        await pilot.pause()
        assert US_KEYSTONE not in disk_mappings(services)
        assert cells(screen, US_KEYSTONE)["How"] == "unmapped"

        await pilot.press("ctrl+z")
        await pilot.pause()
        m = disk_mappings(services)[US_KEYSTONE]
        assert (m.client, m.how) == ("Keystone", "manual")
        assert cells(screen, US_KEYSTONE)["Client"] == "Keystone"
        assert cells(screen, US_KEYSTONE)["How"] == "manual"
        assert any("Undone: clear the mapping of Keystone Labs LLC" in n for n in notifications(app))

        # remap by hand, then undo: back to the previous client, not cleared
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("t", *"Other Keystone", "enter")
        await pilot.pause()
        assert disk_mappings(services)[US_KEYSTONE].client == "Other Keystone"
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert disk_mappings(services)[US_KEYSTONE].client == "Keystone"
        assert cells(screen, US_KEYSTONE)["Client"] == "Keystone"

        # nothing left to undo
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert disk_mappings(services)[US_KEYSTONE].client == "Keystone"
        assert "Nothing to undo." in notifications(app)
        assert_table_matches_disk(screen, services)


async def test_ignore_key_on_a_row(make_services, sandbox, open_app):
    services = make_services()
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        move_to(screen, UK_WHITEHALL)
        await pilot.press("i")
        await pilot.pause()
        assert disk_mappings(services)[UK_WHITEHALL].how == "ignored"
        assert cells(screen, UK_WHITEHALL)["How"] == "ignored"
        assert cells(screen, UK_WHITEHALL)["Client"] == "—"
        status = str(screen.query_one("#mapping-status", Static).render())
        assert "143 unmapped" in status


# ------------------------------------------------------------------ 4. clients from customers


async def test_create_clients_from_unmapped_customers(make_services, sandbox, open_app, notifications):
    services = make_services()
    setup_config(
        services,
        clients=["Keystone"],
        mappings=[Mapping(account="us-demo", customer_id="1000117", customer_name="Keystone Labs LLC", client="Keystone", how="manual")],
    )
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ClientImportDialog)
        assert "All 143 unmapped customers" in str(dialog.query_one("#unmapped").label)
        await pilot.click("#group")
        await pilot.press(*"Ingram import", "enter")
        await pilot.pause()
        assert app.screen is screen

        disk = on_disk(services)
        # every customer is now mapped but one; the one mapped by hand is untouched. "ACME GMBH" (de) is
        # left for the queue, as auto-map would: it normalises to five clients (the client made from
        # "Acme GmbH" of the same account among them), so creating clients does not guess.
        saved = {(m.account, m.customer_id): m for m in disk.mappings}
        assert (saved[US_KEYSTONE].client, saved[US_KEYSTONE].how) == ("Keystone", "manual")
        all_keys = {(a.name, cid) for a in sandbox.accounts for cid in sandbox.state.account(a.name).customers}
        left = ("de-demo", "3000102")
        assert customer_name(sandbox, left) == "ACME GMBH"
        assert set(saved) == all_keys - {left}
        all_keys -= {left}
        # clients under the group, with the sandbox's address
        for account in sandbox.accounts:
            for cid, data in sandbox.state.account(account.name).customers.items():
                if (account.name, cid) in (US_KEYSTONE, left):
                    continue
                mapping = saved[(account.name, cid)]
                client = disk.client(mapping.client)
                assert client is not None
                assert client.name.casefold() == data["name"].strip().casefold()
                assert client.group == "Ingram import"
                address = data.get("address") or {}
                if client.name == data["name"]:  # the customer that created the client (not a same-name twin)
                    assert client.street == address.get("streetAddress")
                    assert client.city == address.get("city")
                    assert client.postal_code == address.get("postalCode")
                    assert client.country_code == address.get("countryCode")
        # the group is in the config as the top-level group of those clients
        groups = {c.group for c in disk.clients}
        assert groups == {None, "Ingram import"}
        acme = disk.client("Acme GmbH")
        assert (acme.street, acme.city, acme.country_code) == (
            sandbox.state.account("de-demo").customers["3000101"]["address"]["streetAddress"],
            sandbox.state.account("de-demo").customers["3000101"]["address"]["city"],
            "DE",
        )
        # the table shows every row mapped
        for key in all_keys:
            assert cells(screen, key)["How"] != "unmapped"
        assert cells(screen, left)["How"] == "unmapped"
        assert any("client(s) created" in n and "1 left for the queue" in n for n in notifications(app))
        status = str(screen.query_one("#mapping-status", Static).render())
        assert "1 unmapped" in status
        assert_table_matches_disk(screen, services)


async def test_create_clients_cancel_changes_nothing(make_services, open_app):
    services = make_services()
    async with open_app(services, start_in="customers") as (app, pilot):
        before = services.store.path.read_bytes()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ClientImportDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CustomersScreen)
        assert services.store.path.read_bytes() == before


# ------------------------------------------------------------------ 5. CSV import


async def test_import_clients_csv_reports_bad_rows(make_services, tmp_path, open_app):
    services = make_services()
    setup_config(services, clients=["Existing Client"])
    csv_file = tmp_path / "clients.csv"
    csv_file.write_text("Name,External ID\nAlpha Ltd,A-1\n,A-2\nBeta GmbH,B-3\nGamma Inc,\n", encoding="utf-8")
    async with open_app(services, start_in="customers") as (app, pilot):
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        await pilot.press(*str(csv_file), "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MessageDialog)
        body = str(dialog.query_one("#dialog-body", Static).render())
        assert "3 client(s) added" in body
        assert "1 row(s) skipped" in body
        assert "line 3:" in body

        disk = on_disk(services)
        assert [c.name for c in disk.clients] == ["Existing Client", "Alpha Ltd", "Beta GmbH", "Gamma Inc"]
        assert disk.client("Alpha Ltd").external_id == "A-1"
        assert disk.client("Beta GmbH").external_id == "B-3"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CustomersScreen)


async def test_import_csv_missing_file_says_so(make_services, tmp_path, open_app, notifications):
    services = make_services()
    async with open_app(services, start_in="customers") as (app, pilot):
        before = services.store.path.read_bytes()
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*str(tmp_path / "nope.csv"), "enter")
        await pilot.pause()
        dialog = app.screen  # stays open, the path as typed, why under it
        assert isinstance(dialog, PathDialog)
        assert dialog.query_one("#path", Input).value == str(tmp_path / "nope.csv")
        said = dialog.query_one("#dialog-error", Static)
        assert said.display and f"There is no file {tmp_path / 'nope.csv'}" in str(said.render())
        assert services.store.path.read_bytes() == before

        await pilot.press("ctrl+u", "ctrl+k", "enter")  # an empty path says so too
        await pilot.pause()
        assert app.screen is dialog
        assert "Type the path of the CSV file" in str(said.render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CustomersScreen)
        assert notifications(app) == []
        assert services.store.path.read_bytes() == before


# ------------------------------------------------------------------ 6. filter


async def test_filter_as_you_type_and_unmapped_only(make_services, sandbox, open_app):
    services = make_services()
    setup_config(
        services,
        clients=["Acme"],
        mappings=[
            Mapping(account="us-demo", customer_id="1000101", customer_name="Acme Inc", client="Acme", how="exact"),
            Mapping(account="uk-demo", customer_id="2000101", customer_name="Acme Ltd", how="ignored"),
        ],
    )
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        assert table_of(screen).row_count == 144

        await pilot.press("slash")
        assert isinstance(app.focused, Input) and app.focused.id == "filter"
        await pilot.press("a", "c")
        await pilot.pause()
        ac = shown_keys(screen)
        await pilot.press("m", "e")
        await pilot.pause()
        acme = shown_keys(screen)
        assert len(acme) < len(ac) < 144
        expected_acme = {
            (a.name, cid)
            for a in sandbox.accounts
            for cid, c in sandbox.state.account(a.name).customers.items()
            if "acme" in c["name"].casefold()
        }
        assert set(acme) == expected_acme
        counts = str(screen.query_one("#mapping-counts", Static).render())
        assert counts.startswith(f"{len(acme)} of 144")

        # two words: both must appear (customer name and city, any order)
        await pilot.press("space", *"north")
        await pilot.pause()
        assert {customer_name(sandbox, k) for k in shown_keys(screen)} == {"Acme North LLC", "Acme North Ltd"}

        # back to "acme", then unmapped only (u, with the table focused)
        for _ in " north":
            await pilot.press("backspace")
        await pilot.pause()
        assert set(shown_keys(screen)) == expected_acme
        await pilot.press("enter")  # leaves the filter for the table
        await pilot.press("u")
        await pilot.pause()
        only = set(shown_keys(screen))
        assert only == expected_acme - {("us-demo", "1000101"), ("uk-demo", "2000101")}
        assert all(cells(screen, k)["How"] == "unmapped" for k in only)
        assert "unmapped only" in str(screen.query_one("#mapping-counts", Static).render())

        # mapping a row while "unmapped only" removes it from view
        move_to(screen, ("de-demo", "3000101"))
        await pilot.press("i")
        await pilot.pause()
        assert ("de-demo", "3000101") not in shown_keys(screen)

        # u again shows everything that matches the filter
        await pilot.press("u")
        await pilot.pause()
        assert set(shown_keys(screen)) == expected_acme

        # clearing the filter shows every row again
        await pilot.press("slash", "ctrl+u")
        await pilot.pause()
        assert table_of(screen).row_count == 144


async def test_filter_matches_client_and_how(make_services, open_app):
    services = make_services()
    setup_config(
        services,
        clients=["Zebra Works"],
        mappings=[Mapping(account="us-demo", customer_id="1000117", customer_name="Keystone Labs LLC", client="Zebra Works", how="manual")],
    )
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        await pilot.press("slash", *"zebra")
        await pilot.pause()
        assert shown_keys(screen) == [US_KEYSTONE]
        await pilot.press("ctrl+u", *"nothing-like-this")
        await pilot.pause()
        assert shown_keys(screen) == []
        assert str(screen.query_one("#mapping-counts", Static).render()).startswith("0 of 144")


# ------------------------------------------------------------------ 7. the screen and the disk agree


def assert_table_matches_disk(screen: CustomersScreen, services) -> None:
    saved = disk_mappings(services)
    keys = shown_keys(screen)
    assert keys, "no rows shown"
    for key in keys:
        row = cells(screen, key)
        mapping = saved.get(key)
        if mapping is None:
            assert (row["Client"], row["How"]) == ("", "unmapped"), key
        elif mapping.how == "ignored":
            assert (row["Client"], row["How"]) == ("—", "ignored"), key
        else:
            assert (row["Client"], row["How"]) == (mapping.client, mapping.how), key
    # and nothing on disk refers to a client that does not exist
    disk = on_disk(services)
    for mapping in disk.mappings:
        if mapping.client is not None:
            assert disk.client(mapping.client) is not None, mapping


async def test_table_matches_disk_after_a_session(make_services, sandbox, open_app):
    services = make_services()
    setup_config(services, clients=["Keystone Labs LLC", "Acme", "Whitehall Accountants"])
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("t", *"Brand New Client", "enter")
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        move_to(screen, US_KEYSTONE)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert_table_matches_disk(screen, services)
        # the app reopened on the same config shows the same thing
    services2 = make_services()
    async with open_app(services2, start_in="customers") as (app2, _):
        screen2 = customers_screen(app2)
        assert_table_matches_disk(screen2, services2)


# ------------------------------------------------------------------ bugs found while testing


async def test_names_with_brackets_are_shown_as_they_are(make_services, sandbox, open_app, notifications):
    """Names are data, not markup: "[UK]" must not vanish and "[/b]" must not crash a dialog."""
    sandbox.state.account("us-demo").customers["1000117"]["name"] = "Keystone [UK] Labs [/b]"
    services = make_services()
    setup_config(services, clients=["Keystone [UK] Labs", "Keystone [old] Labs"])
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        assert cells(screen, US_KEYSTONE)["Ingram customer"] == "Keystone [UK] Labs [/b]"
        move_to(screen, US_KEYSTONE)
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MappingDialog)
        assert str(dialog.query_one("#dialog-title").render()) == "Map Keystone [UK] Labs [/b]"
        prompts = [str(dialog.query_one("#suggestions", OptionList).get_option_at_index(i).prompt) for i in range(2)]
        assert any("Keystone [UK] Labs" in p for p in prompts)
        await pilot.press("1")
        await pilot.pause()
        client = disk_mappings(services)[US_KEYSTONE].client
        assert client in {"Keystone [UK] Labs", "Keystone [old] Labs"}
        assert cells(screen, US_KEYSTONE)["Client"] == client
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert any(f"Undone: map Keystone [UK] Labs [/b] to {client}." == n for n in notifications(app))


async def test_dialog_without_suggestions_still_takes_its_keys(make_services, open_app):
    """With no suggestion the name field used to take the focus, so i and s were typed as letters."""
    services = make_services()  # no clients at all: nothing to suggest
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        first, second = shown_keys(screen)[:2]
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MappingDialog) and dialog.suggestions == []
        await pilot.press("i")
        await pilot.pause()
        assert disk_mappings(services)[first].how == "ignored"
        dialog = app.screen
        assert isinstance(dialog, MappingDialog) and dialog.row.key == second
        await pilot.press("t", *"Fresh Client", "enter")
        await pilot.pause()
        assert disk_mappings(services)[second].client == "Fresh Client"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_queue_ends_instead_of_offering_skipped_customers_again(make_services, sandbox, open_app, notifications):
    services = make_services()
    async with open_app(services, start_in="customers") as (app, pilot):
        screen = customers_screen(app)
        await pilot.press("slash", *"acme north", "enter")
        await pilot.pause()
        shown = shown_keys(screen)
        assert len(shown) == 2
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.row.key == shown[0]
        await pilot.press("s")
        await pilot.pause()
        assert app.screen.row.key == shown[1]
        await pilot.press("s")
        await pilot.pause()
        assert app.screen is screen  # not round again to the first one
        assert "No more unmapped customers to triage; 2 skipped, still unmapped." in notifications(app)
        assert disk_mappings(services) == {}


async def test_reload_while_loading_shows_each_customer_once(make_services, sandbox, settle):
    services = make_services()
    app = ImtuiApp(services, start_in="customers")
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        await pilot.press("r")  # the first load may still be running
        await pilot.press("r")
        await settle(pilot)
        screen = customers_screen(app)
        keys = shown_keys(screen)
        assert len(keys) == len(set(keys)) == 144
        assert len(screen.rows) == 144
        status = str(screen.query_one("#mapping-status", Static).render())
        assert "144 customers, 144 unmapped" in status and "loading" not in status


async def test_auto_map_with_nothing_to_apply_cannot_be_confirmed(make_services, open_app):
    services = make_services()
    async with open_app(services, start_in="customers") as (app, pilot):
        before = services.store.path.read_bytes()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AutoMapDialog)
        assert "no customer will be mapped" in str(app.screen.query_one("#dialog-body", Static).render())
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, AutoMapDialog)  # y does nothing when there is nothing to apply
        await pilot.press("escape")
        await pilot.pause()
        assert services.store.path.read_bytes() == before
