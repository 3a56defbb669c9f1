"""The served sandbox and the demo tell the world's time: their clock starts now (seconds cut off), so an order
created "now" by the sandbox is found by a lookup that uses real UTC times. Tests keep fixed manual clocks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from imtui.sandbox import DEFAULT_START, Sandbox
from imtui.sandbox.clock import current_start
from imtui.sandbox.server import main_serve
from imtui.sandbox.serve_flags import parse_args, sandbox_from_args


def test_the_served_sandbox_starts_now_with_the_seconds_cut_off():
    before = datetime.now(timezone.utc)
    sb = sandbox_from_args(parse_args(["--accounts", "1"]))
    start = sb.clock.start
    assert start.second == 0 and start.microsecond == 0 and sb.clock.mode == "real"
    assert before - timedelta(minutes=1) < start <= datetime.now(timezone.utc)
    newest = max(o.created for o in sb.state.account("us-demo").order_list)
    assert newest < sb.clock.now()  # the seed's history lies before its start, wherever the start is


def test_a_given_start_is_kept_and_the_same_seed_and_start_give_the_same_data():
    args = parse_args(["--accounts", "1", "--start", "2027-03-31T23:59:00Z"])
    one, two = sandbox_from_args(args), sandbox_from_args(args)
    assert one.clock.start == datetime(2027, 3, 31, 23, 59, tzinfo=timezone.utc)
    rows = lambda sb: [(o.number, o.created, o.po_number) for o in sb.state.account("us-demo").order_list]  # noqa: E731
    assert rows(one) == rows(two)
    assert all(s.creation_date <= one.clock.start.date() for s in one.state.account("us-demo").subscriptions.values())


def test_a_bad_start_exits_2_with_one_line(capsys):
    with pytest.raises(SystemExit) as caught:
        main_serve(["--start", "next tuesday"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("imtui sandbox: --start") and "2026-11-20T09:00:00Z" in err


async def test_the_demo_starts_now_and_tests_keep_the_fixed_start():
    from imtui.core.services import Services

    services = Services.open_demo()
    try:
        assert abs((services.now() - datetime.now(timezone.utc)).total_seconds()) < 120
        assert services.sandbox.clock.start == current_start(services.sandbox.clock.start)
    finally:
        await services.aclose()
    assert Sandbox(seed=1).clock.start == DEFAULT_START == Sandbox(seed=1, clock="real").clock.start
