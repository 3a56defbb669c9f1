"""Faults as the customers and accounts screens show them (issue 8): a failed reload keeps the rows it had,
marked stale, with every count agreeing; a reload that succeeds swaps the rows in without an empty table;
one unreadable customer costs only itself; retries under way are said, not hidden behind a frozen screen.

The faults are a transport in front of the sandbox (tests/support.py): deterministic, no fault rate, no
sleeping; the client's back-off is shortened so that seven tries take milliseconds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Static

from imtui.core.api.retry import RetryPolicy
from imtui.tui.dialogs import ErrorDialog
from imtui.tui.dialogs.errors import explain
from imtui.tui.screens.customers import CustomersScreen
from tests.support import FlakyTransport, customers_of, token_request

SIZE = (140, 45)


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, retry, rng: 0.001)


def flaky(services) -> FlakyTransport:
    transport = FlakyTransport(services.transport)
    services.transport = transport  # before any client is built: every account's client goes through it
    return transport


def status_of(screen: CustomersScreen) -> str:
    return str(screen.status.render())


def counts_of(screen: CustomersScreen) -> str:
    return str(screen.counts.render())


def later(services, minutes: int) -> None:
    """Move this session's clock on: the rows shown get older."""
    start = services.now()
    services.now = lambda: start + timedelta(minutes=minutes)


async def close_error(app, pilot) -> ErrorDialog:
    dialog = app.screen
    assert isinstance(dialog, ErrorDialog), dialog
    await pilot.press("escape")
    await pilot.pause()
    return dialog


class TestAFailedReload:
    """r, then every try of one account's list fails: its rows stay, marked stale with their age."""

    async def test_keeps_the_rows_marked_stale_and_every_count_agrees(self, make_services, open_app, table_rows, notifications):
        services = make_services()
        transport = flaky(services)
        async with open_app(services, start_in="customers", size=SIZE) as (app, pilot):
            screen = app.screen
            assert len(table_rows(screen.table)) == 144
            transport.fail(customers_of("na"))  # us-demo's list answers 503, every time
            later(services, 2)
            await pilot.press("r")
            await app.workers.wait_for_complete()
            await pilot.pause()
            dialog = await close_error(app, pilot)
            assert dialog.errors[0][0] == "Customers of us-demo could not be reloaded (48 kept)"
            assert "(HTTP 503, GET /customers, 11 tries)" in explain(dialog.errors[0][1])[0]  # the words it showed

            rows = table_rows(screen.table)
            assert len(rows) == 144 and sum(r["Account"] == "us-demo" for r in rows) == 48
            status = status_of(screen)
            assert "us-demo: 48 as of 2 min ago; reload failed: HTTP 503 after 11 tries, r to retry" in status
            assert "uk-demo: 48 · de-demo: 48" in status
            assert "144 customers, 144 unmapped" in status
            assert counts_of(screen) == "144 of 144"
            assert "Customers reloaded: us-demo failed (48 kept), uk-demo 48, de-demo 48." in notifications(app)

            later(services, 5)  # the age grows as time passes (the status line is redrawn every 30 s)
            screen._show_progress()
            assert "us-demo: 48 as of 7 min ago" in status_of(screen)

            transport.heal()  # r again, and the marketplace answers: fresh rows, no stale mark
            await pilot.press("r")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "as of" not in status_of(screen) and "us-demo: 48 · " in status_of(screen)
            assert len(table_rows(screen.table)) == 144

    async def test_a_first_load_that_fails_says_so_and_counts_nothing_it_does_not_hold(self, make_services, open_app):
        services = make_services()
        transport = flaky(services)
        transport.fail(customers_of("na"))
        async with open_app(services, start_in="customers", size=SIZE) as (app, pilot):
            await close_error(app, pilot)
            screen = app.screen
            status = status_of(screen)
            assert "us-demo: failed, r to retry (HTTP 503 after 11 tries)" in status
            assert "96 customers" in status and counts_of(screen) == "96 of 96"

    async def test_reload_config_from_disk_keeps_them_too(self, make_services, open_app, table_rows):
        services = make_services()
        other = make_services()  # another imtui on the same config
        transport = flaky(services)
        async with open_app(services, start_in="customers", size=SIZE) as (app, pilot):
            screen = app.screen
            transport.fail(customers_of("na"))
            transport.fail(customers_of("eu"))  # every account's reload fails
            await pilot.press("r")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await close_error(app, pilot)
            first = screen.rows[0]
            other.mappings.map(first, "Their Client")
            app.action_reload_config()
            await app.workers.wait_for_complete()
            await pilot.pause()
            rows = table_rows(screen.table)
            assert len(rows) == 144  # nothing wiped, nothing loaded again
            assert any(r["Client"] == "Their Client" for r in rows)  # the other imtui's mapping shows
            status = status_of(screen)
            assert status.count("reload failed") == 3
            assert "144 customers, 143 unmapped" in status and counts_of(screen) == "144 of 144"

            other.accounts.remove("de-demo")  # an account removed on disk goes, with its rows only
            app.action_reload_config()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert len(table_rows(screen.table)) == 96
            assert "96 customers" in status_of(screen) and counts_of(screen) == "96 of 96"


