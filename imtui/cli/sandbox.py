"""``imtui sandbox serve``: the built-in fake Marketplace API over HTTP (its flags are the sandbox's own)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("sandbox", help="the built-in fake Marketplace API")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = actions.add_parser("serve", help="serve the sandbox over HTTP on loopback", add_help=False, prefix_chars="\0")
    serve.add_argument("rest", nargs=argparse.REMAINDER)
    serve.set_defaults(handler=serve_sandbox)


def serve_sandbox(args: argparse.Namespace) -> int:
    from imtui.sandbox.server import main_serve

    return main_serve(args.rest)
