"""FastTable against the Textual it runs on: the guard for its use of DataTable's private API.

If a Textual upgrade changes what FastTable writes into (``_row_locations``, ``_data``, the offset and
row-order caches, ``_render_cell``...), these tests fail and say what changed: the fast path must be
the one taken, and the table must still behave (row count, cursor, rows read back, one row updated,
what is drawn).
"""

from __future__ import annotations

from textual.app import App, ComposeResult

from imtui.tui.widgets.fast_table import FastTable, private_api_problems
from imtui.tui.widgets.table_rows import Cell, ColumnSpec, TableRow, sort_rows

COLUMNS = (
    ColumnSpec("name", "Name", share=2, min_width=12),
    ColumnSpec("seats", "Seats", width=6, priority=3),
    ColumnSpec("city", "City", width=14, priority=1),
    ColumnSpec("note", "Note", share=1, min_width=10),
)


def make_rows(n: int, tag: str = "") -> list[TableRow]:
    return [
        TableRow(f"k{i}", [Cell(f"Customer {i:05d}{tag}"), Cell(str(i % 50), sort_key=i % 50), Cell(f"City {i % 7}"), Cell(f"[b]note {i}[/b]")])
        for i in range(n)
    ]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FastTable(COLUMNS, id="table")


def drawn(table: FastTable, y: int) -> str:
    """The text of line ``y`` of the table as drawn (0 is the header)."""
    return "".join(segment.text for segment in table.render_line(y))


def assert_fast(table: FastTable) -> None:
    assert table.last_fill == "fast", f"FastTable fell back to add_row: {table.last_fill}"
    assert table.self_check() == [], table.self_check()


def test_the_private_api_fast_table_uses_is_still_there():
    assert private_api_problems() == [], (
        "Textual changed DataTable's private API that imtui/tui/widgets/fast_table.py relies on: "
        + "; ".join(private_api_problems())
    )


async def test_fast_path_is_taken_and_the_table_behaves_after_it():
    app = TableApp()
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(FastTable)
        rows = make_rows(2000)
        assert table.replace_rows(rows) is True
        await pilot.pause()
        assert_fast(table)
        assert table.row_count == 2000
        assert [str(c) for c in table.get_row("k5")] == ["Customer 00005", "5", "City 5", "[b]note 5[/b]"]
        assert table.shown_rows[1999] is rows[1999]
        # markup in a cell is text; the header and the first row are drawn
        assert "Name" in drawn(table, 0) and "Seats" in drawn(table, 0)
        assert "Customer 00000" in drawn(table, 1) and "[b]note 0[/b]" in drawn(table, 1)

        # the cursor goes to a row by its key and brings it into view; the selected row is the object
        assert table.move_to("k1500")
        await pilot.pause()
        assert table.cursor_row == 1500 and table.selected is rows[1500]
        assert table.scroll_y > 0
        assert not table.move_to("nope")

        # one row changes: read back and drawn, nothing else moves
        changed = TableRow("k1500", [Cell("Renamed Ltd"), Cell("7", sort_key=7), Cell("Leeds"), Cell("")])
        assert table.update_row(changed)
        await pilot.pause()
        assert [str(c) for c in table.get_row("k1500")] == ["Renamed Ltd", "7", "Leeds", ""]
        assert table.selected is changed and table.row_count == 2000
        assert any("Renamed Ltd" in drawn(table, y) for y in range(1, 30))
        assert table.self_check() == []

        # a subset in another order (sorting): the cursor stays on its row
        subset = sort_rows([changed, *rows[:100]], 1, reverse=True)
        assert table.replace_rows(subset)
        await pilot.pause()
        assert_fast(table)
        assert table.row_count == 101
        assert table.selected is changed
        assert [r.key for r in table.shown_rows] == [r.key for r in subset]
        assert str(table.get_row_at(0)[1]) == "49"
        assert table.replace_rows(list(subset)) is False  # the same rows: nothing to do

        # pages arriving: appended after the rows shown
        more = make_rows(2100)[2000:]
        table.append_rows(more)
        await pilot.pause()
        assert_fast(table)
        assert table.row_count == 201 and table.get_row_index("k2050") == 151
        assert table.selected is changed

        # a row that is gone: the cursor goes back to the top
        table.replace_rows(rows[:10])
        assert table.cursor_row == 0 and table.selected is rows[0]


async def test_columns_give_way_by_priority_and_come_back():
    app = TableApp()
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(FastTable)
        table.replace_rows(make_rows(30))
        await pilot.pause()
        assert table.shown_columns == ["name", "seats", "city", "note"]

        await pilot.resize_terminal(50, 20)
        await pilot.pause()
        # 50 - 2 (scrollbar) leaves 48: city (priority 1) goes first, the shared columns stay
        assert table.shown_columns == ["name", "seats", "note"]
        assert_fast(table)
        assert [str(c) for c in table.get_row_at(3)] == ["Customer 00003", "3", "[b]note 3[/b]"]
        assert "Customer 00003" in drawn(table, 4)

        await pilot.resize_terminal(30, 20)
        await pilot.pause()
        assert table.shown_columns == ["name", "note"]

        await pilot.resize_terminal(120, 20)
        await pilot.pause()
        assert table.shown_columns == ["name", "seats", "city", "note"]
        assert [str(c) for c in table.get_row_at(3)] == ["Customer 00003", "3", "City 3", "[b]note 3[/b]"]
        assert_fast(table)


async def test_home_and_end_go_to_the_first_and_last_row():
    app = TableApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(FastTable)
        table.replace_rows(make_rows(500))
        table.focus()
        await pilot.pause()
        await pilot.press("end")
        assert table.cursor_row == 499
        await pilot.press("home")
        assert table.cursor_row == 0
