"""services.orders_view: orders from the snapshot joined with clients, details read on demand, live news of
unfinished orders; and services.journal_view: one client's export written whole or not at all."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from imtui.core.config import Mapping
from imtui.core.errors import ServiceError
from imtui.core.services.order_reads import Backoff, OrderFilter, describe, quantity_text


@pytest.fixture
async def synced(make_services):
    services = make_services()
    assert (await services.sync.run()).exit_code == 0
    yield services
    await services.aclose()


def sandbox_status(sandbox, account: str, order_id: str) -> str:
    return sandbox.state.account(account).orders[order_id].status_at(sandbox.clock.now())[0]


class TestRows:
    async def test_every_order_with_its_client_and_ingram_name(self, synced, sandbox):
        synced.change_config(lambda c: c.mappings.append(
            Mapping(account="us-demo", customer_id="1000101", customer_name="x", client="Acme")))
        rows = synced.orders_view.rows()
        assert {(v.account, v.id) for v in rows} == {
            (a.name, oid) for a in sandbox.accounts for oid in sandbox.state.account(a.name).orders
        }
        acme = [v for v in rows if v.key[0] == "us-demo" and v.customer_id == "1000101"]
        name = sandbox.state.account("us-demo").customers["1000101"]["name"]
        assert acme and {(v.client, v.customer_name) for v in acme} == {("Acme", name)}
        finished = [v.finished for v in rows]
        assert finished == sorted(finished)  # unfinished first

    async def test_filters(self, synced):
        unfinished = synced.orders_view.rows(OrderFilter(status="UNFINISHED"))
        assert unfinished and all(not v.finished and v.withdrawable for v in unfinished)
        changes = synced.orders_view.rows(OrderFilter(type="change", status="completed", account="uk-demo"))
        assert changes and {(v.type, v.status, v.account) for v in changes} == {("change", "completed", "uk-demo")}

    async def test_find_by_id_or_number(self, synced):
        some = synced.orders_view.rows(OrderFilter(account="de-demo"))[3]
        assert synced.orders_view.find(some.id) == some
        assert synced.orders_view.find(some.number, "de-demo") == some
        assert synced.orders_view.find("SO999999") is None

    async def test_a_number_in_several_accounts_needs_the_account(self, synced):
        with pytest.raises(ServiceError, match="several accounts"):
            synced.orders_view.find("SO000001")


class TestDetail:
    async def test_a_finished_change_orders_lines_are_read_and_kept(self, synced, sandbox):
        view = next(v for v in synced.orders_view.rows(OrderFilter(type="change", status="completed"))
                    if not v.details_loaded)
        detail = await synced.orders_view.detail(view.account, view.id)
        truth = sandbox.state.account(view.account).orders[view.id]
        assert detail.details_loaded and [ln.quantity for ln in detail.lines] == [ln.quantity for ln in truth.lines]
        assert all(line.signed for line in detail.lines)
        assert detail.lines[0].price.amount == truth.lines[0].extended
        assert synced.orders_view.find(view.id, view.account) == detail  # kept in the snapshot

    async def test_describe_says_the_signed_delta_and_the_journal(self, synced):
        view = next(v for v in synced.orders_view.rows(OrderFilter(type="change", status="unfinished")) if v.lines)
        synced.journal.record(action="subscription.seats", outcome="ok", account=view.account, order_id=view.id,
                              correlation_id="corr-77")
        text = "\n".join(describe(view, synced.orders_view.journal_entries(view)))
        assert quantity_text(view.lines[0].quantity, signed=True) in text and "corr-77" in text
        assert "signed change in seats" in text and str(view.total) in text


class TestPoll:
    async def test_an_order_completing_on_the_sandbox_clock_is_seen_and_stored(self, synced, sandbox):
        pending = [v for v in synced.orders_view.rows(OrderFilter(type="change", status="unfinished"))
                   if v.status_code == "LO"]
        assert pending
        nothing = await synced.orders_view.poll(pending[0].account)
        assert nothing.changed == [] and nothing.checked > 0
        sandbox.clock.advance(49 * 3600)  # the seed's pending changes complete within 48 hours
        changed = set()
        for account in {v.account for v in pending}:
            changed |= {(account, oid) for oid in (await synced.orders_view.poll(account)).changed}
        assert {(v.account, v.id) for v in pending} <= changed
        for view in pending:
            assert sandbox_status(sandbox, view.account, view.id) == "completed"
            assert synced.orders_view.find(view.id, view.account).status == "completed"

    async def test_few_orders_are_read_one_by_one(self, synced, sandbox):
        view = synced.orders_view.rows(OrderFilter(status="unfinished", account="us-demo"))[0]
        before = len(sandbox.requests)
        result = await synced.orders_view.poll("us-demo", [view.id])
        asked = [r.path for r in sandbox.requests[before:] if r.path.startswith("/orders")]
        assert result.checked == 1 and asked == [f"/orders/{view.id}"]

    async def test_many_orders_cost_a_list_per_unfinished_status(self, synced, sandbox):
        unfinished = synced.orders_view.rows(OrderFilter(status="unfinished", account="us-demo"))
        assert len(unfinished) > 4
        before = len(sandbox.requests)
        await synced.orders_view.poll("us-demo")
        asked = [r for r in sandbox.requests[before:] if r.path.startswith("/orders")]
        assert [r.path for r in asked] == ["/orders", "/orders"]


class TestBackoff:
    def test_doubles_to_the_most_and_starts_again_on_reset(self):
        backoff = Backoff(1.0, 15.0)
        assert [backoff.next() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 15.0, 15.0]
        backoff.reset()
        assert backoff.next() == 1.0

    def test_nonsense_is_refused(self):
        with pytest.raises(ValueError):
            Backoff(0, 1)


def test_quantities_in_words():
    assert [quantity_text(q, signed=True) for q in (2, -1, Decimal("3.0"), 0, None)] == ["+2", "−1", "+3", "0", ""]
    assert quantity_text(Decimal("2.5")) == "2.5"


class TestJournalExport:
    def record(self, services):
        services.journal.record(action="order.place", outcome="ok", client="Acme", account="us-demo", po_number="P1")
        services.journal.record(action="order.place", outcome="failed", client="Bolt", account="us-demo")
        services.journal.record(action="order.withdraw", outcome="ok", client="acme", account="us-demo")

    def test_one_clients_entries_written_atomically(self, make_services, tmp_path):
        services = make_services()
        self.record(services)
        target = tmp_path / "out" / "acme.json"
        target.parent.mkdir()
        target.write_text("the previous export")
        result = services.journal_view.export_file("ACME", "json", target)
        assert result.entries == 2 and result.path == target
        assert [e["seq"] for e in json.loads(target.read_text())] == [1, 3]
        assert [p.name for p in target.parent.iterdir()] == ["acme.json"]  # no temp file left

    def test_a_write_that_fails_leaves_the_old_file(self, make_services, tmp_path, monkeypatch):
        services = make_services()
        self.record(services)
        target = tmp_path / "out" / "acme.csv"
        target.parent.mkdir()
        target.write_text("the previous export")

        def full_disk(*_):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("os.replace", full_disk)
        with pytest.raises(ServiceError, match="No space left"):
            services.journal_view.export_file("Acme", "csv", target)
        assert target.read_text() == "the previous export"
        assert [p.name for p in target.parent.iterdir()] == ["acme.csv"]

    @pytest.mark.parametrize(("client", "fmt", "words"), [
        ("Nobody", "csv", "No journal entry names the client"), ("", "csv", "Name the client"),
        ("Acme", "xml", "csv or json"),
    ])
    def test_what_cannot_be_exported_is_said(self, make_services, tmp_path, client, fmt, words):
        services = make_services()
        self.record(services)
        with pytest.raises(ServiceError, match=words):
            services.journal_view.export_file(client, fmt, tmp_path / "x")
        assert not (tmp_path / "x").exists()

    def test_a_missing_folder_is_named(self, make_services, tmp_path):
        services = make_services()
        self.record(services)
        with pytest.raises(ServiceError, match="There is no folder"):
            services.journal_view.export_file("Acme", "csv", tmp_path / "no" / "x.csv")
