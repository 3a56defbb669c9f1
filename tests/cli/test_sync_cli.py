"""``imtui sync``, ``export``, ``prices`` and ``report`` through the CLI's main, in-process, on the in-process
sandbox and its manual clock (the headless commands open their services through ``session.open_services``,
pointed here at the sandbox)."""

from __future__ import annotations

import csv
import io
import json
import sys
from decimal import ROUND_HALF_UP, Decimal

import pytest

from imtui.cli import main
from imtui.cli.sync import EXIT_BUSY
from imtui.core.secrets import AccountSecrets
from imtui.core.services import Services
from tests.sync_support import active_subscriptions, map_customer, on_sandbox_time


@pytest.fixture
def cli(make_services, sandbox, memory_keyring, monkeypatch, tmp_path):
    """The config (the sandbox's three accounts, secrets in the memory keyring) and every headless command
    running on the in-process sandbox; returns a Services on the same home for setting things up."""
    setup = on_sandbox_time(make_services(), sandbox)
    opened = []

    def open_services(config_dir):
        services = Services.open(config_dir or tmp_path / "imtui-home", transport=sandbox.transport(),
                                 keyring_backend=memory_keyring, headless=True)
        opened.append(on_sandbox_time(services, sandbox))
        return services

    monkeypatch.setattr("imtui.cli.session.open_services", open_services)
    setup.opened = opened
    return setup


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def secrets_of(sandbox):
    return [s for a in sandbox.accounts for s in (a.password, a.subscription_key)]


class TestSync:
    def test_first_sync_prints_what_it_did_and_exits_0(self, cli, sandbox, capsys):
        code, out, err = run(capsys, "sync")
        assert code == 0, err
        assert "Synced 3 of 3 accounts" in out and "What changed" in out
        for name in ("us-demo", "uk-demo", "de-demo"):
            assert f"{name}: first sync" in out
        assert err == ""  # no progress lines off a terminal

    def test_the_json_summary_has_counts_changes_requests_and_duration_per_account(self, cli, sandbox, capsys):
        assert run(capsys, "sync", "--quiet")[0] == 0
        sub = active_subscriptions(sandbox)[0]
        state = sandbox.state.account("us-demo")
        map_customer(cli, "us-demo", sub.customer_id, state.customers[sub.customer_id]["name"], "=Evil Client")
        sandbox.modify_subscription(sub.id, quantity=sub.lines[0].quantity + 4)
        sandbox.clock.advance(600)

        code, out, err = run(capsys, "sync", "--json")

        assert code == 0, err
        summary = json.loads(out)
        us = summary["accounts"]["us-demo"]
        assert us["status"] == "synced" and us["subscriptions"] == len(state.subscriptions)
        assert us["customers"] == len(state.customers) and us["requests"] > 0 and us["duration"] >= 0
        assert us["changes"] == {"seats": 1}
        [seats] = us["changed"]
        assert (seats["subscription_id"], seats["client"], seats["before"], seats["after"]) == (
            sub.id, "=Evil Client", str(sub.lines[0].quantity - 4), str(sub.lines[0].quantity))
        assert summary["exit_code"] == 0 and summary["failed"] == {}
        assert not any(secret in out for secret in secrets_of(sandbox))

    def test_quiet_prints_nothing(self, cli, capsys):
        assert run(capsys, "sync", "--quiet") == (0, "", "")

    def test_one_account_failing_exits_1_naming_it_and_why(self, cli, sandbox, capsys):
        cli.secrets.set("uk-demo", AccountSecrets(password="wrong-password", subscription_key="0" * 32))
        code, out, err = run(capsys, "sync", "--quiet")
        assert code == 1 and out == ""
        assert "uk-demo was not synced" in err and "credentials" in err
        assert "us-demo" not in err and "wrong-password" not in err
        assert {r.account for r in cli.snapshot.subscriptions()} == {"us-demo", "de-demo"}

    def test_nothing_synced_exits_2(self, cli, sandbox, capsys):
        sandbox.faults.fault_rate = 1.0
        code, out, err = run(capsys, "sync", "--account", "de-demo")
        assert code == 2 and "de-demo was not synced" in err and "Synced 0 of 1 account" in out

    def test_a_sync_while_another_runs_exits_75_and_says_so(self, cli, capsys):
        with cli.snapshot.lock():  # the app, or a timer's sync, is refreshing this data dir
            code, out, err = run(capsys, "sync")
        assert code == EXIT_BUSY and out == ""
        assert "already running" in err and "Nothing was synced" in err

    def test_an_unknown_account_is_a_usage_error(self, cli, capsys):
        code, _, err = run(capsys, "sync", "--account", "nope")
        assert code == 2 and "no account called nope" in err

    def test_a_bad_rate_is_refused_where_it_was_typed(self, cli, capsys):
        with pytest.raises(SystemExit) as exited:
            main(["sync", "--rate", "0"])
        err = capsys.readouterr().err
        assert exited.value.code == 2 and "--rate" in err and err.startswith("imtui:")

    def test_progress_on_a_terminal_one_line_per_account(self, cli, capsys, monkeypatch):
        class Terminal(io.StringIO):
            def isatty(self):
                return True

        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        assert main(["sync", "--account", "us-demo", "--account", "de-demo"]) == 0
        drawn = terminal.getvalue()
        assert "us-demo" in drawn and "de-demo" in drawn and "uk-demo" not in drawn
        assert "details" in drawn and "done in" in drawn and "\x1b[2A" in drawn  # redrawn in place
        terminal.seek(0)
        terminal.truncate()
        assert main(["sync", "--quiet"]) == 0
        assert terminal.getvalue() == ""


