"""``imtui accounts list|add|test|remove``: marketplace accounts, headless. ``add`` is the account
form's own flow (``services.accounts.save``): the same rules, the same test, the same words."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, TextIO

from imtui.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error, hint, say, write_table
from imtui.cli.session import headless

if TYPE_CHECKING:
    from imtui.core.secrets import AccountSecrets
    from imtui.core.services import Services


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("accounts", help="marketplace accounts (headless)", parents=[common])
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="list configured accounts", parents=[common]).set_defaults(handler=list_accounts)
    add = actions.add_parser(
        "add",
        help="add an account; secrets come from IMTUI_<NAME>_PASSWORD / IMTUI_<NAME>_SUBSCRIPTION_KEY or stdin",
        parents=[common],
    )
    add.add_argument("name")
    add.add_argument("--url", required=True, help="API URL, e.g. https://api.cloud.im/marketplace/eu")
    add.add_argument("--marketplace", required=True, help="marketplace code, e.g. uk")
    add.add_argument("--username", required=True, help="API username (usually ends in .api)")
    add.add_argument("--read-only", action="store_true", help="never place orders from this account")
    add.add_argument("--max-seats", metavar="N", default="", help="most seats one order may add (default: no limit)")
    add.add_argument("--max-total", metavar="AMOUNT", default="", help="largest order total (default: no limit)")
    add.add_argument("--markup", metavar="PERCENT", default="", help="markup on cost, in percent, e.g. 15")
    add.add_argument("--no-test", action="store_true", help="save without testing the connection first")
    add.set_defaults(handler=add_account)
    test = actions.add_parser("test", help="log in and read one customer page", parents=[common])
    test.add_argument("name")
    test.set_defaults(handler=test_account)
    remove = actions.add_parser("remove", help="remove an account and its secrets", parents=[common])
    remove.add_argument("name")
    remove.set_defaults(handler=remove_account)


def list_accounts(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        if not services.config.accounts:
            say("No accounts yet. Add one with `imtui accounts add` or in the app (imtui, F1).")
            return EXIT_OK
        rows = []
        locked = services.secrets.vault_exists and not services.secrets.vault_unlocked
        for account in services.config.accounts:
            found = services.secrets.get(account.name)
            where = found.source if found else "vault locked" if locked else "missing"
            mode = "read-only" if account.read_only else "buying"
            rows.append((account.name, account.marketplace, account.api_url, account.username, where, mode))
        write_table(("NAME", "MARKETPLACE", "API URL", "USERNAME", "SECRETS", "MODE"), rows)
        return EXIT_OK

    return headless(args, work)


def read_secrets(name: str, stdin: TextIO) -> AccountSecrets | None:
    """Secrets for ``accounts add``: None when both environment variables are set (read at every run,
    nothing to store), else two lines on standard input (or typed, unseen, at a terminal)."""
    from imtui.core.errors import ServiceError
    from imtui.core.secrets import AccountSecrets, env_var_names

    password_var, key_var = env_var_names(name)
    if os.environ.get(password_var) and os.environ.get(key_var):
        return None
    if stdin.isatty():
        import getpass  # only here: it costs the app's start-up 2 ms

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


def add_account(args: argparse.Namespace) -> int:
    from imtui.core.services import AccountInput

    typed = AccountInput(
        name=args.name, api_url=args.url, marketplace=args.marketplace, username=args.username,
        read_only=args.read_only, max_seats=args.max_seats, max_total=args.max_total, markup=args.markup,
    )

    async def work(services: Services) -> int:
        problems = services.accounts.problems(typed)
        if problems:  # before asking for secrets
            for problem in problems.values():
                error(problem)
            return EXIT_USAGE
        for advice in services.accounts.hints(typed):
            hint(advice)
        outcome = await services.accounts.save(typed, read_secrets(args.name, sys.stdin), test=not args.no_test)
        if outcome.problems:
            for problem in outcome.problems.values():
                error(problem)
            return EXIT_USAGE
        if not outcome.saved:
            for line in outcome.lines():
                error(line)
            return EXIT_FAILED
        for line in outcome.lines():
            say(line)
        return EXIT_OK

    return headless(args, work)


def test_account(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        account = services.config.account(args.name)
        if account is None:
            error(f"there is no account called {args.name}; see `imtui accounts list`.")
            return EXIT_USAGE
        report = await services.accounts.test(account, services.accounts.secrets_for(account.name))
        if not report.ok:
            error(report.text)
            return EXIT_FAILED
        say(report.text)
        return EXIT_OK

    return headless(args, work)


def remove_account(args: argparse.Namespace) -> int:
    from imtui.core.secrets import env_var_names

    async def work(services: Services) -> int:
        if services.config.account(args.name) is None:
            error(f"there is no account called {args.name}.")
            return EXIT_USAGE
        removed = services.accounts.remove(args.name)
        say(f"Removed {args.name}, its secrets and {removed} mapping(s).")
        if services.secrets.env_vars_present(args.name):
            say(f"Note: {' and '.join(env_var_names(args.name))} are still set in your environment.")
        return EXIT_OK

    return headless(args, work)
