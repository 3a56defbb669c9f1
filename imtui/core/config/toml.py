"""config.toml as text: written with ``tomli_w`` (one ``[[table]]`` per item, easy to edit by hand), read
with :mod:`tomllib`; a file the model refuses is reported with its line and the field, in words."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from imtui.core.config.errors import ConfigError
from imtui.core.config.models import Config

__all__ = ["dump_config", "parse_config"]

_FILE_HEADER = (
    "# imtui configuration, written by imtui. You may edit it by hand while imtui is closed;\n"
    "# the previous version is kept beside it as config.toml.bak.\n"
    "# Passwords and subscription keys never go here: imtui keeps them in the OS keyring, its encrypted\n"
    "# vault, or reads them from IMTUI_<ACCOUNT>_PASSWORD / IMTUI_<ACCOUNT>_SUBSCRIPTION_KEY.\n\n"
)


def _toml_safe(value: Any) -> Any:
    """Drop None (TOML has no null) and write Decimals as strings (exact, unlike floats)."""
    if isinstance(value, dict):
        return {k: _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_safe(v) for v in value if v is not None]
    if isinstance(value, Decimal):
        return str(value)
    return value


def dump_config(config: Config) -> str:
    """The TOML text of ``config`` (with a short header comment)."""
    data = _toml_safe(config.model_dump(mode="python", exclude_none=True))
    tables = {key: data.pop(key) for key in ("accounts", "clients", "mappings", "price_overrides")}
    parts = [_FILE_HEADER, tomli_w.dumps(data)]
    # Always one [[table]] per item (tomli-w would write short ones inline): easier to read and edit.
    for key, items in tables.items():
        for item in items:
            parts.append(f"\n[[{key}]]\n{tomli_w.dumps(item)}")
    return "".join(parts)


_TOML_POSITION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END_RE = re.compile(r"\s*\(at end of document\)\s*$")


def parse_config(text: str, path: Path | str = "config.toml") -> Config:
    """Parse TOML ``text`` into a :class:`Config`, or raise :class:`ConfigError` naming the line."""
    path = Path(path)
    problem: ConfigError | None = None
    data: dict[str, Any] = {}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line: int | None = None
        match = _TOML_POSITION_RE.search(message)
        if match:
            line = int(match.group(1))
            message = message[: match.start()]
        elif _TOML_END_RE.search(message):
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
            message = _TOML_END_RE.sub("", message)
        problem = ConfigError(path, line, f"{message} (this is not valid TOML)")
    if problem is not None:
        # Raised outside the except block, so no traceback carries the file's content.
        raise problem

    errors: list[dict[str, Any]] = []
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        errors = [dict(e) for e in exc.errors(include_url=False, include_input=False)]
    raise _schema_error(path, text, data, errors)


def _schema_error(path: Path, text: str, data: dict[str, Any], errors: list[dict[str, Any]]) -> ConfigError:
    error = errors[0]
    loc: list[str | int] = list(error.get("loc", ()))
    ctx = error.get("ctx") or {}
    if "index" in ctx and isinstance(ctx["index"], int):
        loc.append(ctx["index"])
    if "key" in ctx and isinstance(ctx["key"], str):
        loc.append(ctx["key"])
    message = str(error.get("msg", "invalid value"))
    message = re.sub(r"^(Value|Assertion) error, ", "", message)
    if error.get("type") == "extra_forbidden":
        message = "imtui does not know this setting (a typo?)"
    elif error.get("type") == "missing":
        message = "this setting is required"
    reason = f"{_describe(loc, data)}: {message}"
    if len(errors) > 1:
        more = len(errors) - 1
        reason += f" (and {more} more problem{'s' if more > 1 else ''})"
    field = ".".join(str(part) for part in loc) or None
    return ConfigError(path, _locate(text, loc), reason, field)


_TABLE_KIND = {"accounts": "account", "clients": "client", "mappings": "mapping", "price_overrides": "price override"}


def _describe(loc: Sequence[str | int], data: dict[str, Any]) -> str:
    """Words for a place in the config, e.g. "account 'uk-main', field 'password'"."""
    if not loc:
        return "the file"
    head = loc[0]
    if head in _TABLE_KIND and len(loc) >= 2 and isinstance(loc[1], int):
        index = loc[1]
        items = data.get(head)
        item = items[index] if isinstance(items, list) and index < len(items) else None
        label = f"{_TABLE_KIND[head]} #{index + 1}"
        if isinstance(item, dict):
            if head == "mappings" and item.get("customer_id") is not None:
                label = f"mapping of customer {str(item['customer_id'])!r}"
            elif isinstance(item.get("name"), str):
                label = f"{_TABLE_KIND[head]} {item['name']!r}"
        rest = [str(p) for p in loc[2:]]
        return f"{label}, field {'.'.join(rest)!r}" if rest else label
    return f"field {'.'.join(str(p) for p in loc)!r}"


_ARRAY_HEADER_RE = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE_HEADER_RE = re.compile(r"^\s*\[\s*([^\]\[]+?)\s*\]")
_KEY_RE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def _locate(text: str, loc: Sequence[str | int]) -> int | None:
    """Best-effort line (1-based) of ``loc`` in TOML ``text``; None if it cannot be found."""
    # Each line gets the table it is in: () at the top, ("preferences",) or ("accounts", 0) ...
    contexts: dict[tuple[str | int, ...], int] = {(): 0}
    keys: dict[tuple[str | int, ...], int] = {}
    counts: dict[str, int] = {}
    current: tuple[str | int, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _ARRAY_HEADER_RE.match(line):
            name = match.group(1).strip().strip("\"'")
            index = counts.get(name, 0)
            counts[name] = index + 1
            current = (*name.split("."), index)
            contexts.setdefault(current, number)
            contexts.setdefault(tuple(name.split(".")), number)
            continue
        if match := _TABLE_HEADER_RE.match(line):
            current = tuple(match.group(1).strip().strip("\"'").split("."))
            contexts.setdefault(current, number)
            continue
        if match := _KEY_RE.match(line):
            key = match.group(1).strip("\"'")
            keys.setdefault((*current, key), number)
    for end in range(len(loc), 0, -1):
        prefix = tuple(loc[:end])
        if prefix in keys:
            return keys[prefix]
        if prefix in contexts and contexts[prefix]:
            return contexts[prefix]
    return None