class TestExport:
    @pytest.fixture
    def synced(self, cli, sandbox, capsys):
        assert run(capsys, "sync", "--quiet")[0] == 0
        return cli

    @pytest.mark.parametrize("kind", ["customers", "subscriptions", "orders", "mappings"])
    def test_csv_and_json_parse_back_to_the_same_rows(self, synced, kind, capsys, tmp_path):
        csv_path, json_path = tmp_path / f"{kind}.csv", tmp_path / f"{kind}.json"
        assert run(capsys, "export", kind, "--format", "csv", "-o", str(csv_path))[0] == 0
        assert run(capsys, "export", kind, "--format", "json", "-o", str(json_path))[0] == 0
        from imtui.core.formats.exports import csv_cell

        rows = json.loads(json_path.read_text(encoding="utf-8"))
        with csv_path.open(newline="", encoding="utf-8") as f:
            parsed = list(csv.DictReader(f))
        assert len(rows) == len(parsed) > 0
        assert parsed == [{k: csv_cell(k, v) for k, v in row.items()} for row in rows]

    def test_subscriptions_carry_clients_iso_terms_and_money_as_amount_and_currency(self, synced, sandbox, capsys):
        sub = active_subscriptions(sandbox)[0]
        name = sandbox.state.account("us-demo").customers[sub.customer_id]["name"]
        map_customer(synced, "us-demo", sub.customer_id, name, "Acme Client")
        code, out, _ = run(capsys, "export", "subscriptions", "--format", "json", "--client", "acme client")
        rows = json.loads(out)
        assert code == 0 and rows and {r["client"] for r in rows} == {"Acme Client"}
        row = next(r for r in rows if r["subscription_id"] == sub.id)
        assert row["term"] in ("P1M", "P1Y") and row["billing"] in ("P1M", "P1Y")
        assert row["unit_price_currency"] == row["unit_cost_currency"] == "USD"
        assert row["unit_price"] == str(sub.lines[0].product.price("USD")) and row["price_basis"] == "marketplace"

    def test_formula_looking_names_are_neutralised_in_csv(self, synced, sandbox, capsys):
        state = sandbox.state.account("us-demo")
        cid = next(iter(state.customers))
        map_customer(synced, "us-demo", cid, state.customers[cid]["name"], "=HYPERLINK(\"http://x\")")
        map_customer(synced, "us-demo", list(state.customers)[1], "x", "+1 Client")
        code, out, _ = run(capsys, "export", "customers", "--account", "us-demo")
        assert code == 0
        cells = [c for row in csv.reader(io.StringIO(out)) for c in row]
        assert "'=HYPERLINK(\"http://x\")" in cells and "'+1 Client" in cells
        assert not any(c[:1] in "=+@" for c in cells if c)

    def test_bom_and_an_atomic_file(self, synced, capsys, tmp_path):
        target = tmp_path / "orders.csv"
        target.write_text("the previous export\n")
        code, out, _ = run(capsys, "export", "orders", "--bom", "-o", str(target))
        data = target.read_bytes()
        assert code == 0 and data.startswith(b"\xef\xbb\xbfaccount,order_id,") and "written to" in out
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".orders.csv.")]  # no temp file left

    def test_a_folder_that_does_not_exist_is_said_and_nothing_written(self, synced, capsys, tmp_path):
        code, _, err = run(capsys, "export", "customers", "-o", str(tmp_path / "nope" / "c.csv"))
        assert code == 2 and "There is no folder" in err

    def test_no_secret_in_any_export(self, synced, sandbox, capsys):
        text = ""
        for kind in ("customers", "subscriptions", "orders", "mappings"):
            for fmt in ("csv", "json"):
                text += run(capsys, "export", kind, "--format", fmt)[1]
        assert len(text) > 10_000
        assert not any(secret in text for secret in secrets_of(sandbox))

    def test_an_unknown_client_is_said(self, synced, capsys):
        code, _, err = run(capsys, "export", "orders", "--client", "Nobody Ltd")
        assert code == 2 and "no client called Nobody Ltd" in err


