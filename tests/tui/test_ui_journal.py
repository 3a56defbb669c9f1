"""The journal screen (key 5): entries written through services.journal.record, newest first, filtered by
client, account, action, outcome and text; the chain's state (and where it broke); an entry's every field;
one client's export written through the services."""

from __future__ import annotations

import csv

from imtui.tui.dialogs import MessageDialog
from imtui.tui.dialogs.journal import JournalExportDialog
from imtui.tui.dialogs.pick import PickDialog
from imtui.tui.screens.journal import JournalScreen


def record(services) -> None:
    journal = services.journal
    journal.record(action="order.place", outcome="ok", account="us-demo", customer_id="1000101",
                   customer_name="Acme Inc", client="Acme", asked={"quantity": 5, "mpn": "CFQ7TTC0LCHC:0002"},
                   order_id="1500300", order_number="SO000300", po_number="IMTUI-20261120-7K3Q9A",
                   correlation_id="corr-1", estimate="110.00 USD a month, 1,320.00 USD for the term")
    journal.record(action="subscription.seats", outcome="failed", account="uk-demo", customer_id="2000102",
                   customer_name="Bolt Ltd", client="Bolt", asked={"quantity": 3},
                   error="The marketplace said no", correlation_id="corr-2")
    journal.record(action="order.withdraw", outcome="ok", account="us-demo", customer_id="1000101",
                   customer_name="Acme Inc", client="Acme", order_id="1500300", order_number="SO000300")


def customers(screen, table_rows) -> list[tuple[str, str]]:
    return [(r["Customer"], r["Action"]) for r in table_rows(screen.table)]


async def pick(pilot, key: str, typed: str) -> None:
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, PickDialog)
    await pilot.press(*typed, "enter")
    await pilot.pause()


class TestEntries:
    async def test_newest_first_and_filtered_by_client_action_outcome_and_text(self, make_services, open_app, table_rows):
        services = make_services()
        record(services)
        async with open_app(services, start_in="journal") as (app, pilot):
            screen = app.screen
            assert isinstance(screen, JournalScreen)
            assert customers(screen, table_rows) == [
                ("Acme Inc", "order.withdraw"), ("Bolt Ltd", "subscription.seats"), ("Acme Inc", "order.place"),
            ]
            first = table_rows(screen.table)[0]
            assert (first["Client"], first["Outcome"], first["Order"]) == ("Acme", "ok", "SO000300")

            await pick(pilot, "c", "acme")
            assert customers(screen, table_rows) == [("Acme Inc", "order.withdraw"), ("Acme Inc", "order.place")]
            await pick(pilot, "x", "order.place")
            assert customers(screen, table_rows) == [("Acme Inc", "order.place")]
            await pick(pilot, "c", "any")
            await pick(pilot, "x", "any")
            await pick(pilot, "o", "failed")
            assert customers(screen, table_rows) == [("Bolt Ltd", "subscription.seats")]
            await pick(pilot, "o", "any")
            await pick(pilot, "a", "us-demo")
            assert len(table_rows(screen.table)) == 2
            await pick(pilot, "a", "any")
            await pilot.press("slash", *"corr-2", "enter")
            await pilot.pause()
            assert customers(screen, table_rows) == [("Bolt Ltd", "subscription.seats")]

    async def test_an_action_family_is_a_filter_too(self, make_services, open_app, table_rows):
        services = make_services()
        record(services)
        async with open_app(services, start_in="journal") as (app, pilot):
            screen = app.screen
            await pick(pilot, "x", "every order")
            assert [r["Action"] for r in table_rows(screen.table)] == ["order.withdraw", "order.place"]

    async def test_enter_shows_every_field_and_what_was_asked(self, make_services, open_app):
        services = make_services()
        record(services)
        async with open_app(services, start_in="journal") as (app, pilot):
            await pilot.press("end", "enter")  # the oldest: the purchase
            await pilot.pause()
            assert isinstance(app.screen, MessageDialog)
            text = str(app.screen.query_one("#dialog-body").render())
            for words in ("order.place", "Acme Inc (1000101)", "SO000300 (id 1500300)", "IMTUI-20261120-7K3Q9A",
                          "corr-1", "quantity = 5", "mpn = CFQ7TTC0LCHC:0002", "1,320.00 USD for the term"):
                assert words in text

    async def test_entries_written_while_hidden_are_shown_on_return(self, make_services, open_app, table_rows):
        services = make_services()
        record(services)
        async with open_app(services, start_in="journal") as (app, pilot):
            await pilot.press("2")
            await pilot.pause()
            services.journal.record(action="subscription.auto_renew", outcome="refused", account="de-demo",
                                    client="Carl GmbH", error="read-only account")
            await pilot.press("5")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            rows = table_rows(app.screen.table)
            assert len(rows) == 4 and rows[0]["Action"] == "subscription.auto_renew"


class TestChain:
    async def test_an_intact_chain_says_so(self, make_services, open_app):
        services = make_services()
        record(services)
        async with open_app(services, start_in="journal") as (app, pilot):
            chain = app.screen.chain
            assert str(chain.render()).startswith("Hash chain intact: 3 entries")
            assert chain.has_class("-ok")

    async def test_a_broken_journal_shows_where(self, make_services, open_app, table_rows):
        services = make_services()
        record(services)
        path = services.paths.journal_file
        lines = path.read_bytes().splitlines(keepends=True)
        lines[1] = lines[1].replace(b'"quantity":3', b'"quantity":300')
        path.write_bytes(b"".join(lines))
        async with open_app(services, start_in="journal") as (app, pilot):
            chain = app.screen.chain
            assert "broken at line 2" in str(chain.render()) and "edited" in str(chain.render())
            assert chain.has_class("-error")
            assert len(table_rows(app.screen.table)) == 3  # the entries are still shown


class TestExport:
    async def test_one_clients_entries_to_a_csv_file(self, make_services, open_app, tmp_path, notifications):
        services = make_services()
        record(services)
        target = tmp_path / "acme-audit.csv"
        async with open_app(services, start_in="journal") as (app, pilot):
            await pilot.press("e")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, JournalExportDialog)
            assert dialog.query_one("#export-client").value == "Acme"  # the selected entry's client
            dialog.query_one("#export-path").value = str(target)
            await pilot.pause()
            await pilot.click("#confirm")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert any("Exported 2 journal entries of Acme" in n for n in notifications(app))
        rows = list(csv.DictReader(target.open(encoding="utf-8")))
        assert [(r["action"], r["client"]) for r in rows] == [("order.place", "Acme"), ("order.withdraw", "Acme")]

    async def test_an_unknown_client_cannot_be_confirmed(self, make_services, open_app, tmp_path):
        services = make_services()
        record(services)
        async with open_app(services, start_in="journal") as (app, pilot):
            await pilot.press("e")
            await pilot.pause()
            dialog = app.screen
            dialog.query_one("#export-client").value = "Acne"
            await pilot.pause()
            assert "No journal entry names this client" in str(dialog.query_one("#export-client-message").render())
            assert dialog.query_one("#confirm").disabled
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog  # still open: nothing written
