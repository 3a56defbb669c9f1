"""The fast table's plain rules, without an app: fitting columns, filtering as you type, sorting, cells."""

from __future__ import annotations

import subprocess
import sys

from rich.console import Console

from imtui.tui.widgets.table_rows import (
    Cell,
    ColumnSpec,
    NarrowingFilter,
    TableRow,
    filter_rows,
    fit_columns,
    rotate_from,
    sort_rows,
)


def row(key: str, *values: str) -> TableRow:
    return TableRow(key, [Cell(v) for v in values])


# ------------------------------------------------------------------ modules


def test_the_plain_modules_do_not_import_textual():
    for module in ("imtui.tui.widgets.table_rows", "imtui.tui.screens.customer_rows", "imtui.tui.screens.customer_loads"):
        out = subprocess.run(
            [sys.executable, "-c", f"import sys, {module}; print(sorted(m for m in sys.modules if m.startswith('textual')))"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        assert out == "[]", (module, out)


# ------------------------------------------------------------------ cells and rows


def test_a_cell_is_text_not_markup_and_is_cut_with_an_ellipsis():
    cell = Cell("Acme [UK] Ltd [/b]", style="bold")
    console = Console(width=40, color_system=None)
    lines = console.render_lines(cell, console.options.update_width(10))  # as the table draws a cell
    assert ["".join(segment.text for segment in line) for line in lines] == ["Acme [UK]…"]
    assert str(cell) == "Acme [UK] Ltd [/b]"
    assert cell.__rich__() is cell.__rich__()  # made once, when first drawn


def test_a_rows_filter_text_is_every_cell_in_any_case_unless_given():
    assert row("k", "Acme GmbH", "Berlin").filter_text == "acme gmbh berlin"
    assert TableRow("k", [Cell("x")], filter_text="Also Hidden Words").filter_text == "also hidden words"


# ------------------------------------------------------------------ fitting columns


COLUMNS = (
    ColumnSpec("account", "Account", width=7, priority=5),
    ColumnSpec("customer", "Ingram customer", share=11, min_width=16),
    ColumnSpec("id", "ID", width=8, priority=4),
    ColumnSpec("status", "Status", width=10, priority=2),
    ColumnSpec("city", "City", width=14, priority=1),
    ColumnSpec("country", "Ctry", width=4, priority=3),
    ColumnSpec("client", "Client", share=9, min_width=12),
    ColumnSpec("how", "How", width=10),
)


def test_wide_enough_every_column_shows_and_the_shares_use_every_cell():
    widths = fit_columns(COLUMNS, 138, padding=2)
    assert list(widths) == [c.key for c in COLUMNS]
    free = 138 - 16 - (7 + 8 + 10 + 14 + 4 + 10)
    assert widths["customer"] == free * 11 // 20
    assert widths["customer"] + widths["client"] == free
    assert sum(widths.values()) + 2 * len(widths) == 138


def test_on_a_narrow_terminal_the_lowest_priority_gives_way_first():
    widths = fit_columns(COLUMNS, 78, padding=2)  # 80 columns less the scrollbar
    assert list(widths) == ["account", "customer", "id", "country", "client", "how"]  # city, then status went
    assert widths["client"] >= 12 and widths["customer"] >= 16
    assert sum(widths.values()) + 2 * len(widths) == 78
    narrower = fit_columns(COLUMNS, 50, padding=2)
    assert list(narrower) == ["customer", "client", "how"]
    assert narrower["customer"] >= 16 and narrower["client"] >= 12


def test_columns_that_never_give_way_stay_at_their_minimum_even_when_too_wide():
    widths = fit_columns(COLUMNS, 20, padding=2)
    assert widths == {"customer": 16, "client": 12, "how": 10}


def test_ties_in_priority_hide_the_rightmost_first():
    columns = (ColumnSpec("a", "A", width=10, priority=1), ColumnSpec("b", "B", width=10, priority=1))
    assert list(fit_columns(columns, 15, padding=0)) == ["a"]


# ------------------------------------------------------------------ filtering


ROWS = [
    row("1", "Acme North LLC", "Dallas", "unmapped"),
    row("2", "Acme North Ltd", "London", "Acme", "manual"),
    row("3", "Northwind GmbH", "Berlin", "unmapped"),
    row("4", "Globex", "North Bay", "ignored"),
]


def test_every_word_must_appear_anywhere_in_any_case():
    assert [r.key for r in filter_rows(ROWS, "north")] == ["1", "2", "3", "4"]
    assert [r.key for r in filter_rows(ROWS, "NORTH acme")] == ["1", "2"]
    assert [r.key for r in filter_rows(ROWS, "acme london")] == ["2"]
    assert [r.key for r in filter_rows(ROWS, "  ")] == ["1", "2", "3", "4"]
    assert filter_rows(ROWS, "nothing-like-this") == []
    assert [r.key for r in filter_rows(ROWS, "north", keep=lambda r: "unmapped" in r.filter_text)] == ["1", "3"]


def test_typing_on_narrows_the_last_result_and_anything_else_scans_again():
    scans = []

    def every_row():
        scans.append(1)
        return ROWS

    narrowing = NarrowingFilter()
    assert [r.key for r in narrowing.apply("no", "ctx", every_row)] == ["1", "2", "3", "4"]
    assert [r.key for r in narrowing.apply("north ac", "ctx", every_row)] == ["1", "2"]
    assert [r.key for r in narrowing.apply("north acme l", "ctx", every_row)] == ["1", "2"]
    assert len(scans) == 1  # the text only grew: the last result was narrowed
    assert [r.key for r in narrowing.apply("north", "ctx", every_row)] == ["1", "2", "3", "4"]  # deleted
    assert len(scans) == 2
    assert [r.key for r in narrowing.apply("north g", "other", every_row)] == ["3", "4"]  # another context
    assert len(scans) == 3
    narrowing.forget()
    narrowing.apply("north gm", "other", every_row)
    assert len(scans) == 4


# ------------------------------------------------------------------ order


def test_sorting_uses_the_sort_key_and_keeps_equal_rows_in_order():
    rows = [
        TableRow("a", [Cell("b"), Cell("10", sort_key=10)]),
        TableRow("b", [Cell("A"), Cell("9", sort_key=9)]),
        TableRow("c", [Cell("a"), Cell("10", sort_key=10)]),
    ]
    assert [r.key for r in sort_rows(rows, 0)] == ["b", "c", "a"]  # text: in any case
    assert [r.key for r in sort_rows(rows, 1)] == ["b", "a", "c"]  # numbers as numbers, ties kept
    assert [r.key for r in sort_rows(rows, 1, reverse=True)] == ["a", "c", "b"]


def test_rotate_from_gives_every_row_once_from_the_start():
    assert [r.key for r in rotate_from(ROWS, 2)] == ["3", "4", "1", "2"]
    assert [r.key for r in rotate_from(ROWS, 0)] == ["1", "2", "3", "4"]
    assert [r.key for r in rotate_from(ROWS, 9)] == ["1", "2", "3", "4"]
    assert rotate_from([], 3) == []
