"""Command groups that several modules fill: ``imtui subscriptions list|show`` (one module) and ``imtui
subscriptions seats|auto-renew|cancel`` (another) share one ``subscriptions`` group.

Every module that adds actions to a group asks :func:`group_actions` for the group's sub-command parser: the
first caller creates the group, later callers get the same one. (argparse refuses a second ``add_parser`` of
the same name, so modules sharing a group must all come through here.)
"""

from __future__ import annotations

import argparse

__all__ = ["group_actions"]


def group_actions(commands: argparse._SubParsersAction, name: str, help: str,
                  common: argparse.ArgumentParser) -> argparse._SubParsersAction:
    """The sub-commands of group ``name`` (``imtui NAME ACTION``), created on first use."""
    group = commands.choices.get(name)
    if group is None:
        group = commands.add_parser(name, help=help, parents=[common])
        return group.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action in group._actions:  # noqa: SLF001 - argparse keeps a group's sub-commands only here
        if isinstance(action, argparse._SubParsersAction):
            return action
    return group.add_subparsers(dest="action", metavar="ACTION", required=True)