class TestASuccessfulReload:
    async def test_swaps_the_rows_in_without_an_empty_table(self, make_services, sandbox, open_app, table_rows, notifications):
        services = make_services()
        transport = flaky(services)
        async with open_app(services, start_in="customers", size=SIZE) as (app, pilot):
            screen = app.screen
            shown: list[int] = []
            replace, clear = screen.table.replace_rows, screen.table.clear_rows
            screen.table.replace_rows = lambda rows: (shown.append(len(rows := list(rows))), replace(rows))[1]
            screen.table.clear_rows = lambda: (shown.append(0), clear())[1]

            state = sandbox.state.account("us-demo")
            first_id = next(iter(state.customers))
            state.customers[first_id]["name"] = "Renamed Upstream Ltd"  # changed at Ingram meanwhile
            transport.hold(customers_of("na"))
            await pilot.press("r")
            await transport.held.wait()
            await pilot.pause()
            assert len(table_rows(screen.table)) == 144  # while the reload runs, the rows stay
            assert "us-demo: 48, reloading (0)…" in status_of(screen)

            transport.gate.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            rows = table_rows(screen.table)
            assert len(rows) == 144 and 0 not in shown
            assert any(r["Ingram customer"] == "Renamed Upstream Ltd" for r in rows)
            assert "Customers reloaded: us-demo 48, uk-demo 48, de-demo 48 (none new, none gone)." in notifications(app)
            assert "reloading" not in status_of(screen)


class TestUnreadableCustomers:
    async def test_one_unreadable_customer_is_skipped_named_and_the_rest_shown(self, make_services, sandbox, open_app, table_rows, notifications):
        state = sandbox.state.account("us-demo")
        bad_id = list(state.customers)[4]
        state.customers[bad_id]["address"] = "not an address"  # a shape the client cannot read
        services = make_services()
        async with open_app(services, start_in="customers", size=SIZE) as (app, pilot):
            screen = app.screen
            rows = table_rows(screen.table)
            assert len(rows) == 143 and bad_id not in {r["ID"] for r in rows}
            assert "us-demo: 47 (1 unreadable skipped)" in status_of(screen)
            assert "143 customers" in status_of(screen) and counts_of(screen) == "143 of 143"
            said = [n for n in notifications(app) if n.startswith("us-demo:")]
            assert said == [f"us-demo: 1 unreadable row skipped ({bad_id}). The other 47 customers are shown."]
            assert not isinstance(app.screen, ErrorDialog)  # not a failure of the account
        assert services.customers.report("us-demo").skipped_ids() == [bad_id]


class TestRetriesAreShown:
    async def test_the_status_line_says_a_retry_is_under_way_and_clears_after(self, make_services, open_app, settle):
        services = make_services()
        transport = flaky(services)
        transport.fail(customers_of("na"), times=1)  # the first try answers 503...
        transport.hold(customers_of("na"))  # ...and the retry waits until the test lets it through
        from imtui.tui.app import ImtuiApp

        app = ImtuiApp(services, start_in="customers")
        async with app.run_test(size=SIZE) as pilot:
            await transport.held.wait()
            await pilot.pause()
            status = status_of(app.screen)
            assert "us-demo: loading… retrying after HTTP 503 (1 of 10)…" in status
            transport.gate.set()
            await settle(pilot)
            status = status_of(app.screen)
            assert "us-demo: 48 · " in status and "retrying" not in status

    async def test_the_connection_test_says_a_retry_is_under_way(self, make_services, sandbox, settle):
        from textual.widgets import Input

        from imtui.tui.app import ImtuiApp

        services = make_services(accounts=False)
        transport = flaky(services)
        transport.fail(token_request, times=1)
        account = sandbox.accounts[0]
        app = ImtuiApp(services, start_in="accounts")
        async with app.run_test(size=SIZE) as pilot:
            values = {
                "name": "us-main", "api_url": account.base_url, "marketplace": account.marketplace,
                "username": account.username, "password": account.password, "subscription_key": account.subscription_key,
            }
            for field_id, value in values.items():
                app.screen.query_one(f"#{field_id}", Input).value = value
            transport.hold(token_request)
            await pilot.press("ctrl+t")
            await transport.held.wait()
            await pilot.pause()
            result = str(app.screen.query_one("#test-result", Static).render())
            assert result == "Testing the connection… retrying after HTTP 503 (1 of 10)…"
            transport.gate.set()
            await settle(pilot)
            result = str(app.screen.query_one("#test-result", Static).render())
            assert result.startswith("Connected to") and "retrying" not in result
