"""Exports and the cost report as plain functions: cells a spreadsheet reads as text, money kept apart by
currency, yearly billing counted a month at a time, inactive subscriptions left out."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

from imtui.core.api.models import Money
from imtui.core.config import AccountConfig, Client, Config, Mapping, PriceOverride
from imtui.core.costs import ALL_CLIENTS, ANNUAL, MONTHLY, amount_text, cost_report, months_in
from imtui.core.formats.exports import ExportTable, render, subscription_rows
from imtui.core.pricing import PriceBook
from imtui.core.snapshot import SubscriptionLine, SubscriptionRow


def money(amount: str, currency: str = "USD") -> Money:
    return Money(amount=Decimal(amount), currency=currency)


def sub(sid: str, *, cid: str = "c1", account: str = "us", term: str = "P1M", billing: str = "P1M", seats=2,
        price="10.00", cost="8.00", currency: str = "USD", inactive: bool = False, name: str = "Seats") -> SubscriptionRow:
    p, c = money(price, currency), money(cost, currency)
    return SubscriptionRow(
        account, sid, cid, "Customer " + cid, name, "terminated" if inactive else "active", True, term, billing,
        None, date(2027, 1, 1), date(2027, 1, 1), date(2026, 1, 1), "MPN-1", "Vendor", seats, p, c, p * seats,
        p - c, currency, 40, True, False, date(2026, 11, 1) if inactive else None, "terminated" if inactive else None,
    )


def line(row: SubscriptionRow, quantity=None, mpn: str = "MPN-1") -> SubscriptionLine:
    return SubscriptionLine(0, "p", mpn, "Vendor", row.name, row.seats if quantity is None else quantity,
                            row.unit_price, row.unit_cost, None, None)


def config(**kwargs) -> Config:
    return Config(
        accounts=[AccountConfig(name="us", api_url="https://api.cloud.im/marketplace/na", marketplace="us",
                                username="a.api", **kwargs)],
        clients=[Client(name="Acme")],
        mappings=[Mapping(account="us", customer_id="c1", customer_name="Customer c1", client="Acme")],
    )


# ---------------------------------------------------------------- exports


def test_text_cells_that_look_like_formulas_are_text_and_numbers_stay_numbers():
    table = ExportTable("t", ("name", "margin", "seats", "flag", "none"), [
        {"name": "=SUM(A1)", "margin": "-1.50", "seats": 3, "flag": True, "none": None},
        {"name": "@cmd", "margin": "2.00", "seats": 1, "flag": False, "none": None},
        {"name": "-minus", "margin": None, "seats": None, "flag": None, "none": None},
        {"name": "+plus", "margin": "0", "seats": 0, "flag": None, "none": None},
    ])
    rows = list(csv.DictReader(io.StringIO(render(table, "csv").decode("utf-8"))))
    assert [r["name"] for r in rows] == ["'=SUM(A1)", "'@cmd", "'-minus", "'+plus"]
    assert [r["margin"] for r in rows] == ["-1.50", "2.00", "", "0"]  # our own numbers: not escaped
    assert [r["flag"] for r in rows] == ["true", "false", "", ""]
    assert json.loads(render(table, "json"))[0] == {"name": "=SUM(A1)", "margin": "-1.50", "seats": 3,
                                                     "flag": True, "none": None}


def test_bom_only_when_asked_and_utf8_either_way():
    table = ExportTable("t", ("name",), [{"name": "Müller GmbH"}])
    assert render(table, "csv", bom=True).startswith("\ufeff".encode()) and not render(table, "csv").startswith(b"\xef")
    assert "Müller GmbH" in render(table, "csv").decode("utf-8")


def test_subscription_rows_price_by_the_one_rule_and_keep_each_amount_beside_its_currency():
    cfg = config(markup_percent=Decimal("25"))
    cfg.price_overrides = [PriceOverride(account="us", mpn="MPN-2", price=Decimal("30"), currency="EUR")]
    rows = subscription_rows(cfg, PriceBook(cfg), [sub("1"), replace(sub("2"), mpn="MPN-2")]).rows
    assert (rows[0]["unit_price"], rows[0]["unit_price_currency"], rows[0]["margin"], rows[0]["price_basis"]) == (
        "10.00", "USD", "2.00", "markup")
    assert rows[0]["client"] == "Acme" and rows[0]["marketplace_unit_price"] == "10.00"
    # an override in another currency: price and cost each with their currency, and no margin made up
    assert (rows[1]["unit_price"], rows[1]["unit_price_currency"], rows[1]["unit_cost_currency"]) == ("30", "EUR", "USD")
    assert rows[1]["margin"] is None and rows[1]["margin_currency"] is None


# ---------------------------------------------------------------- the cost report


def report_for(rows, cfg=None, lines=None):
    cfg = cfg or config()
    lines = lines if lines is not None else {(r.account, r.id): [line(r)] for r in rows}
    names = {m.customer_id: m.client for m in cfg.mappings}
    return cost_report(rows, lines, PriceBook(cfg), lambda r: names.get(r.customer_id, r.customer_name))


def group(report, client, currency, commitment):
    return next(g for g in report.groups if (g.client, g.currency, g.commitment) == (client, currency, commitment))


def test_a_yearly_billed_line_counts_a_twelfth_of_its_price_a_month():
    report = report_for([sub("1", term="P1Y", billing="P1Y", price="120.00", cost="96.00", seats=3)])
    g = group(report, "Acme", "USD", ANNUAL)
    assert g.to_row()["monthly_price"] == "30.00" and g.to_row()["monthly_cost"] == "24.00"
    assert g.to_row()["monthly_margin"] == "6.00" and g.to_row()["margin_percent"] == "20.0"


def test_annual_commitments_are_apart_from_monthly_ones():
    report = report_for([sub("1", term="P1M"), sub("2", term="P1Y", billing="P1M")])
    assert group(report, "Acme", "USD", MONTHLY).to_row()["monthly_price"] == "20.00"
    assert group(report, "Acme", "USD", ANNUAL).to_row()["monthly_price"] == "20.00"
    assert [s[0] for s in report.sections()] == [MONTHLY, ANNUAL]


def test_inactive_subscriptions_are_left_out():
    report = report_for([sub("1"), sub("2", inactive=True, price="1000.00")])
    assert group(report, "Acme", "USD", MONTHLY).to_row()["monthly_price"] == "20.00" and report.left_out == 1


def test_amounts_are_summed_per_currency_never_across():
    rows = [sub("1", price="10.00"), sub("2", cid="c2", currency="GBP", price="7.00", cost="6.00"),
            sub("3", cid="c3", currency="EUR", price="9.00", cost="8.00"), sub("4", cid="c2", currency="USD")]
    report = report_for(rows)
    for _, groups, totals in report.sections():
        assert [t.currency for t in totals] == ["EUR", "GBP", "USD"]
        for total in totals:
            mine = [g for g in groups if g.currency == total.currency]
            assert total.price == sum((g.price for g in mine), Decimal(0))
            assert total.client == ALL_CLIENTS
    assert {r["currency"] for r in report.rows()} == {"USD", "GBP", "EUR"}
    assert group(report, "Customer c2", "GBP", MONTHLY).to_row()["monthly_price"] == "14.00"


def test_an_override_in_another_currency_counts_its_price_there_and_makes_no_margin():
    cfg = config()
    cfg.price_overrides = [PriceOverride(account="us", mpn="MPN-1", price=Decimal("12"), currency="EUR")]
    report = report_for([sub("1")], cfg)
    usd, eur = group(report, "Acme", "USD", MONTHLY), group(report, "Acme", "EUR", MONTHLY)
    assert usd.to_row()["monthly_cost"] == "16.00" and usd.to_row()["monthly_price"] == "0.00"
    assert usd.to_row()["monthly_margin"] is None and eur.to_row()["monthly_price"] == "24.00"


def test_add_on_lines_count_and_unpriced_ones_are_said():
    row = sub("1")
    no_price = SubscriptionLine(1, "p", "ADDON", "V", "Add-on", 5, None, money("1.00"), None, None)
    addon = SubscriptionLine(2, "p", "ADDON2", "V", "Add-on 2", 4, money("3.00"), money("2.00"), None, None)
    report = report_for([row], lines={("us", "1"): [line(row), no_price, addon]})
    g = group(report, "Acme", "USD", MONTHLY)
    assert g.to_row()["monthly_price"] == "32.00" and g.unpriced == 1 and g.lines == 3


def test_periods_and_amount_text():
    assert [months_in(p) for p in ("P1M", "P3M", "P1Y", "P3Y", "P0M", "unknown", None)] == [1, 3, 12, 36, None, None, None]
    assert [amount_text(a) for a in ("12345.6", "-1.5", "0", None)] == ["12,345.60", "-1.50", "0.00", "—"]
