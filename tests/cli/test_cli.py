"""The command line, headless: --help/--version, accounts and mappings against the sandbox over real HTTP."""

from __future__ import annotations

import codecs
import csv
import io
import json
import subprocess
import sys

import keyring.backends.fail
import pytest

from imtui import __version__
from imtui.cli import main
from imtui.core.config import Client, ConfigStore, Mapping
from imtui.core.paths import resolve_paths
from imtui.sandbox import Sandbox
from imtui.sandbox.server import serve, served_base_url


PYDANTIC_WORDS = ("validation error for", "errors.pydantic.dev", "input_value")


@pytest.fixture
def served():
    """The sandbox on 127.0.0.1 (real HTTP, wall clock), and its us-demo account's base URL."""
    sb = Sandbox(seed=7, clock="real")
    server, _ = serve(sb)
    account = sb.account("us-demo")
    yield sb, account, served_base_url(server, account)
    server.shutdown()
    server.server_close()


def run_cli(*args, stdin=""):
    result = subprocess.run(
        [sys.executable, "-m", "imtui.cli", *args], capture_output=True, text=True, input=stdin, timeout=60
    )
    assert not any(word in result.stdout + result.stderr for word in PYDANTIC_WORDS), result
    return result


def test_help_and_version_work_without_textual():
    result = run_cli("--help")
    assert result.returncode == 0
    for word in ("--demo", "--config", "accounts", "mappings", "sandbox"):
        assert word in result.stdout
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"imtui {__version__}"


def add_account(account, url, monkeypatch, name="us-main"):
    prefix = "IMTUI_" + name.upper().replace("-", "_")
    monkeypatch.setenv(f"{prefix}_PASSWORD", account.password)
    monkeypatch.setenv(f"{prefix}_SUBSCRIPTION_KEY", account.subscription_key)
    return main(["accounts", "add", name, "--url", url, "--marketplace", account.marketplace, "--username", account.username])


def test_accounts_add_test_list_remove_with_environment_secrets(served, monkeypatch, capsys):
    sb, account, url = served
    assert add_account(account, url, monkeypatch) == 0
    out = capsys.readouterr().out
    assert "Connected to" in out and "48 customers" in out
    text = resolve_paths().config_file.read_text()
    assert "us-main" in text and account.password not in text and account.subscription_key not in text

    assert main(["accounts", "test", "us-main"]) == 0
    assert "48 customers" in capsys.readouterr().out

    assert main(["accounts", "list"]) == 0
    listed = capsys.readouterr().out
    assert "us-main" in listed and "env" in listed and account.password not in listed

    assert main(["accounts", "remove", "us-main"]) == 0
    assert ConfigStore(resolve_paths().config_file).load().accounts == []


def test_accounts_add_with_a_wrong_password_saves_nothing(served, monkeypatch, capsys):
    sb, account, url = served
    monkeypatch.setenv("IMTUI_US_MAIN_PASSWORD", "wrong-password")
    monkeypatch.setenv("IMTUI_US_MAIN_SUBSCRIPTION_KEY", account.subscription_key)
    code = main(["accounts", "add", "us-main", "--url", url, "--marketplace", "us", "--username", account.username])
    err = capsys.readouterr().err
    assert code == 1
    assert "refused the credentials" in err and "HTTP 401" in err and "Correlation id" in err
    assert "Nothing was saved" in err
    assert not resolve_paths().config_file.exists()


def test_accounts_add_reads_secrets_from_stdin_into_the_keyring(served, memory_keyring, monkeypatch, capsys):
    sb, account, url = served
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{account.password}\n{account.subscription_key}\n"))
    code = main(["accounts", "add", "us-main", "--url", url, "--marketplace", "us", "--username", account.username])
    assert code == 0, capsys.readouterr().err
    assert "OS keyring" in capsys.readouterr().out or memory_keyring.items
    assert account.password in memory_keyring.items.values()
    assert account.password not in resolve_paths().config_file.read_text()


@pytest.fixture
def quick_backoff(monkeypatch):
    """Retries of an unreachable host without the real back-off (the retries themselves still happen)."""
    from imtui.core.api.retry import RetryPolicy

    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, retry, rng: 0.001)


