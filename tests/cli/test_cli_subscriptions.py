"""``imtui subscriptions list|show`` against the sandbox over real HTTP: the snapshot, its filters and formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from imtui.cli import main
from imtui.core.config import ConfigStore, Mapping
from imtui.core.paths import resolve_paths
from imtui.sandbox import Sandbox
from imtui.sandbox.server import serve, served_base_url

ACCOUNT = "us-main"


@pytest.fixture
def served(monkeypatch):
    """The sandbox on 127.0.0.1 (wall clock), its us-demo account added as ``us-main`` (no snapshot yet)."""
    sb = Sandbox(seed=7, clock="real")
    server, _ = serve(sb)
    account = sb.account("us-demo")
    monkeypatch.setenv("IMTUI_US_MAIN_PASSWORD", account.password)
    monkeypatch.setenv("IMTUI_US_MAIN_SUBSCRIPTION_KEY", account.subscription_key)
    code = main(["accounts", "add", ACCOUNT, "--url", served_base_url(server, account), "--marketplace",
                 account.marketplace, "--username", account.username, "--no-test"])
    assert code == 0
    yield sb
    server.shutdown()
    server.server_close()


def upstream(sb: Sandbox) -> dict:
    """The sandbox's own subscriptions of us-demo, by id (what the CLI must agree with)."""
    return dict(sb.state.account("us-demo").subscriptions)


def as_json(capsys) -> list[dict]:
    return json.loads(capsys.readouterr().out)


def test_list_before_any_refresh_says_nothing_is_loaded(served, capsys):
    assert main(["subscriptions", "list"]) == 0
    captured = capsys.readouterr()
    assert "us-main: never loaded" in captured.err and "--refresh" in captured.err
    assert captured.out.splitlines() == ["\t".join(
        ["ACCOUNT", "ID", "CLIENT", "PRODUCT", "SEATS", "TERM", "BILLING", "STATUS", "RENEWAL", "DAYS", "AUTO-RENEW",
         "PRICE", "COST", "MARGIN", "CURRENCY"])]


def test_refresh_then_json_lists_every_subscription_with_seats_and_prices(served, capsys):
    sb = served
    assert main(["subscriptions", "list", "--refresh", "--format", "json"]) == 0
    rows = as_json(capsys)
    subs = upstream(sb)
    assert {r["subscription_id"] for r in rows} == set(subs)
    for row in rows:
        sub = subs[row["subscription_id"]]
        assert row["seats"] == sub.quantity
        assert row["term"] == f"P{sub.subscription_period[1]}{sub.subscription_period[0][0].upper()}"
        assert row["status"] == sub.status
        if sub.lines:
            assert Decimal(row["unit_price"]) == sub.lines[0].price("USD")
            assert row["unit_price_currency"] == "USD" and row["unit_cost_currency"] == "USD"
            assert Decimal(row["margin"]) == Decimal(row["unit_price"]) - Decimal(row["unit_cost"])
    assert {r["term"] for r in rows} == {"P1M", "P1Y"}


def test_csv_parses_back_to_the_same_rows_as_json(served, capsys):
    assert main(["subscriptions", "list", "--refresh", "--format", "json"]) == 0
    as_json_rows = as_json(capsys)
    assert main(["subscriptions", "list", "--format", "csv"]) == 0  # from the snapshot, no refresh
    parsed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["subscription_id"] for r in parsed] == [r["subscription_id"] for r in as_json_rows]
    for text_row, json_row in zip(parsed, as_json_rows):
        assert text_row["unit_price"] == (json_row["unit_price"] or "")
        assert text_row["seats"] == ("" if json_row["seats"] is None else str(json_row["seats"]))
        assert text_row["customer_name"] == json_row["customer_name"] and text_row["term"] == json_row["term"]


def test_filters_by_status_term_renewal_window_and_client(served, capsys):
    sb = served
    subs = upstream(sb)
    assert main(["subscriptions", "list", "--refresh", "--format", "json"]) == 0
    capsys.readouterr()

    def listed(*flags: str) -> set[str]:
        assert main(["subscriptions", "list", "--format", "json", *flags]) == 0
        return {r["subscription_id"] for r in as_json(capsys)}

    assert listed("--status", "hold") == {i for i, s in subs.items() if s.status == "hold"} != set()
    assert listed("--term", "p1y") == {i for i, s in subs.items() if s.subscription_period == ("year", 1)}
    today = datetime.now(timezone.utc).date()
    ended = {"terminated", "removed"}
    due = {i for i, s in subs.items()
           if s.status not in ended and s.renewal_date and 0 <= (s.renewal_date - today).days <= 30}
    assert listed("--renewing-within", "30") == due != set()
    assert listed("--status", "inactive") == {i for i, s in subs.items() if s.status in ended}

    # a mapped customer is found by its client name
    customer_id = next(iter(subs.values())).customer_id
    store = ConfigStore(resolve_paths().config_file)
    config = store.load()
    config.mappings = [Mapping(account=ACCOUNT, customer_id=customer_id, client="Zed Dental", how="manual")]
    store.save(config)
    assert listed("--client", "zed dental") == {i for i, s in subs.items() if s.customer_id == customer_id}
    assert main(["subscriptions", "list", "--client", "Zed Dental", "--format", "json"]) == 0
    assert {r["client"] for r in as_json(capsys)} == {"Zed Dental"}
    assert main(["subscriptions", "list", "--client", "Zed Dental"]) == 0
    assert "Zed Dental" in capsys.readouterr().out


def test_show_gives_every_field_its_lines_and_orders(served, capsys):
    sb = served
    assert main(["subscriptions", "list", "--refresh", "--format", "json"]) == 0
    capsys.readouterr()
    sid, sub = next((i, s) for i, s in upstream(sb).items() if s.lines and s.status == "active")
    assert main(["subscriptions", "show", sid, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["subscription_id"] == sid and shown["seats"] == sub.quantity
    assert shown["lines"][0]["mpn"] == sub.lines[0].product.mpn
    assert shown["lines"][0]["vendor_subscription_id"]
    assert shown["lines"][0]["unit_price"] == {"amount": str(sub.lines[0].price("USD")), "currency": "USD"}
    assert isinstance(shown["orders"], list) and isinstance(shown["parameters"], list)

    assert main(["subscriptions", "show", sid]) == 0
    text = capsys.readouterr().out
    assert sid in text and sub.lines[0].product.mpn in text and shown["lines"][0]["vendor_subscription_id"] in text


def test_unknown_ids_and_accounts_are_one_line_and_exit_2(served, capsys):
    assert main(["subscriptions", "show", "999"]) == 2
    assert "no subscription 999" in capsys.readouterr().err
    assert main(["subscriptions", "list", "--account", "nowhere"]) == 2
    assert "no account called nowhere" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["subscriptions", "list", "--renewing-within", "soon"])
    assert exited.value.code == 2 and "not a whole number of days" in capsys.readouterr().err


def test_a_failed_refresh_exits_1_and_still_lists_the_snapshot(served, capsys, monkeypatch):
    assert main(["subscriptions", "list", "--refresh", "--format", "json"]) == 0
    count = len(as_json(capsys))
    monkeypatch.setenv("IMTUI_US_MAIN_PASSWORD", "wrong-password")
    assert main(["subscriptions", "list", "--refresh", "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == count
    assert "us-main was not refreshed" in captured.err and "stale" in captured.err
