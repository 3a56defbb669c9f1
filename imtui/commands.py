"""Headless sub-commands: ``imtui accounts ...`` and ``imtui mappings ...``.

They call ``imtui.core.services`` exactly as the UI does; they never import Textual. Exit codes: 0 done,
1 the marketplace refused or could not be reached, 2 bad input (including rows skipped on import), a
broken config, or nowhere to keep secrets.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import getpass
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from imtui.core import accounts as rules
from imtui.core.config import AccountConfig, ConfigError
from imtui.core.secrets import VAULT_ENV_VAR, AccountSecrets, SecretStoreError, env_var_names
from imtui.core.api import ApiError
from imtui.core.services import (
    MAPPING_COLUMNS,
    CustomerRow,
    ServiceError,
    Services,
    mapping_table,
    parse_mapping_rows,
)


def _err(message: str) -> None:
    print(f"imtui: {message}", file=sys.stderr)


def _open(args: argparse.Namespace) -> Services | None:
    try:
        return Services.open(getattr(args, "config", None))
    except ConfigError as exc:
        _err(str(exc))
        return None


def _read_secrets(name: str, stdin: TextIO) -> AccountSecrets | None:
    """Secrets for ``accounts add``: the environment first, then standard input (two lines)."""
    password_var, key_var = env_var_names(name)
    if os.environ.get(password_var) and os.environ.get(key_var):
        return None  # read from the environment at every run; nothing to store
    if stdin.isatty():
        password = getpass.getpass("Password: ")
        key = getpass.getpass("Subscription key: ")
    else:
        lines = stdin.read().splitlines()
        password, key = (lines + ["", ""])[:2]
    password, key = password.strip(), key.strip()
    if not password or not key:
        raise ServiceError(
            f"Give the password and subscription key: set {password_var} and {key_var}, or pipe them in as two "
            "lines (password, then key) on standard input."
        )
    return AccountSecrets(password=password, subscription_key=key)


def _guarded(run) -> int:
    """Run a command; every failure a user can meet becomes one line and an exit code, never a traceback."""
    try:
        return run()
    except ApiError as exc:
        _err(str(exc))
        return 1
    except (ServiceError, ConfigError, SecretStoreError) as exc:
        _err(str(exc))
        return 2
    except (OSError, UnicodeError, ValueError) as exc:
        _err(f"{exc.strerror or exc}: {exc.filename}" if isinstance(exc, OSError) and exc.filename else str(exc))
        return 2


def accounts_command(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    services = _open(args)
    if services is None:
        return 2
    return _guarded(lambda: asyncio.run(_accounts(services, args, stdin or sys.stdin)))


async def _accounts(services: Services, args: argparse.Namespace, stdin: TextIO) -> int:
    try:
        action = args.accounts_command
        if action == "list":
            if not services.config.accounts:
                print("No accounts yet. Add one with `imtui accounts add` or in the app (imtui, key 1).")
            for account in services.config.accounts:
                found = services.secrets.get(account.name)
                where = found.source if found else "secrets missing"
                mode = "read-only" if account.read_only else "buying"
                print(f"{account.name}\t{account.marketplace}\t{account.api_url}\t{account.username}\t{where}\t{mode}")
            return 0
        if action == "add":
            return await _add(services, args, stdin)
        if action == "test":
            account = services.config.account(args.name)
            if account is None:
                _err(f"there is no account called {args.name}; see `imtui accounts list`.")
                return 2
            found = services.secrets.get(account.name)
            if found is None:
                password_var, key_var = env_var_names(account.name)
                _err(f"no password and subscription key stored for {account.name}; set {password_var} and {key_var}.")
                return 2
            report = await services.test_connection(account, found.secrets)
            print(report.text, file=sys.stdout if report.ok else sys.stderr)
            return 0 if report.ok else 1
        if action == "remove":
            if services.config.account(args.name) is None:
                _err(f"there is no account called {args.name}.")
                return 2
            removed = services.remove_account(args.name)
            print(f"Removed {args.name}, its secrets and {removed} mapping(s).")
            password_var, key_var = env_var_names(args.name)
            if services.secrets.env_vars_present(args.name):
                print(f"Note: {password_var}/{key_var} are still set in your environment.")
            return 0
        raise ServiceError(f"unknown action {action}")
    finally:
        await services.aclose()


async def _add(services: Services, args: argparse.Namespace, stdin: TextIO) -> int:
    taken = {a.name for a in services.config.accounts}
    problems = [
        p
        for p in (
            rules.check_name(args.name, taken),
            rules.check_api_url(args.url),
            rules.check_marketplace(args.marketplace),
            rules.check_username(args.username),
        )
        if p
    ]
    if problems:
        for problem in problems:
            _err(problem)
        return 2
    for hint in (rules.marketplace_hint(args.marketplace), rules.username_hint(args.username)):
        if hint:
            print(f"hint: {hint}", file=sys.stderr)
    account = AccountConfig(
        name=args.name,
        api_url=args.url.strip().rstrip("/"),
        marketplace=args.marketplace.strip(),
        username=args.username.strip(),
        read_only=args.read_only,
    )
    secrets = _read_secrets(args.name, stdin)
    if secrets is not None and not services.secrets.can_persist():
        passphrase = os.environ.get(VAULT_ENV_VAR, "")
        if passphrase and not services.secrets.vault_exists:
            services.open_vault(passphrase, create=True)
            print(f"Created the encrypted vault {services.paths.vault_file} with {VAULT_ENV_VAR}.")
        else:
            password_var, key_var = env_var_names(args.name)
            raise ServiceError(
                "There is no OS keyring or unlocked vault to keep the secrets, so nothing was saved. Set "
                f"{password_var} and {key_var} instead, or set {VAULT_ENV_VAR} to create or open an encrypted "
                "vault, or add the account in the app (key 1) and create the vault there (ctrl+v)."
            )
    if not args.no_test:
        effective = secrets
        if effective is None:
            found = services.secrets.get(args.name)
            effective = found.secrets if found else None
        if effective is None:
            raise ServiceError("no secrets to test with")
        report = await services.test_connection(account, effective)
        if not report.ok:
            _err(report.text)
            _err("Nothing was saved.")
            return 1
        print(report.text)
    where = services.save_account(account, secrets)
    if secrets is None:
        print(f"Saved {account.name}; its secrets are read from the environment ({', '.join(env_var_names(account.name))}).")
    else:
        print(f"Saved {account.name}; its secrets are in the {where}.")
    return 0


def mappings_command(args: argparse.Namespace) -> int:
    services = _open(args)
    if services is None:
        return 2
    return _guarded(lambda: asyncio.run(_mappings(services, args)))


async def _load_rows(services: Services) -> tuple[list[CustomerRow], list[str]]:
    rows, failed = await services.load_all_customers()
    for name, exc in failed.items():
        _err(f"customers of {name} could not be loaded: {exc}")
    return rows, list(failed)


async def _mappings(services: Services, args: argparse.Namespace) -> int:
    try:
        action = args.mappings_command
        if action == "export":
            rows, failed = await _load_rows(services)
            table = mapping_table(services.config, rows)
            out = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
            try:
                if args.format == "json":
                    json.dump(table, out, indent=2, ensure_ascii=False)
                    out.write("\n")
                else:
                    writer = csv.DictWriter(out, fieldnames=MAPPING_COLUMNS, lineterminator="\n")
                    writer.writeheader()
                    writer.writerows(table)
            finally:
                if out is not sys.stdout:
                    out.close()
            return 1 if failed else 0
        if action == "import":
            path = Path(args.file)
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                text = path.read_bytes().decode("cp1252", errors="replace")  # saved from Excel on Windows
            except OSError as exc:
                _err(f"could not read {path}: {exc.strerror}")
                return 2
            rows, errors = parse_mapping_rows(text, json_format=path.suffix.lower() == ".json")
            changed, more = services.mappings.import_mappings(rows)
            for error in [*errors, *more]:
                _err(f"{path.name} line {error.line}: {error.reason} (skipped)")
            print(f"Imported {changed} mapping(s) from {path}.")
            return 0 if not (errors or more) else 2
        if action == "auto":
            rows, failed = await _load_rows(services)
            plan = services.mappings.plan_auto(rows)
            print(plan.summary())
            for planned in plan.to_apply:
                print(f"  map  {planned.customer.account}/{planned.customer.customer_id}  {planned.customer.name}  ->  {planned.client}  ({planned.how})")
            for conflict in plan.conflicts:
                print(f"  ask  {conflict.customer.account}/{conflict.customer.customer_id}  {conflict.customer.name}: {conflict.reason}")
            if args.dry_run:
                print("Dry run: nothing was changed.")
            else:
                added = services.mappings.apply_auto(plan)
                print(f"Mapped {added} customer(s).")
            return 1 if failed else 0
        raise ServiceError(f"unknown action {action}")
    finally:
        await services.aclose()
