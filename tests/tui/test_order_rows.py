"""The orders and journal screens' plain rules, without an app: what a row shows, what the filter finds, which
columns an 80-column terminal keeps."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from imtui.core.api.models import Money
from imtui.core.journal import Entry
from imtui.core.services.journal_view import entry_columns
from imtui.core.services.order_reads import OrderLineView, OrderView
from imtui.tui.screens.journal_rows import JOURNAL_COLUMNS, EntryLine
from imtui.tui.screens.order_rows import ORDER_COLUMNS, OrderLine
from imtui.tui.widgets.table_rows import filter_rows, fit_columns, with_account_width


def order(**changes) -> OrderView:
    values = dict(
        account="uk-demo", id="2500204", number="CH000204", type="change", status="processing", status_code="LO",
        created_at=datetime(2026, 11, 20, 7, 58, 42, tzinfo=UTC), updated_at=None, po_number="PO-59665",
        customer_id="2000146", customer_name="Camden Estates Ltd", client="", total=Money(amount=Decimal("-43.30"), currency="GBP"),
        finished=False, details_loaded=True, subscription_id="2200112",
        lines=(OrderLineView(0, "Microsoft 365 Business Premium", "CFQ7TTC0LCHC:0002", "Microsoft", -2, True,
                             Money(amount=Decimal("-43.30"), currency="GBP"), "2200112", "P1M", "P1M"),),
    )
    values.update(changes)
    return OrderView(**values)


def shown(line: OrderLine) -> dict[str, str]:
    return {spec.key: cell.value for spec, cell in zip(ORDER_COLUMNS, line.cells)}


def test_an_order_row_shows_status_code_times_and_money_right_aligned():
    cells = shown(OrderLine(order()))
    assert cells["status"] == "processing (LO)" and cells["created"] == "2026-11-20 07:58" and cells["updated"] == ""
    assert cells["total"] == "    -43.30 GBP" and len(cells["total"]) == 14
    assert cells["number"] == "CH000204" and cells["po"] == "PO-59665"


def test_an_unmapped_customer_shows_its_ingram_name_apart():
    unmapped = OrderLine(order())
    mapped = OrderLine(order(client="Camden"))
    client = [spec.key for spec in ORDER_COLUMNS].index("client")
    assert (unmapped.cells[client].value, unmapped.cells[client].style) == ("Camden Estates Ltd", "dim italic")
    assert (mapped.cells[client].value, mapped.cells[client].style) == ("Camden", "")


def test_the_filter_finds_ids_and_the_status_in_words():
    rows = [OrderLine(order()), OrderLine(order(id="1", number="SO000001", type="sales", status="completed",
                                                status_code="CP", customer_id="9", po_number=""))]
    assert [r.view.number for r in filter_rows(rows, "2500204")] == ["CH000204"]
    assert [r.view.number for r in filter_rows(rows, "provisioning")] == ["CH000204"]  # LO in words
    assert [r.view.number for r in filter_rows(rows, "sales completed")] == ["SO000001"]


def test_narrow_terminals_keep_number_type_status_client_and_total_then_the_account():
    columns = with_account_width(ORDER_COLUMNS, ["uk-demo", "us-demo", "de-demo"])
    assert list(fit_columns(columns, 78)) == ["number", "type", "status", "client", "total"]
    assert list(fit_columns(columns, 118)) == [
        "account", "number", "type", "status", "created", "client", "customer", "total",
    ]
    assert len(fit_columns(columns, 158)) == len(ORDER_COLUMNS)


def test_a_journal_row_and_its_outcome_standing_out():
    entry = Entry(seq=3, time="2026-11-20T09:01:35.000Z", action="subscription.seats", outcome="failed",
                  account="uk-demo", customer_id="2000102", customer_name="Bolt Ltd", client="Bolt",
                  error="The marketplace\nsaid no", correlation_id="corr-2", hash="ab" * 32)
    line = EntryLine(entry, entry_columns(entry))
    cells = {spec.key: cell for spec, cell in zip(JOURNAL_COLUMNS, line.cells)}
    assert cells["time"].value == "2026-11-20 09:01:35" and cells["error"].value == "The marketplace said no"
    assert cells["outcome"].style == "bold" and cells["customer"].value == "Bolt Ltd"
    ok = Entry(seq=4, time="2026-11-20T09:02:00.000Z", action="order.place", outcome="ok", order_id="15",
               customer_id="2000102")
    ok_cells = {spec.key: cell for spec, cell in zip(JOURNAL_COLUMNS, EntryLine(ok, entry_columns(ok)).cells)}
    assert ok_cells["outcome"].style == "" and ok_cells["order"].value == "15" and ok_cells["customer"].value == "2000102"
    assert filter_rows([line], "2000102") == [line]
