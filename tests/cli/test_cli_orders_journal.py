"""``imtui orders list|show|withdraw`` and ``imtui journal list|verify|export`` against the sandbox over HTTP:
what they print parses back, filters filter, verify names the broken line, nothing is sent without --yes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from imtui.cli import main
from imtui.core.config import AccountConfig, Client, ConfigStore, Mapping
from imtui.core.paths import resolve_paths
from imtui.core.services import Services
from imtui.sandbox import Sandbox
from imtui.sandbox.server import serve, served_base_url


@pytest.fixture
def served(monkeypatch):
    """The sandbox (manual clock) on 127.0.0.1, its three accounts in the config, secrets in the environment;
    Acme Ltd of uk-demo mapped to the client "Acme"."""
    sb = Sandbox(seed=7, clock="manual")
    server, _ = serve(sb)
    store = ConfigStore(resolve_paths().config_file)
    config = store.load()
    for account in sb.accounts:
        config.accounts.append(AccountConfig(
            name=account.name, api_url=served_base_url(server, account), marketplace=account.marketplace,
            username=account.username,
        ))
        prefix = "IMTUI_" + account.name.upper().replace("-", "_")
        monkeypatch.setenv(f"{prefix}_PASSWORD", account.password)
        monkeypatch.setenv(f"{prefix}_SUBSCRIPTION_KEY", account.subscription_key)
    config.clients = [Client(name="Acme")]
    config.mappings = [Mapping(account="uk-demo", customer_id="2000101", customer_name="Acme Ltd", client="Acme")]
    store.save(config)
    yield sb
    server.shutdown()
    server.server_close()


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exit:  # argparse's refusal of a flag
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def sandbox_orders(sb: Sandbox) -> dict[tuple[str, str], object]:
    return {(a.name, oid): o for a in sb.accounts for oid, o in sb.state.account(a.name).orders.items()}


class TestOrdersList:
    def test_refresh_then_json_holds_every_sandbox_order(self, served, capsys):
        code, out, _ = run(capsys, "orders", "list", "--refresh", "--format", "json")
        assert code == 0
        rows = json.loads(out)
        assert {(r["account"], r["order_id"]) for r in rows} == set(sandbox_orders(served))
        first = rows[0]  # unfinished first
        assert first["finished"] is False and first["status"] in ("submitted", "processing")
        assert {r["total_currency"] for r in rows} == {"USD", "GBP", "EUR"}  # the columns of imtui export orders
        acme = [r for r in rows if r["customer_id"] == "2000101"]
        assert acme and {r["client"] for r in acme} == {"Acme"} and {r["customer_name"] for r in acme} == {"Acme Ltd"}

    def test_filters_by_status_type_client_and_customer(self, served, capsys):
        assert run(capsys, "orders", "list", "--refresh", "--format", "csv")[0] == 0
        code, out, _ = run(capsys, "orders", "list", "--status", "unfinished", "--type", "change", "--format", "csv")
        assert code == 0
        rows = list(csv.DictReader(io.StringIO(out)))
        expected = {
            (k[0], k[1]) for k, o in sandbox_orders(served).items()
            if o.type == "change" and o.status_at(served.clock.now())[0] in ("submitted", "processing")
        }
        assert rows and {(r["account"], r["order_id"]) for r in rows} == expected
        assert {r["type"] for r in rows} == {"change"}

        code, out, _ = run(capsys, "orders", "list", "--client", "acme", "--format", "json")
        by_client = json.loads(out)
        code, out, _ = run(capsys, "orders", "list", "--customer", "2000101", "--account", "uk-demo", "--format", "json")
        assert by_client == json.loads(out) and by_client
        sandbox_acme = [o for o in served.state.account("uk-demo").orders.values() if o.customer_id == "2000101"]
        assert len(by_client) == len(sandbox_acme)

    def test_table_has_a_header_and_one_line_per_order(self, served, capsys):
        code, out, _ = run(capsys, "orders", "list", "--refresh", "--account", "de-demo", "--status", "completed")
        lines = out.splitlines()
        assert code == 0 and lines[0].split("\t")[:5] == ["ACCOUNT", "ORDER", "NUMBER", "TYPE", "STATUS"]
        completed = [o for o in served.state.account("de-demo").orders.values()
                     if o.status_at(served.clock.now())[0] == "completed"]
        assert len(lines) - 1 == len(completed)
        assert all(line.split("\t")[4] == "completed (CP)" for line in lines[1:])

    def test_an_empty_snapshot_says_how_to_fill_it(self, served, capsys):
        code, out, err = run(capsys, "orders", "list")
        assert code == 0 and out.splitlines()[0].startswith("ACCOUNT") and len(out.splitlines()) == 1
        assert "imtui: hint:" in err and "--refresh" in err

    def test_a_refresh_while_another_sync_runs_is_refused_in_one_line(self, served, capsys):
        other = Services.open(headless=True)
        with other.snapshot.lock():
            code, out, err = run(capsys, "orders", "list", "--refresh")
        assert code == 75 and err.startswith("imtui:") and "Traceback" not in err and out == ""

    def test_bad_filters_are_one_line_and_exit_2(self, served, capsys):
        code, _, err = run(capsys, "orders", "list", "--status", "done")
        assert code == 2 and err.startswith("imtui:") and "--status" in err
        code, _, err = run(capsys, "orders", "list", "--type", "purchase")
        assert code == 2 and "no order type 'purchase'" in err
        code, _, err = run(capsys, "orders", "list", "--account", "nowhere")
        assert code == 2 and "no account called nowhere" in err


class TestOrdersShow:
    def test_a_change_order_shows_its_signed_seat_delta_read_from_the_marketplace(self, served, capsys):
        assert run(capsys, "orders", "list", "--refresh", "--format", "csv")[0] == 0
        now = served.clock.now()
        change = next(o for o in served.state.account("us-demo").order_list
                      if o.type == "change" and o.status_at(now)[0] == "completed" and o.lines[0].quantity < 0)
        code, out, _ = run(capsys, "orders", "show", change.number, "--format", "json")
        assert code == 0
        shown = json.loads(out)
        assert shown["order_id"] == change.id and shown["order_number"] == change.number
        assert [line["quantity"] for line in shown["lines"]] == [ln.quantity for ln in change.lines]
        assert all(line["delta"] for line in shown["lines"])
        assert shown["lines"][0]["price"] == str(change.lines[0].extended) and shown["total_currency"] == "USD"

        code, out, _ = run(capsys, "orders", "show", change.id)
        assert code == 0 and f"−{-change.lines[0].quantity}" in out and "signed change in seats" in out

    def test_an_order_not_in_the_snapshot_needs_its_account(self, served, capsys):
        code, _, err = run(capsys, "orders", "show", "1500001")
        assert code == 2 and "not in the snapshot" in err
        code, out, _ = run(capsys, "orders", "show", "1500001", "--account", "us-demo", "--format", "json")
        assert code == 0 and json.loads(out)["order_id"] == "1500001"

    def test_a_missing_order_is_the_marketplaces_404_in_words(self, served, capsys):
        code, _, err = run(capsys, "orders", "show", "1599999", "--account", "us-demo")
        assert code == 1 and err.startswith("imtui:") and "Traceback" not in err


class TestOrdersWithdraw:
    """``imtui orders withdraw`` is the money path's command; an order number, or no --account, is found in
    the snapshot."""

    def stuck(self, served, account: str):
        now = served.clock.now()
        return next(o for o in served.state.account(account).order_list
                    if o.type == "sales" and o.status_at(now)[0] == "processing")

    def test_without_yes_nothing_is_sent(self, served, capsys):
        assert run(capsys, "orders", "list", "--refresh", "--format", "csv")[0] == 0
        stuck = self.stuck(served, "us-demo")
        before = len(served.requests)
        code, out, _ = run(capsys, "orders", "withdraw", stuck.number)
        assert code == 0 and "Dry run" in out
        assert served.state.account("us-demo").orders[stuck.id].status_at(served.clock.now())[0] == "processing"
        assert not [r for r in served.requests[before:] if r.method == "PATCH"]

    def test_with_yes_the_order_is_withdrawn_once_and_the_snapshot_says_so(self, served, capsys):
        assert run(capsys, "orders", "list", "--refresh", "--format", "csv")[0] == 0
        stuck = self.stuck(served, "uk-demo")
        before = len(served.requests)
        code, out, _ = run(capsys, "orders", "withdraw", stuck.number, "--account", "uk-demo", "--yes")
        assert code == 0 and stuck.number in out
        assert [r.method for r in served.requests[before:] if r.method == "PATCH"] == ["PATCH"]
        assert served.state.account("uk-demo").orders[stuck.id].status_at(served.clock.now())[0] == "cancelled"
        code, out, _ = run(capsys, "orders", "list", "--account", "uk-demo", "--format", "json")
        assert next(r for r in json.loads(out) if r["order_id"] == stuck.id)["status"] == "cancelled"

    def test_an_order_not_in_the_snapshot_needs_its_account(self, served, capsys):
        code, _, err = run(capsys, "orders", "withdraw", "SO000001")
        assert code == 2 and "not in the snapshot" in err

    def test_a_finished_order_cannot_be_withdrawn(self, served, capsys):
        assert run(capsys, "orders", "list", "--refresh", "--format", "csv")[0] == 0
        now = served.clock.now()
        done = next(o for o in served.state.account("us-demo").order_list if o.status_at(now)[0] == "completed")
        before = len(served.requests)
        code, _, err = run(capsys, "orders", "withdraw", done.id, "--yes")
        assert code == 2 and "refused" in err
        assert not [r for r in served.requests[before:] if r.method == "PATCH"]


# ---------------------------------------------------------------- journal


def record_entries() -> Services:
    services = Services.open(headless=True)
    journal = services.journal
    journal.record(action="order.place", outcome="ok", account="us-demo", customer_id="1000101",
                   customer_name="Acme Inc", client="Acme", asked={"quantity": 5}, order_id="1500300",
                   order_number="SO000300", po_number="IMTUI-1", correlation_id="corr-1", estimate="110.00 USD")
    journal.record(action="subscription.seats", outcome="failed", account="uk-demo", customer_id="2000102",
                   customer_name="Bolt Ltd", client="Bolt", asked={"quantity": 3}, error="=HYPERLINK(\"x\")",
                   correlation_id="corr-2")
    journal.record(action="order.withdraw", outcome="ok", account="us-demo", customer_id="1000101",
                   customer_name="Acme Inc", client="Acme", order_id="1500300", order_number="SO000300")
    journal.record(action="subscription.auto_renew", outcome="refused", account="de-demo", client="Acme",
                   asked={"on": False}, error="read-only account")
    return services


def rewrite(path, change) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(change(lines)))


class TestJournal:
    def test_list_newest_first_with_filters_parses_back(self, capsys):
        record_entries()
        code, out, _ = run(capsys, "journal", "list", "--format", "json")
        assert code == 0 and [e["seq"] for e in json.loads(out)] == [4, 3, 2, 1]
        code, out, _ = run(capsys, "journal", "list", "--client", "acme", "--action", "order", "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [(r["seq"], r["action"]) for r in rows] == [("3", "order.withdraw"), ("1", "order.place")]
        code, out, _ = run(capsys, "journal", "list", "--outcome", "failed")
        lines = out.splitlines()
        assert lines[0].split("\t")[:6] == ["TIME", "ACCOUNT", "CLIENT", "CUSTOMER", "ACTION", "OUTCOME"]
        assert len(lines) == 2 and "Bolt Ltd" in lines[1] and "corr-2" in lines[1]
        code, out, _ = run(capsys, "journal", "list", "--account", "de-demo", "--format", "json")
        assert [e["action"] for e in json.loads(out)] == ["subscription.auto_renew"]

    def test_verify_an_intact_chain(self, capsys):
        record_entries()
        code, out, _ = run(capsys, "journal", "verify")
        assert code == 0 and "intact: 4 entries" in out

    @pytest.mark.parametrize(
        ("change", "line", "words"),
        [
            (lambda lines: [lines[0], lines[1].replace(b'"quantity":3', b'"quantity":30'), *lines[2:]], 2, "was edited"),
            (lambda lines: [lines[0], *lines[2:]], 2, "entry 2 is missing"),
            (lambda lines: [lines[0], lines[2], lines[1], lines[3]], 2, "entry 3 comes before entry 2"),
        ],
        ids=["edited", "deleted", "reordered"],
    )
    def test_verify_names_the_first_broken_line(self, capsys, change, line, words):
        services = record_entries()
        rewrite(services.paths.journal_file, change)
        code, out, err = run(capsys, "journal", "verify")
        assert code == 1 and out == ""
        first = err.splitlines()[0]
        assert first.startswith(f"imtui: The journal is broken at line {line}:")
        assert words in first
        assert str(services.paths.journal_file) in err

    def test_export_one_client_to_a_file_and_to_stdout_parses_back(self, capsys, tmp_path):
        record_entries()
        target = tmp_path / "acme.csv"
        code, out, _ = run(capsys, "journal", "export", "--client", "Acme", "--format", "csv", "-o", str(target))
        assert code == 0 and "Exported 3 journal entries of Acme" in out
        rows = list(csv.DictReader(target.open(encoding="utf-8")))
        assert [r["seq"] for r in rows] == ["1", "3", "4"] and {r["client"] for r in rows} == {"Acme"}
        assert json.loads(rows[0]["asked"]) == {"quantity": 5} and rows[0]["estimate"] == "110.00 USD"
        code, out, _ = run(capsys, "journal", "export", "--client", "bolt", "--format", "json")
        exported = json.loads(out)
        assert code == 0 and [e["client"] for e in exported] == ["Bolt"]
        assert exported[0]["error"] == '=HYPERLINK("x")'  # JSON keeps the text; only CSV cells are neutralised

    def test_export_of_an_unknown_client_writes_nothing(self, capsys, tmp_path):
        record_entries()
        target = tmp_path / "typo.csv"
        code, _, err = run(capsys, "journal", "export", "--client", "Acne", "-o", str(target))
        assert code == 2 and "No journal entry names the client 'Acne'" in err and "Acme" in err
        assert not target.exists()
