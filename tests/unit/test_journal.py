"""The audit journal: what an entry holds, the hash chain and what verify finds, two writers at once,
no secret on disk, reading with filters, and the CSV/JSON export for a customer."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import stat
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

from imtui.core import journal as journal_module
from imtui.core.journal import (
    EXPORT_COLUMNS,
    GENESIS,
    Entry,
    Journal,
    JournalFilter,
    JournalWriteError,
    UnsafeEntryError,
)
from imtui.core.journal_chain import encode_line
from imtui.core.paths import Paths
from imtui.core.redact import SecretScrubber, looks_secret

PASSWORD = "s3cret-Pa55word!"
SUBSCRIPTION_KEY = "4f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c"


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(Paths.in_home(tmp_path / "home").journal_file)


def record_some(journal: Journal, count: int, *, client: str = "Contoso Ltd") -> list[Entry]:
    return [
        journal.record(action="subscription.seats", outcome="ok", account="uk-main", customer_id="1000027",
                       customer_name="CONTOSO LIMITED", client=client, asked={"quantity": n + 1})
        for n in range(count)
    ]


def lines_of(journal: Journal) -> list[bytes]:
    return journal.path.read_bytes().splitlines(keepends=True)


def write_lines(journal: Journal, lines: list[bytes]) -> None:
    journal.path.write_bytes(b"".join(lines))


class TestRecording:
    """What one call to record() leaves on disk."""

    def test_a_successful_order_is_recorded_with_everything_asked(self, journal):
        entry = journal.record(
            action="order.place", outcome="ok", account="uk-main", customer_id=1000027,
            customer_name="CONTOSO LIMITED", client="Contoso Ltd",
            asked={"mpn": "MS-M365-BP", "quantity": 5, "term": "P1Y", "billing": "P1M", "at_renewal": False,
                   "max_total": Decimal("1320.00")},
            order_id="ORD-7F3A", order_number="SO-000123", po_number="PO-2025-0042",
            correlation_id="c0ffee-42", estimate="110.00 USD a month, 1,320.00 USD for the term",
        )
        [stored] = list(journal.entries())
        assert stored == entry
        assert (stored.seq, stored.action, stored.outcome, stored.customer_id) == (1, "order.place", "ok", "1000027")
        assert stored.asked == {"mpn": "MS-M365-BP", "quantity": 5, "term": "P1Y", "billing": "P1M",
                                "at_renewal": False, "max_total": "1320.00"}
        assert (stored.order_id, stored.order_number, stored.po_number) == ("ORD-7F3A", "SO-000123", "PO-2025-0042")
        assert stored.correlation_id == "c0ffee-42"
        assert stored.estimate == "110.00 USD a month, 1,320.00 USD for the term"
        assert stored.version == journal_module.__version__ and stored.user != ""
        assert stored.when.tzinfo is not None and abs(stored.when - datetime.now(UTC)) < timedelta(minutes=1)
        assert stored.prev == GENESIS

    def test_a_failure_is_recorded_with_the_api_message_and_correlation_id(self, journal):
        journal.record(action="subscription.seats", outcome="failed", account="us", customer_id="1000031",
                       client="Fabrikam", asked={"quantity": 3}, correlation_id="d34db33f",
                       error="Quantity 3 is below the minimum of 5 for this product")
        journal.record(action="order.place", outcome="unknown", account="us", error="no answer within 30 s")
        journal.record(action="order.lookup", outcome="not_found", account="us", po_number="PO-1")
        failed, unknown, lookup = journal.entries()
        assert (failed.outcome, failed.error, failed.correlation_id) == (
            "failed", "Quantity 3 is below the minimum of 5 for this product", "d34db33f")
        assert (unknown.seq, unknown.outcome) == (2, "unknown")
        assert (lookup.seq, lookup.outcome, lookup.po_number) == (3, "not_found", "PO-1")

    def test_each_entry_holds_the_hash_of_the_line_before_and_its_number(self, journal):
        record_some(journal, 4)
        lines = lines_of(journal)
        entries = [json.loads(line) for line in lines]
        assert [e["seq"] for e in entries] == [1, 2, 3, 4]
        assert entries[0]["prev"] == GENESIS
        for before, entry in zip(lines, entries[1:]):
            assert entry["prev"] == hashlib.sha256(before.rstrip(b"\n")).hexdigest()

    def test_the_file_and_its_directory_are_created_private(self, journal):
        assert not journal.path.parent.exists()
        record_some(journal, 1)
        assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(journal.path.parent.stat().st_mode) == 0o700

    def test_a_disk_that_refuses_the_write_raises_a_clear_error(self, tmp_path):
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("x")
        journal = Journal(blocker / "journal.jsonl")
        with pytest.raises(JournalWriteError, match="could not write to the audit journal .*journal.jsonl"):
            record_some(journal, 1)

    def test_a_failed_fsync_is_an_error_not_a_silent_success(self, journal, monkeypatch):
        record_some(journal, 1)

        def broken_fsync(fd):
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(os, "fsync", broken_fsync)
        with pytest.raises(JournalWriteError, match="Input/output error"):
            record_some(journal, 1)

    @pytest.mark.parametrize("asked", [
        {"quantity": 2.5},  # money and seats are never floats
        {"params": {"domain": "acme.com"}},  # only plain values
        {"lines": [1, 2]},
        {"bad key!": 1},
    ])
    def test_an_asked_value_that_is_not_plain_is_refused_and_nothing_is_written(self, journal, asked):
        with pytest.raises(UnsafeEntryError):
            journal.record(action="order.place", outcome="ok", asked=asked)
        assert not journal.path.exists()

    @pytest.mark.parametrize("action, outcome", [("place", "ok"), ("order.place", "OK"), ("order.place", "")])
    def test_a_malformed_action_or_outcome_is_refused(self, journal, action, outcome):
        with pytest.raises(UnsafeEntryError):
            journal.record(action=action, outcome=outcome)

    def test_a_huge_error_text_is_cut_short(self, journal):
        journal.record(action="order.place", outcome="unknown", error="<html>" + "x" * 100_000)
        [entry] = journal.entries()
        assert len(entry.error) == journal_module.MAX_TEXT and entry.error.endswith("…")

    def test_after_a_torn_last_line_new_entries_still_chain_and_the_damage_stays_visible(self, journal):
        record_some(journal, 3)
        lines = lines_of(journal)
        write_lines(journal, lines[:2] + [lines[2][:40]])  # a crash half-way through entry 3
        entry = journal.record(action="order.place", outcome="ok")
        assert entry.seq == 3
        assert [e.seq for e in journal.entries()] == [1, 2, 3]
        result = journal.verify()
        assert [(p.line, p.kind) for p in result.problems] == [(3, "not_json")]
        assert result.lines == 4 and result.entries == 3


class TestVerify:
    """verify() says the chain is intact, or names the first broken line and why."""

    def test_an_intact_journal_verifies_with_its_entry_count(self, journal):
        record_some(journal, 6)
        result = journal.verify()
        assert result.ok and result.first is None
        assert (result.entries, result.lines) == (6, 6)
        assert result.head == hashlib.sha256(lines_of(journal)[-1].rstrip(b"\n")).hexdigest()
        assert "intact: 6 entries" in result.summary()

    def test_a_missing_journal_is_an_empty_intact_one(self, journal):
        result = journal.verify()
        assert result.ok and result.entries == 0 and result.head == GENESIS

    def test_an_edited_entry_is_named(self, journal):
        record_some(journal, 6)
        lines = lines_of(journal)
        lines[2] = lines[2].replace(b'"quantity":3', b'"quantity":30')
        write_lines(journal, lines)
        result = journal.verify()
        assert not result.ok
        assert (result.first.line, result.first.kind) == (3, "edited")
        assert "line 3" in result.summary()

    def test_an_edit_with_its_own_hash_recomputed_is_caught_by_the_next_line(self, journal):
        record_some(journal, 6)
        lines = lines_of(journal)
        forged = json.loads(lines[2])
        forged["asked"]["quantity"] = 30
        lines[2] = reencode(forged) + b"\n"
        write_lines(journal, lines)
        result = journal.verify()
        assert (result.first.line, result.first.kind) == (3, "edited")
        assert "line 4" in result.first.reason

    def test_an_edited_last_entry_is_named(self, journal):
        record_some(journal, 4)
        lines = lines_of(journal)
        lines[3] = lines[3].replace(b'"outcome":"ok"', b'"outcome":"failed"')
        write_lines(journal, lines)
        assert (journal.verify().first.line, journal.verify().first.kind) == (4, "edited")

    @pytest.mark.parametrize("deleted", [0, 2, 3])
    def test_a_deleted_entry_is_named_where_the_gap_shows(self, journal, deleted):
        record_some(journal, 6)
        lines = lines_of(journal)
        del lines[deleted]
        write_lines(journal, lines)
        result = journal.verify()
        assert (result.first.line, result.first.kind) == (deleted + 1, "deleted")
        assert f"entry {deleted + 1} is missing" in result.first.reason
        assert len(result.problems) == 1

    def test_an_entry_copied_into_the_middle_is_named(self, journal):
        record_some(journal, 6)
        lines = lines_of(journal)
        lines.insert(4, lines[1])
        write_lines(journal, lines)
        result = journal.verify()
        assert (result.first.line, result.first.kind) == (5, "inserted")
        assert len(result.problems) == 1

    def test_a_forged_entry_with_a_valid_chain_is_named(self, journal):
        record_some(journal, 6)
        lines = lines_of(journal)
        forged = json.loads(lines[3])  # entry 4, chained to entry 3 exactly as the real one is
        forged["asked"] = {"quantity": 99}
        lines.insert(3, reencode(forged) + b"\n")
        write_lines(journal, lines)
        result = journal.verify()
        assert (result.first.line, result.first.kind) == (4, "inserted")

    def test_a_reordered_pair_is_named(self, journal):
        record_some(journal, 6)
        lines = lines_of(journal)
        lines[2], lines[3] = lines[3], lines[2]
        write_lines(journal, lines)
        result = journal.verify()
        assert (result.first.line, result.first.kind) == (3, "reordered")
        assert [(p.line, p.kind) for p in result.problems] == [(3, "reordered"), (4, "reordered")]

    def test_a_garbage_line_is_named(self, journal):
        record_some(journal, 5)
        lines = lines_of(journal)
        lines.insert(3, b"this is not json\n")
        write_lines(journal, lines)
        result = journal.verify()
        assert [(p.line, p.kind) for p in result.problems] == [(4, "not_json")]

    def test_a_truncated_last_line_is_named(self, journal):
        record_some(journal, 5)
        journal.path.write_bytes(journal.path.read_bytes()[:-30])
        result = journal.verify()
        assert [(p.line, p.kind) for p in result.problems] == [(5, "truncated")]
        assert "line 5" in result.summary()

    def test_a_broken_journal_lists_later_problems_too(self, journal):
        record_some(journal, 8)
        lines = lines_of(journal)
        lines[1] = lines[1].replace(b'"quantity":2', b'"quantity":20')
        del lines[5]
        write_lines(journal, lines)
        result = journal.verify()
        assert [(p.line, p.kind) for p in result.problems] == [(2, "edited"), (6, "deleted")]
        assert "1 more problem" in result.summary()


def reencode(data: dict) -> bytes:
    """A line as a forger who knows the format would write it (own hash recomputed)."""
    body = {k: v for k, v in data.items() if k not in ("seq", "time", "prev", "hash")}
    return encode_line(data["seq"], data["time"], body, data["prev"])


def _append_many(path: str, writer: str, count: int, barrier) -> None:
    journal = Journal(path)
    barrier.wait()
    for n in range(count):
        journal.record(action="subscription.seats", outcome="ok", client=writer, asked={"n": n})


class TestTwoProcesses:
    def test_two_processes_appending_at_once_make_one_intact_chain(self, journal):
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(2)
        workers = [context.Process(target=_append_many, args=(str(journal.path), name, 200, barrier))
                   for name in ("A", "B")]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert [worker.exitcode for worker in workers] == [0, 0]
        result = journal.verify()
        assert result.ok, result.summary()
        assert result.entries == 400
        entries = list(journal.entries())
        assert [e.seq for e in entries] == list(range(1, 401))
        for name in ("A", "B"):
            assert [e.asked["n"] for e in entries if e.client == name] == list(range(200))
        writers = [e.client for e in entries]
        assert sum(a != b for a, b in zip(writers, writers[1:])) > 1, "the two writers never overlapped"


class TestSecrets:
    """Nothing the caller registered as a secret reaches the file, whatever field it hides in."""

    def test_registered_secrets_never_reach_the_file(self, journal):
        journal.register_secrets(PASSWORD, SUBSCRIPTION_KEY)
        journal.record(
            action="order.place", outcome="failed", account="uk-main", customer_name=f"Acme {PASSWORD}",
            client=SUBSCRIPTION_KEY, po_number=PASSWORD,
            asked={"note": PASSWORD, "reference": f"x{SUBSCRIPTION_KEY}y", "domain": quote(PASSWORD, safe="")},
            error=f"401 for user acme.api with key {SUBSCRIPTION_KEY} and password {PASSWORD}",
            correlation_id=PASSWORD, estimate=SUBSCRIPTION_KEY,
        )
        raw = journal.path.read_bytes()
        for secret in (PASSWORD, SUBSCRIPTION_KEY, quote(PASSWORD, safe=""), json.dumps(PASSWORD)[1:-1]):
            assert secret.encode() not in raw
        [entry] = journal.entries()
        assert entry.asked == {"note": "***", "reference": "x***y", "domain": "***"}
        assert entry.error == "401 for user acme.api with key *** and password ***"
        assert (entry.customer_name, entry.client, entry.po_number) == ("Acme ***", "***", "***")

    def test_a_short_secret_is_masked_when_it_is_the_whole_value(self, journal):
        # not hex digits: a short secret made of them could turn up by chance inside a line's hash
        journal.register_secrets("zq~")
        journal.record(action="order.place", outcome="ok", po_number="zq~", asked={"note": "zq~"})
        [entry] = journal.entries()
        assert (entry.po_number, entry.asked["note"]) == ("***", "***")
        assert b"zq~" not in journal.path.read_bytes()

    def test_tokens_are_masked_but_words_about_them_are_kept(self, journal):
        jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJlLWhlcmU"
        journal.record(action="order.place", outcome="failed",
                       error=f"Authorization: Bearer {'Zx9' * 12} rejected; token {jwt}")
        journal.record(action="order.place", outcome="failed", error="Unauthorized: a Bearer token is required")
        first, second = journal.entries()
        assert first.error == "Authorization: *** rejected; token ***"
        assert second.error == "Unauthorized: a Bearer token is required"

    @pytest.mark.parametrize("key", ["password", "Password", "subscriptionKey", "subscription_key", "api_token",
                                     "client-secret", "apikey", "X-Auth", "passwd", "access.token", "key"])
    def test_a_secret_looking_key_is_refused(self, journal, key):
        assert looks_secret(key)
        with pytest.raises(UnsafeEntryError, match="looks like a secret"):
            journal.record(action="order.place", outcome="ok", asked={key: "anything"})
        assert not journal.path.exists()

    @pytest.mark.parametrize("key", ["quantity", "mpn", "po_number", "at_renewal", "monkey", "keyboard_layout",
                                     "term", "billing", "param.domain"])
    def test_ordinary_keys_are_accepted(self, key):
        assert not looks_secret(key)

    def test_a_scrubber_shared_by_journals_masks_what_was_registered_later(self, tmp_path):
        scrubber = SecretScrubber()
        journal = Journal(tmp_path / "j.jsonl", scrubber=scrubber)
        scrubber.register(None, "", PASSWORD)
        journal.record(action="order.place", outcome="failed", error=f"bad {PASSWORD}")
        assert PASSWORD.encode() not in journal.path.read_bytes()


class TestReading:
    """What the journal screen and `imtui journal list` read."""

    @pytest.fixture
    def filled(self, tmp_path) -> Journal:
        start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
        times = iter(start + timedelta(days=n) for n in range(100))
        journal = Journal(tmp_path / "journal.jsonl", clock=lambda: next(times))
        rows = [("uk", "Contoso Ltd", "subscription.seats", "ok"), ("uk", "Fabrikam", "order.place", "failed"),
                ("us", "Contoso Ltd", "subscription.cancel", "refused"), ("us", "Contoso Ltd", "order.place", "ok"),
                ("uk", "Fabrikam", "order.lookup", "found")]
        for account, client, action, outcome in rows:
            journal.record(action=action, outcome=outcome, account=account, client=client)
        return journal

    def test_newest_first_for_the_screen(self, filled):
        assert [e.seq for e in filled.entries(newest_first=True)] == [5, 4, 3, 2, 1]
        assert [e.seq for e in filled.entries()] == [1, 2, 3, 4, 5]

    @pytest.mark.parametrize("where, seqs", [
        (JournalFilter(client="contoso ltd"), [1, 3, 4]),
        (JournalFilter(account="uk"), [1, 2, 5]),
        (JournalFilter(action="order"), [2, 4, 5]),
        (JournalFilter(action="order.place"), [2, 4]),
        (JournalFilter(outcome="ok"), [1, 4]),
        (JournalFilter(client="Contoso Ltd", account="us"), [3, 4]),
        (JournalFilter(since=datetime(2025, 3, 2, tzinfo=UTC), until=datetime(2025, 3, 4, 9, 0, tzinfo=UTC)),
         [2, 3]),
        (JournalFilter(since=datetime(2025, 3, 5)), [5]),  # naive: taken as UTC
    ])
    def test_filters(self, filled, where, seqs):
        assert [e.seq for e in filled.entries(where=where)] == seqs
        assert [e.seq for e in filled.entries(where=where, newest_first=True)] == seqs[::-1]

    def test_broken_lines_are_skipped_when_reading(self, filled):
        lines = lines_of(filled)
        write_lines(filled, lines[:2] + [b"garbage\n"] + lines[2:] + [lines[0][:20]])
        assert [e.seq for e in filled.entries()] == [1, 2, 3, 4, 5]
        assert [e.seq for e in filled.entries(newest_first=True)] == [5, 4, 3, 2, 1]

    def test_reading_backwards_crosses_block_boundaries(self, tmp_path, monkeypatch):
        monkeypatch.setattr("imtui.core.journal_chain._BLOCK", 100)  # lines are ~300 bytes
        journal = Journal(tmp_path / "journal.jsonl")
        record_some(journal, 30)
        assert [e.seq for e in journal.entries(newest_first=True)] == list(range(30, 0, -1))
        assert journal.record(action="order.place", outcome="ok").seq == 31
        assert journal.verify().ok


class TestExport:
    """One client's entries for a customer-facing audit."""

    NAMES = ["=HYPERLINK(\"http://evil\",\"x\")", "+44 Trading", "-minus Ltd", "@SUM(A1)", "Smith, Jones & \"Co\""]

    @pytest.fixture
    def mixed(self, journal) -> Journal:
        journal.record(action="order.place", outcome="ok", client="Contoso Ltd", customer_name="CONTOSO, LTD",
                       asked={"quantity": 5, "mpn": "MS-1"}, estimate="110.00 USD a month",
                       error="first line\nsecond line", po_number="PO-é-1")
        for name in self.NAMES:
            journal.record(action="subscription.seats", outcome="failed", client="Other", customer_name=name,
                           asked={"note": name})
        journal.record(action="subscription.cancel", outcome="refused", client="Contoso Ltd")
        return journal

    def test_csv_of_one_client_parses_back_to_the_same_values(self, mixed):
        text = mixed.export("csv", JournalFilter(client="Contoso Ltd"))
        rows = list(csv.DictReader(io.StringIO(text)))
        assert tuple(rows[0]) == EXPORT_COLUMNS
        entries = list(mixed.entries(where=JournalFilter(client="Contoso Ltd")))
        assert len(rows) == len(entries) == 2
        for row, entry in zip(rows, entries):
            expected = {column: str(getattr(entry, column)) for column in EXPORT_COLUMNS if column != "asked"}
            assert {k: v for k, v in row.items() if k != "asked"} == expected
            assert json.loads(row["asked"]) == entry.asked
        assert rows[0]["error"] == "first line\nsecond line" and rows[0]["po_number"] == "PO-é-1"

    def test_csv_neutralises_formula_looking_values(self, mixed):
        rows = list(csv.DictReader(io.StringIO(mixed.export("csv", JournalFilter(client="Other")))))
        assert [row["customer_name"] for row in rows] == [
            "'=HYPERLINK(\"http://evil\",\"x\")", "'+44 Trading", "'-minus Ltd", "'@SUM(A1)", "Smith, Jones & \"Co\""]
        assert all(not row[c].startswith(("=", "+", "-", "@")) for row in rows for c in EXPORT_COLUMNS)
        assert [json.loads(row["asked"])["note"] for row in rows] == self.NAMES

    def test_json_of_one_client_parses_back(self, mixed):
        data = json.loads(mixed.export("json", JournalFilter(client="Other")))
        assert [item["customer_name"] for item in data] == self.NAMES
        assert data == [entry.to_json() for entry in mixed.entries(where=JournalFilter(client="Other"))]
        assert all(set(EXPORT_COLUMNS) <= set(item) for item in data)
