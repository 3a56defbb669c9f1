"""The subscription browser (key 3) against the sandbox: loading, the snapshot's age, filters, sort, renewals,
details, inactive rows, totals per currency, and refusals when a change cannot apply."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from textual.widgets import Static

from imtui.core.api import MarketplaceClient
from imtui.core.config import Mapping
from imtui.core.services import Services
from imtui.tui.app import ImtuiApp
from imtui.tui.screens.subscription_rows import HeadingLine, SubscriptionLine
from imtui.tui.screens.subscriptions import SubscriptionsScreen

SIZE = (180, 45)  # wide enough for every column beside the customers pane


def upstream(sandbox) -> dict:
    return {(a.name, sid): sub for a in sandbox.accounts for sid, sub in sandbox.state.account(a.name).subscriptions.items()}


@pytest.fixture
def services(make_services, sandbox):
    """Services on the sandbox and its clock (days left and the snapshot's age agree with its data)."""
    services = make_services()
    services.sandbox = sandbox
    return services


def browser(app: ImtuiApp) -> SubscriptionsScreen:
    assert isinstance(app.screen, SubscriptionsScreen)
    return app.screen


def shown(app: ImtuiApp) -> list[SubscriptionLine]:
    return [line for line in browser(app).table.shown_rows if isinstance(line, SubscriptionLine)]


def text(app: ImtuiApp, selector: str) -> str:
    return str(browser(app).query_one(selector, Static).render())


class Unreachable(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request):
        raise httpx.ConnectError("connection refused", request=request)


def unreachable(services: Services, sandbox, name: str) -> None:
    """The account's host is down (its one client, no waiting between retries)."""
    account = sandbox.account(name)
    services._clients[name] = MarketplaceClient(
        account.base_url, account.marketplace, account.username, account.password, account.subscription_key,
        transport=Unreachable(), max_retries=0,
    )


class Gate(httpx.AsyncBaseTransport):
    """The sandbox, held shut until ``open`` is set: a refresh in flight the test can look at."""

    def __init__(self, sandbox) -> None:
        self.inner = sandbox.transport()
        self.open = asyncio.Event()

    async def handle_async_request(self, request):
        await self.open.wait()
        return await self.inner.handle_async_request(request)


class DetailGate(httpx.AsyncBaseTransport):
    """The sandbox, with every subscription detail (``GET /subscriptions/{id}``) held until ``open`` is set."""

    def __init__(self, sandbox) -> None:
        self.inner = sandbox.transport()
        self.open = asyncio.Event()

    async def handle_async_request(self, request):
        parts = request.url.path.rstrip("/").split("/")
        if request.method == "GET" and parts[-2:-1] == ["subscriptions"]:
            await self.open.wait()
        return await self.inner.handle_async_request(request)


class TestLoading:
    """The snapshot at once with its age, then the refresh in the background."""

    async def test_a_first_load_shows_list_rows_with_progress_then_the_details(self, sandbox, tmp_path, memory_keyring, make_services):
        make_services()  # the accounts, saved
        gate = DetailGate(sandbox)
        services = Services.open(tmp_path / "imtui-home", transport=gate, keyring_backend=memory_keyring)
        services.sandbox = sandbox
        app = ImtuiApp(services, start_in="subscriptions")
        async with app.run_test(size=SIZE) as pilot:
            screen = browser(app)
            for _ in range(200):  # until every account's list rows are read and its details are waiting
                await pilot.pause(0.05)
                if len(shown(app)) == len(upstream(sandbox)):
                    break
            assert len(shown(app)) == len(upstream(sandbox)), "the list rows are on screen before any detail"
            assert all(line.view.seats is None and line.view.unit_price is None for line in shown(app))
            status = text(app, "#subs-status")
            assert "refreshing" in status and "details 0/" in status
            gate.open.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "as of just now" in text(app, "#subs-status")
            priced = [line for line in shown(app) if line.view.unit_price is not None]
            assert priced and all(line.view.seats is not None for line in priced)
            assert screen.refreshing is False
        await services.aclose()

    async def test_first_start_loads_every_subscription_with_seats_and_prices(self, services, sandbox, open_app, table_rows):
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            subs = upstream(sandbox)
            lines = shown(app)
            assert {line.view.key for line in lines} == set(subs)
            rows = {r["ID"]: r for r in table_rows(browser(app).table)}
            key, sub = next((k, s) for k, s in subs.items() if s.lines and s.status == "active" and k[0] == "uk-demo")
            row = rows[key[1]]
            assert row["Seats"] == str(sub.quantity) and row["Price"] == f"{sub.lines[0].price('GBP'):,.2f}"
            assert row["Cur"] == "GBP" and row["Term"] in ("P1Y/P1M", "P1M/P1M", "P1Y/P1Y")
            assert "as of just now" in text(app, "#subs-status")

    async def test_a_reopened_app_shows_the_snapshot_at_once_with_its_age_then_refreshes(
        self, services, sandbox, open_app, tmp_path, memory_keyring
    ):
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            first = len(shown(app))
        await services.aclose()
        sandbox.clock.advance(3 * 60)
        sandbox.modify_subscription(next(iter(sandbox.state.account("us-demo").subscriptions)), quantity=77)
        gate = Gate(sandbox)
        again = Services.open(tmp_path / "imtui-home", transport=gate, keyring_backend=memory_keyring)  # same data dir
        again.sandbox = sandbox
        app = ImtuiApp(again, start_in="subscriptions")
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(50):
                await pilot.pause()
                if browser(app).opened:
                    break
            assert len(shown(app)) == first, "the snapshot's rows are on screen before the refresh"
            status = text(app, "#subs-status")
            assert "as of 3 min ago" in status and "refreshing" in status
            gate.open.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "as of just now" in text(app, "#subs-status")
            changed = next(line for line in shown(app) if line.view.seats == 77)
            assert changed.view.account == "us-demo"
        await again.aclose()

    async def test_with_the_marketplace_unreachable_the_snapshot_stays_stale_and_changes_are_refused(
        self, services, sandbox, open_app, notifications
    ):
        async with open_app(services, start_in="subscriptions", size=SIZE):
            pass
        sandbox.clock.advance(2 * 3600)
        for account in sandbox.accounts:
            unreachable(services, sandbox, account.name)
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = browser(app)
            assert len(shown(app)) == len(upstream(sandbox))
            status = text(app, "#subs-status")
            assert "STALE" in status and "as of 2 h ago" in status
            line = next(line for line in shown(app) if line.view.active)
            screen.table.move_to(line.key)
            await pilot.pause()
            assert screen.active_bindings["e"].enabled is False
            await pilot.press("e")
            await pilot.pause()
            assert any("could not be reached" in n for n in notifications(app))
            assert app.screen is screen  # no dialog opened


class TestBrowsing:
    """Filter as you type, filters by key, sort, the left pane, renewals, details."""

    async def test_filter_as_you_type_and_sort(self, services, open_app):
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = browser(app)
            await pilot.press("slash", *"exchange")
            await pilot.pause()
            lines = shown(app)
            assert lines and all("exchange" in line.view.search_text for line in lines)
            assert screen.query_one("#subs-count", Static).render().plain.startswith(f"{len(lines):,} of ")
            await pilot.press("enter")  # back to the table
            screen.sort_by("seats")
            await pilot.pause()
            seats = [line.view.seats for line in shown(app) if line.view.seats is not None]
            assert seats == sorted(seats)
            await pilot.press("O")
            await pilot.pause()
            seats = [line.view.seats for line in shown(app) if line.view.seats is not None]
            assert seats == sorted(seats, reverse=True)
            assert "sort seats ▼" in text(app, "#subs-chips")
            await pilot.press("o")  # the next column
            await pilot.pause()
            assert screen.sort_column == "term" and "sort term" in text(app, "#subs-chips")

    async def test_status_term_and_renewing_within_filters_with_chips(self, services, sandbox, open_app):
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            await pilot.press("s")  # the most common status first: active
            await pilot.pause()
            assert {line.view.status for line in shown(app)} == {"active"}
            await pilot.press("t", "t")  # any -> P1M -> P1Y
            await pilot.pause()
            assert {line.view.term for line in shown(app)} == {"P1Y"}
            await pilot.press("w")  # renewing within 30 days
            await pilot.pause()
            today = sandbox.clock.now().date()
            expected = {k for k, s in upstream(sandbox).items() if s.status == "active"
                        and s.subscription_period == ("year", 1) and s.renewal_date
                        and 0 <= (s.renewal_date - today).days <= 30}
            assert {line.view.key for line in shown(app)} == expected
            chips = text(app, "#subs-chips")
            assert "status active" in chips and "term P1Y" in chips and "renewing ≤30d" in chips
            await pilot.press("x")
            await pilot.pause()
            assert len(shown(app)) == len(upstream(sandbox)) and "status" not in text(app, "#subs-chips")

    async def test_choosing_a_customer_or_an_account_on_the_left(self, services, sandbox, open_app):
        customer_id = next(iter(sandbox.state.account("uk-demo").subscriptions.values())).customer_id
        services.change_config(lambda c: c.mappings.append(
            Mapping(account="uk-demo", customer_id=customer_id, client="Zed Dental", how="manual")))
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = browser(app)
            pane = screen.scope_table
            line = pane.row_for(f"uk-demo\x1f{customer_id}")
            assert line.cells[0].value == "Zed Dental" and line.cells[0].beside  # the Ingram name beside it
            pane.focus()
            pane.move_to(line.key)
            await pilot.pause()
            assert {l.view.client for l in shown(app)} == {"Zed Dental"}
            assert "customer Zed Dental" in text(app, "#subs-chips")
            await pilot.press("enter")  # on to the table
            assert app.focused is screen.table
            await pilot.press("a")  # from one customer: its account
            await pilot.pause()
            assert {l.view.account for l in shown(app)} == {"uk-demo"} and "account uk-demo" in text(app, "#subs-chips")
            await pilot.press("a", "a", "a")  # the accounts in turn, then every customer, then us-demo
            await pilot.pause()
            assert {l.view.account for l in shown(app)} == {"us-demo"}
            assert text(app, "#subs-totals").count("USD") == 1 and "GBP" not in text(app, "#subs-totals")

    async def test_the_renewals_view_keeps_annual_commitments_apart(self, services, sandbox, open_app):
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = browser(app)
            await pilot.press("R")
            await pilot.pause()
            rows = list(screen.table.shown_rows)
            assert isinstance(rows[0], HeadingLine)
            split = next(i for i, r in enumerate(rows[1:], 1) if isinstance(r, HeadingLine))
            annual, monthly = rows[1:split], rows[split + 1:]
            assert rows[0].title == f"Annual {len(annual)} commitments within 30 days"
            assert rows[split].title == f"Monthly {len(monthly)} roll-overs within 30 days"
            assert annual and monthly
            assert all(r.view.term != "P1M" and 0 <= r.view.days_left <= 30 for r in annual)
            assert all(r.view.term == "P1M" for r in monthly)
            assert [r.view.days_left for r in annual] == sorted(r.view.days_left for r in annual)
            await pilot.press("R")  # 60 days
            await pilot.pause()
            assert screen.table.shown_rows[0].title.endswith("within 60 days")
            await pilot.press("escape")
            await pilot.pause()
            assert screen.renewals is None and not any(isinstance(r, HeadingLine) for r in screen.table.shown_rows)

    async def test_enter_opens_every_field_and_esc_goes_back(self, services, sandbox, open_app):
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = browser(app)
            line = next(l for l in shown(app) if l.view.seats and l.view.active and l.view.account == "us-demo")
            screen.table.move_to(line.key)
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.detail.display and not screen.table.display
            detail = text(app, "#subs-detail-text")
            sub = sandbox.state.account("us-demo").subscriptions[line.view.id]
            assert line.view.id in detail and sub.lines[0].product.mpn in detail
            assert "vendor subscription id" in detail and sub.lines[0].vendor_subscription_id in detail
            assert "Orders (" in detail and "history read from the marketplace" in detail
            await pilot.press("escape")
            await pilot.pause()
            assert screen.table.display and not screen.detail.display
            assert screen.table.selected is not None and screen.table.selected.key == line.key


class TestInactiveAndTotals:
    async def test_ended_subscriptions_are_kept_dimmed_with_their_date_and_can_be_hidden(self, services, sandbox, open_app, table_rows):
        sid = next(sid for sid, s in sandbox.state.account("de-demo").subscriptions.items() if s.status == "active")
        async with open_app(services, start_in="subscriptions", size=SIZE):
            pass
        sandbox.remove_subscription(sid)
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = browser(app)
            gone = screen.lines[("de-demo", sid)]
            assert not gone.view.active and gone.cells[6].value == "vanished"
            assert gone.cells[7].value.startswith("ended ") and gone.cells[3].style == "dim"
            row = next(r for r in table_rows(screen.table) if r["ID"] == sid)
            assert row["Renewal · days"] == f"ended {sandbox.clock.now().date().isoformat()}"
            await pilot.press("i")
            await pilot.pause()
            assert all(line.view.active for line in shown(app)) and "active only" in text(app, "#subs-chips")

    async def test_totals_are_per_currency(self, services, open_app):
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            totals = text(app, "#subs-totals")
            for currency in ("USD", "GBP", "EUR"):
                assert totals.count(currency) == 1
            assert "/mo" in totals


class TestRefusals:
    async def test_a_read_only_account_and_an_ended_subscription_refuse_changes_with_the_reason(
        self, services, open_app, notifications
    ):
        services.change_config(lambda c: setattr(c, "accounts", [
            a.model_copy(update={"read_only": True}) if a.name == "us-demo" else a for a in c.accounts]))
        async with open_app(services, start_in="subscriptions", size=SIZE) as (app, pilot):
            screen = browser(app)
            line = next(l for l in shown(app) if l.view.account == "us-demo" and l.view.active)
            screen.table.move_to(line.key)
            await pilot.pause()
            for key in ("e", "ctrl+t", "ctrl+d"):
                assert screen.active_bindings[key].enabled is False
            await pilot.press("ctrl+d")
            await pilot.pause()
            assert any("read-only" in n for n in notifications(app)) and app.screen is screen
            ended = next(l for l in shown(app) if not l.view.active and l.view.account != "us-demo")
            screen.table.move_to(ended.key)
            await pilot.pause()
            await pilot.press("e")
            await pilot.pause()
            assert any("nothing to change" in n for n in notifications(app))