class TestPrices:
    def test_set_list_and_remove_an_override_and_the_export_prices_by_it(self, cli, sandbox, capsys):
        assert run(capsys, "sync", "--quiet", "--account", "us-demo")[0] == 0
        sub = active_subscriptions(sandbox)[0]
        mpn = sub.lines[0].product.mpn
        code, out, err = run(capsys, "prices", "set", "--account", "us-demo", "--mpn", mpn, "--price", "99.50")
        assert code == 0, err
        assert "99.50 USD" in out
        assert "99.50" in run(capsys, "prices", "list")[1]
        rows = json.loads(run(capsys, "export", "subscriptions", "--format", "json", "--account", "us-demo")[1])
        row = next(r for r in rows if r["subscription_id"] == sub.id)
        assert (row["unit_price"], row["price_basis"]) == ("99.50", "override")
        assert Decimal(row["margin"]) == Decimal("99.50") - sub.lines[0].product.cost("USD")
        assert run(capsys, "prices", "remove", "--account", "us-demo", "--mpn", mpn)[0] == 0
        assert cli.store.reload().price_overrides == []
        code, _, err = run(capsys, "prices", "remove", "--account", "us-demo", "--mpn", mpn)
        assert code == 2 and "no price override" in err

    def test_a_markup_over_cost(self, cli, sandbox, capsys):
        assert run(capsys, "sync", "--quiet", "--account", "uk-demo")[0] == 0
        assert run(capsys, "prices", "set", "--account", "uk-demo", "--markup", "25")[0] == 0
        assert "markup 25% over cost" in run(capsys, "prices", "list", "--account", "uk-demo")[1]
        rows = json.loads(run(capsys, "export", "subscriptions", "--format", "json", "--account", "uk-demo")[1])
        priced = [r for r in rows if r["unit_cost"] is not None]
        assert priced and all(r["price_basis"] == "markup" for r in priced)
        assert all(Decimal(r["unit_price"]) == (Decimal(r["unit_cost"]) * Decimal("1.25")).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP) for r in priced)

    def test_bad_input_is_said_and_changes_nothing(self, cli, capsys):
        before = cli.store.reload()
        code, _, err = run(capsys, "prices", "set", "--account", "us-demo", "--mpn", "X", "--price", "ten", "--currency", "USD")
        assert code == 2 and "is a number" in err
        code, _, err = run(capsys, "prices", "set", "--account", "us-demo", "--mpn", "X", "--price", "1", "--term", "yearly",
                           "--currency", "USD")
        assert code == 2 and "P1M or P1Y" in err
        code, _, err = run(capsys, "prices", "set", "--account", "us-demo", "--mpn", "UNKNOWN-MPN", "--price", "1")
        assert code == 2 and "--currency" in err
        assert cli.store.reload() == before


class TestReports:
    def test_cost_report_sums_per_currency_only(self, cli, capsys):
        assert run(capsys, "sync", "--quiet")[0] == 0
        code, out, _ = run(capsys, "report", "costs", "--format", "json")
        rows = json.loads(out)
        assert code == 0 and {r["currency"] for r in rows} == {"USD", "GBP", "EUR"}
        for commitment in ("monthly", "annual"):
            for currency in ("USD", "GBP", "EUR"):
                groups = [r for r in rows if (r["commitment"], r["currency"]) == (commitment, currency)]
                [total] = [r for r in groups if r["client"] == "(all clients)"]
                clients = [r for r in groups if r is not total]
                for field in ("monthly_cost", "monthly_price"):
                    # each client rounded to the cent: the total (rounded once) is within a cent per client
                    assert abs(Decimal(total[field]) - sum(Decimal(r[field]) for r in clients)) <= Decimal("0.01") * len(clients)
        table = run(capsys, "report", "costs")[1]
        assert "Annual commitments" in table and "Monthly commitments" in table and "price / 12" in table
        assert table.count("Total") == 6  # a total per currency in each section, never one across them

    def test_report_changes_shows_the_last_sync(self, cli, sandbox, capsys):
        assert run(capsys, "sync", "--quiet")[0] == 0
        sub = active_subscriptions(sandbox, "de-demo")[0]
        sandbox.modify_subscription(sub.id, renewal_status=not sub.renewal_status)
        sandbox.clock.advance(60)
        assert run(capsys, "sync", "--quiet")[0] == 0
        code, out, _ = run(capsys, "report", "changes")
        assert code == 0 and "de-demo: 1 change" in out and "Auto-renew changes (1)" in out
        data = json.loads(run(capsys, "report", "changes", "--format", "json")[1])
        assert data["total"] == 1 and data["counts"] == {"auto_renew": 1}
