"""The customers screen's status line, without an app: what each account's load says, in every state."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from imtui.core.api import ListReport, ServerError, SkippedRow
from imtui.core.timewords import ago
from imtui.tui.screens.customer_loads import AccountLoad, short_reason, skipped_words

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_ages_in_words():
    assert ago(NOW - timedelta(seconds=59), NOW) == "just now"
    assert ago(NOW - timedelta(minutes=2, seconds=30), NOW) == "2 min ago"
    assert ago(NOW - timedelta(hours=3, minutes=5), NOW) == "3 h ago"
    assert ago(NOW - timedelta(days=3), NOW) == "3 days ago"
    assert ago(NOW - timedelta(days=40), NOW) == "on 2025-01-20"


def test_a_load_from_first_page_to_done():
    load = AccountLoad("us-demo")
    load.start()
    assert load.words(0, NOW) == "us-demo: loading…"
    load.retry = "retrying after HTTP 503 (2 of 10)…"
    assert load.words(0, NOW) == "us-demo: loading… retrying after HTTP 503 (2 of 10)…"
    load.page(500, 1200)
    assert load.words(500, NOW) == "us-demo: 500/1,200…"  # the page that arrived ended the retry
    load.done(NOW, ListReport())
    assert load.words(1200, NOW) == "us-demo: 1,200"


def test_a_failed_reload_says_the_age_of_the_rows_kept_and_why():
    load = AccountLoad("us-demo")
    load.start()
    load.done(NOW - timedelta(minutes=2), None)
    load.start()
    assert load.words(48, NOW) == "us-demo: 48, reloading (0)…"
    load.failed(ServerError("Service Unavailable", status=503, attempts=11))
    assert load.stale
    assert load.words(48, NOW) == "us-demo: 48 as of 2 min ago; reload failed: HTTP 503 after 11 tries, r to retry"


def test_a_first_load_that_failed_with_or_without_rows():
    load = AccountLoad("uk-demo")
    load.start()
    load.failed(ServerError(status=500))
    assert not load.stale
    assert load.words(0, NOW) == "uk-demo: failed, r to retry (HTTP 500)"
    assert load.words(500, NOW) == "uk-demo: 500, incomplete; loading failed: HTTP 500, r to retry"


def test_skipped_rows_and_warnings_in_a_few_words():
    report = ListReport()
    assert skipped_words(report) == "" and skipped_words(None) == ""
    report.skip(SkippedRow("/customers", 4, "1000105", "unreadable field(s): address"))
    assert skipped_words(report) == "1 unreadable skipped"
    report.warn("/customers: asked for offset 500 but the server answered offset 0")
    assert skipped_words(report) == "1 unreadable skipped, the list may be incomplete"
    load = AccountLoad("us-demo")
    load.done(NOW, report)
    assert load.words(47, NOW) == "us-demo: 47 (1 unreadable skipped, the list may be incomplete)"


def test_short_reasons():
    assert short_reason(ServerError(status=503, attempts=1)) == "HTTP 503"
    assert short_reason(ValueError("first line\nsecond")) == "first line"