def test_accounts_test_fails_with_a_reason_when_the_host_is_unreachable(monkeypatch, capsys, quick_backoff):
    monkeypatch.setenv("IMTUI_DOWN_PASSWORD", "pw")
    monkeypatch.setenv("IMTUI_DOWN_SUBSCRIPTION_KEY", "0" * 32)
    code = main(
        ["accounts", "add", "down", "--url", "http://127.0.0.1:9/marketplace/na", "--marketplace", "us", "--username", "x.api"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "Could not reach the marketplace" in err and "Nothing was saved" in err


def test_accounts_add_rejects_bad_fields_with_reasons(monkeypatch, capsys):
    code = main(["accounts", "add", "bad name", "--url", "http://example.com/x", "--marketplace", "USA", "--username", "u"])
    err = capsys.readouterr().err
    assert code == 2
    assert "letters, digits" in err and "https" in err and "us" in err


def test_headless_add_without_any_keyring_saves_nothing_and_says_where_to_put_secrets(served, monkeypatch, capsys):
    sb, account, url = served
    import keyring

    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{account.password}\n{account.subscription_key}\n"))
    code = main(["accounts", "add", "us-main", "--url", url, "--marketplace", "us", "--username", account.username])
    err = capsys.readouterr().err
    assert code == 2
    assert "IMTUI_US_MAIN_PASSWORD" in err and "IMTUI_VAULT_PASSPHRASE" in err and "nothing was saved" in err
    assert not resolve_paths().config_file.exists()


def test_headless_add_with_a_vault_passphrase_creates_the_vault(served, monkeypatch, capsys):
    sb, account, url = served
    import keyring

    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setenv("IMTUI_VAULT_PASSPHRASE", "a long vault passphrase")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{account.password}\n{account.subscription_key}\n"))
    code = main(["accounts", "add", "us-main", "--url", url, "--marketplace", "us", "--username", account.username])
    out = capsys.readouterr().out
    assert code == 0 and "Created the encrypted vault" in out and "vault" in out
    vault = resolve_paths().vault_file.read_bytes()
    assert account.password.encode() not in vault
    assert main(["accounts", "test", "us-main"]) == 0  # a later run reads the secrets back from the vault


def test_cli_errors_are_one_line_not_a_traceback(served, monkeypatch, capsys, tmp_path):
    sb, account, url = served
    assert add_account(account, url, monkeypatch) == 0
    capsys.readouterr()
    assert main(["mappings", "export", "-o", str(tmp_path / "missing" / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "x.csv" in err
    excel = tmp_path / "excel.csv"
    excel.write_bytes("account,customer_id,client\nus-main,1000101,Caf\xe9 M\xfcller\n".encode("cp1252"))
    assert main(["mappings", "import", str(excel)]) == 0
    assert ConfigStore(resolve_paths().config_file).load().mapping_for("us-main", "1000101").client == "Café Müller"


def test_mappings_auto_dry_run_then_apply_then_export_and_import(served, monkeypatch, capsys, tmp_path):
    sb, account, url = served
    assert add_account(account, url, monkeypatch) == 0
    names = [c["name"] for c in sb.state.account("us-demo").customers.values()]
    store = ConfigStore(resolve_paths().config_file)
    config = store.load()
    config.clients = [Client(name=names[5].upper()), Client(name=names[7])]
    store.save(config)
    capsys.readouterr()

    assert main(["mappings", "auto", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing was changed." in out and names[7] in out
    assert ConfigStore(resolve_paths().config_file).load().mappings == []

    assert main(["mappings", "auto"]) == 0
    saved = ConfigStore(resolve_paths().config_file).load().mappings
    assert {(m.customer_name, m.how) for m in saved} >= {(names[7], "exact")}

    target = tmp_path / "map.csv"
    assert main(["mappings", "export", "--format", "csv", "--output", str(target)]) == 0
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == len(names)
    assert {r["how"] for r in rows} >= {"exact", "unmapped"}

    capsys.readouterr()
    assert main(["mappings", "export", "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert len(exported) == len(names)

    first_unmapped = next(r for r in rows if r["how"] == "unmapped")
    edit = tmp_path / "edit.csv"
    edit.write_text(
        "account,customer_id,customer_name,client,how\n"
        f"us-main,{first_unmapped['customer_id']},{first_unmapped['customer_name']},Brand New Client,manual\n"
        "nowhere,1,X,Y,manual\n"
    )
    assert main(["mappings", "import", str(edit)]) == 2  # one bad row: reported, the rest applied
    err = capsys.readouterr().err
    assert "edit.csv line 3" in err and "no account called nowhere" in err
    config = ConfigStore(resolve_paths().config_file).load()
    assert config.mapping_for("us-main", first_unmapped["customer_id"]).client == "Brand New Client"
    assert config.client("Brand New Client") is not None


def test_sandbox_serve_answers_curl_for_a_token_and_customers(tmp_path):
    """`imtui sandbox serve` as a user starts it: prints its credentials, then answers plain HTTP."""
    import httpx

    process = subprocess.Popen(
        [sys.executable, "-m", "imtui.cli", "sandbox", "serve", "--port", "0", "--customers", "12"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines = []
        while not any("subscription key" in line.lower() for line in lines):
            line = process.stdout.readline()
            assert line, "serve exited: " + "".join(lines)
            lines.append(line)
        text = "".join(lines)
        def value(label):
            line = next(item for item in lines if item.strip().lower().startswith(label))
            return line.strip()[len(label):].strip()

        base_url = value("base url")
        auth = (value("username"), value("password"))
        key = value("subscription key")
        market = value("marketplace")
        token = httpx.post(f"{base_url}/token", auth=auth, headers={"X-Subscription-Key": key}, json={"marketplace": market})
        assert token.status_code == 200 and token.headers["X-Correlation-ID"]
        bearer = token.json()["token"]
        customers = httpx.get(
            f"{base_url}/customers", headers={"Authorization": f"Bearer {bearer}", "X-Subscription-Key": key}
        )
        body = customers.json()
        assert customers.status_code == 200 and body["pagination"]["total"] == 12 and len(body["data"]) == 10
    finally:
        process.terminate()
        process.wait(timeout=10)


# ------------------------------------------------------------------ issue 8: headless hardening



def error_lines(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "expected an error"
    assert all(line.startswith("imtui:") for line in lines), lines
    assert not any(word in text for word in PYDANTIC_WORDS), text
    return lines


def test_mappings_import_refuses_customers_the_account_does_not_have(served, monkeypatch, capsys, tmp_path):
    sb, account, url = served
    assert add_account(account, url, monkeypatch) == 0
    ids = list(sb.state.account("us-demo").customers)
    edit = tmp_path / "edit.csv"
    edit.write_text(
        "account,customer_id,client,how\n"
        "us-main,9999999,Ghost Client,manual\n"
        f"us-main,{ids[0]},Real Client,manual\n"
        "us-main,abc,Other Ghost,manual\n"
        f"us-main,{ids[1]},,unmapped\n"
    )
    capsys.readouterr()
    assert main(["mappings", "import", str(edit)]) == 2
    out, err = capsys.readouterr()
    assert error_lines(err) == [
        "imtui: edit.csv line 2: us-main has no customer 9999999 (skipped)",
        "imtui: edit.csv line 4: us-main has no customer abc (skipped)",
    ]
    assert f"Imported {edit}: 1 added, 0 changed, 0 cleared, 1 unchanged; 1 new client; 2 row(s) skipped." in out
    config = ConfigStore(resolve_paths().config_file).load()
    assert [c.name for c in config.clients] == ["Real Client"]
    assert [(m.customer_id, m.client) for m in config.mappings] == [(ids[0], "Real Client")]

    # the same file again: nothing new
    assert main(["mappings", "import", str(edit)]) == 2
    assert "0 added, 0 changed, 0 cleared, 2 unchanged" in capsys.readouterr().out


def test_json_mapping_import_names_items_in_order(served, monkeypatch, capsys, tmp_path):
    sb, account, url = served
    assert add_account(account, url, monkeypatch) == 0
    first = next(iter(sb.state.account("us-demo").customers))
    edit = tmp_path / "edit.json"
    edit.write_text(json.dumps([
        {"account": "us-main", "customer_id": "123", "client": "A"},
        "junk",
        {"account": "us-main", "customer_id": first, "client": "B", "how": "guessed"},
        {"account": "us-main", "customer_id": first, "client": "C"},
    ]))
    capsys.readouterr()
    assert main(["mappings", "import", str(edit)]) == 2
    out, err = capsys.readouterr()
    assert error_lines(err) == [
        "imtui: edit.json item 1: us-main has no customer 123 (skipped)",
        "imtui: edit.json item 2: not an object (skipped)",
        "imtui: edit.json item 3: The mapping 'how' must be 'exact', 'normalised', 'manual' or 'ignored' (skipped)",
        f"imtui: edit.json item 4: customer {first} of us-main is already on item 3 (skipped)",
    ]
    assert "0 added" in out


def test_export_into_a_pipe_closed_early_exits_quietly(served, monkeypatch, tmp_path):
    sb, account, url = served
    assert add_account(account, url, monkeypatch) == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "imtui.cli", "mappings", "export"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    process.stdout.close()  # as `| head` does once it has read enough: every write now fails
    err = process.stderr.read()
    assert process.wait(timeout=60) == 0
    assert err == ""


def test_accounts_list_has_a_header_row_and_config_works_after_the_command(served, monkeypatch, capsys, tmp_path):
    sb, account, url = served
    home = tmp_path / "elsewhere"
    monkeypatch.setenv("IMTUI_US_MAIN_PASSWORD", account.password)
    monkeypatch.setenv("IMTUI_US_MAIN_SUBSCRIPTION_KEY", account.subscription_key)
    add = ["accounts", "add", "us-main", "--url", url, "--marketplace", "us", "--username", account.username]
    assert main([*add, "--config", str(home)]) == 0
    assert not resolve_paths().config_file.exists()  # not the default place
    capsys.readouterr()
    for argv in (["accounts", "list", "--config", str(home)], ["--config", str(home), "accounts", "list"]):
        assert main(argv) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0].split("\t") == ["NAME", "MARKETPLACE", "API URL", "USERNAME", "SECRETS", "MODE"]
        assert lines[1].split("\t") == ["us-main", "us", url, account.username, "env", "buying"]


def test_every_error_line_starts_with_imtui(served, monkeypatch, tmp_path):
    sb, account, url = served
    monkeypatch.setenv("IMTUI_US_MAIN_PASSWORD", "wrong")
    monkeypatch.setenv("IMTUI_US_MAIN_SUBSCRIPTION_KEY", account.subscription_key)
    failures = [
        run_cli("accounts", "add", "us-main", "--url", url, "--marketplace", "us", "--username", "northwind"),  # 401, a hint
        run_cli("accounts", "frobnicate"),
        run_cli("accounts", "add", "x"),  # missing flags
        run_cli("mappings", "import", str(tmp_path / "missing.csv")),
        run_cli("accounts", "test", "nobody"),
        run_cli("mappings", "export", "--format", "xml"),
    ]
    for result in failures:
        assert result.returncode in (1, 2), result
        error_lines(result.stderr)
        assert "Traceback" not in result.stderr and "usage:" not in result.stderr
    assert "Correlation id" in failures[0].stderr and "hint: API usernames usually end in .api" in failures[0].stderr


def test_number_flags_are_read_like_the_form_reads_them(served, monkeypatch, capsys):
    sb, account, url = served
    monkeypatch.setenv("IMTUI_US_MAIN_PASSWORD", account.password)
    monkeypatch.setenv("IMTUI_US_MAIN_SUBSCRIPTION_KEY", account.subscription_key)
    add = ["accounts", "add", "us-main", "--url", url, "--marketplace", "us", "--username", account.username]
    for flags, words in (
        (["--max-seats", "²"], "'²' is not one of them"),
        (["--max-total", "inf"], "'inf' is not a finite number"),
        (["--markup", "nan"], "'nan' is not a finite number"),
        (["--max-total", "1,5"], "use a point for decimals"),
    ):
        assert main([*add, *flags]) == 2
        err = capsys.readouterr().err
        assert words in error_lines(err)[0]
    assert not resolve_paths().config_file.exists()
    assert main([*add, "--max-seats", "1,000", "--max-total", "1 000.50", "--markup", "12.5"]) == 0
    saved = ConfigStore(resolve_paths().config_file).load().account("us-main")
    assert (saved.max_seats_per_order, str(saved.max_order_total), str(saved.markup_percent)) == (1000, "1000.50", "12.5")


def vault_account(account, url, monkeypatch, capsys):
    """us-main with its secrets in a vault created headless (no keyring), then the environment cleared."""
    import keyring

    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setenv("IMTUI_VAULT_PASSPHRASE", "a long vault passphrase")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{account.password}\n{account.subscription_key}\n"))
    assert main(["accounts", "add", "us-main", "--url", url, "--marketplace", "us", "--username", account.username]) == 0
    monkeypatch.delenv("IMTUI_VAULT_PASSPHRASE")
    capsys.readouterr()


def test_a_locked_vault_is_named_headless(served, monkeypatch, capsys):
    sb, account, url = served
    vault_account(account, url, monkeypatch, capsys)
    vault = resolve_paths().vault_file

    assert main(["accounts", "list"]) == 0
    assert "\tvault locked\t" in capsys.readouterr().out
    assert main(["accounts", "test", "us-main"]) == 2
    err = capsys.readouterr().err
    assert error_lines(err) == [
        f"imtui: The secrets of us-main may be in the vault {vault}, which is locked: set IMTUI_VAULT_PASSPHRASE "
        "to its passphrase, or set IMTUI_US_MAIN_PASSWORD and IMTUI_US_MAIN_SUBSCRIPTION_KEY."
    ]
    monkeypatch.setenv("IMTUI_VAULT_PASSPHRASE", "not the passphrase")
    assert main(["mappings", "export"]) == 1  # the account's customers could not be loaded
    err = capsys.readouterr().err
    assert f"IMTUI_VAULT_PASSPHRASE does not open the vault {vault}" in err
    monkeypatch.setenv("IMTUI_VAULT_PASSPHRASE", "a long vault passphrase")
    assert main(["accounts", "test", "us-main"]) == 0


def test_the_environments_password_alone_overrides_the_vaults(served, monkeypatch, capsys):
    sb, account, url = served
    vault_account(account, url, monkeypatch, capsys)
    monkeypatch.setenv("IMTUI_VAULT_PASSPHRASE", "a long vault passphrase")
    monkeypatch.setenv("IMTUI_US_MAIN_PASSWORD", "rotated-but-not-at-ingram")
    assert main(["accounts", "test", "us-main"]) == 1  # the environment's password was sent (with the vault's key)
    assert "refused the credentials" in capsys.readouterr().err
    assert main(["accounts", "list"]) == 0
    assert "\tenv+vault\t" in capsys.readouterr().out
    monkeypatch.setenv("IMTUI_US_MAIN_PASSWORD", account.password)
    assert main(["accounts", "test", "us-main"]) == 0


def test_a_failed_headless_add_creates_no_vault(served, monkeypatch, capsys, quick_backoff):
    sb, account, url = served
    import keyring

    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setenv("IMTUI_VAULT_PASSPHRASE", "a long vault passphrase")
    add = ["accounts", "add", "us-main", "--url", url, "--marketplace", "us", "--username", account.username]
    monkeypatch.setattr("sys.stdin", io.StringIO(f"wrong-password\n{account.subscription_key}\n"))
    assert main(add) == 1
    assert "Nothing was saved" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{account.password}\n{account.subscription_key}\n"))
    assert main([*add, "--url", "http://127.0.0.1:9/marketplace/na"]) == 1  # unreachable
    monkeypatch.setenv("IMTUI_VAULT_PASSPHRASE", "short")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{account.password}\n{account.subscription_key}\n"))
    assert main(add) == 2
    assert "too short" in capsys.readouterr().err
    paths = resolve_paths()
    assert not paths.vault_file.exists() and not paths.config_file.exists()


def test_clients_import_says_which_rows_matched_existing_clients(monkeypatch, capsys, tmp_path):
    store = ConfigStore(resolve_paths().config_file)
    config = store.load()
    config.clients = [Client(name="Alpha Ltd")]
    store.save(config)
    psa = tmp_path / "psa.txt"
    psa.write_bytes(codecs.BOM_UTF16_LE + "Company\nALPHA LIMITED\nBäckerei Zoë\n".encode("utf-16-le"))
    assert main(["clients", "import", str(psa)]) == 0
    out = capsys.readouterr().out
    assert "1 client(s) added" in out and "line 2: ALPHA LIMITED is the same after normalising as Alpha Ltd" in out
    assert [c.name for c in ConfigStore(resolve_paths().config_file).load().clients] == ["Alpha Ltd", "Bäckerei Zoë"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _fail_first_customer_list(sb) -> None:
    """The served sandbox answers the next GET /customers with a 503 (once): the client retries it."""
    from imtui.sandbox import SandboxResponse

    handle = sb.handle
    armed = [True]

    def flaky(method, url_path, *args, **kwargs):
        if armed[0] and method == "GET" and url_path.split("?")[0].endswith("/customers"):
            armed[0] = False
            return SandboxResponse(503, {"Content-Type": "application/json"}, b'{"message": "Service Unavailable"}')
        return handle(method, url_path, *args, **kwargs)

    sb.handle = flaky


@pytest.mark.parametrize("terminal", [True, False], ids=["stderr-a-terminal", "stderr-a-pipe"])
def test_retries_are_said_on_a_terminal_and_not_in_a_pipe(served, monkeypatch, capsys, terminal):
    sb, account, url = served
    assert add_account(account, url, monkeypatch) == 0
    capsys.readouterr()
    _fail_first_customer_list(sb)
    stderr = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["accounts", "test", "us-main"]) == 0  # the retry went through: no failure
    assert "48 customers" in capsys.readouterr().out
    lines = stderr.getvalue().splitlines()
    if terminal:
        assert len(lines) == 1 and lines[0].startswith("imtui: GET /customers: retrying after HTTP 503 (1 of 10) in ")
    else:
        assert lines == []
