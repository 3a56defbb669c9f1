"""Errors of the config: a file that cannot be used, a save that would overwrite another program's
change, and pydantic's complaints turned into words (no "validation error for", no pydantic URL ever
reaches a user)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["ConfigConflictError", "ConfigError", "describe_validation_error", "first_problem"]


class ConfigError(Exception):
    """The config file cannot be used as it is. imtui has not changed it.

    ``path``: the file; ``line``: 1-based line of the problem, or None; ``reason``: what is wrong;
    ``field``: the dotted place in the config (e.g. ``accounts.0.password``), when the model refused it.
    """

    def __init__(self, path: Path, line: int | None, reason: str, field: str | None = None):
        self.path = Path(path)
        self.line = line
        self.reason = reason
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path} line {self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.reason} — fix the file or move it away; imtui has not changed it."


class ConfigConflictError(ConfigError):
    """Another program changed the config file since it was read; nothing was written."""

    def __init__(self, path: Path, reason: str | None = None):
        super().__init__(
            path,
            None,
            reason
            or "was changed by another program (perhaps another imtui) since imtui read it",
        )

    def __str__(self) -> str:
        return (
            f"{self.path} {self.reason}, so your change was not saved. Reload the config to see the "
            "other version, then make your change again."
        )




_FIELD_WORDS = {
    "api_url": "API URL",
    "customer_id": "customer id",
    "external_id": "external id",
    "country_code": "country code",
    "postal_code": "postal code",
    "max_seats_per_order": "max seats per order",
    "max_order_total": "max order total",
    "markup_percent": "markup",
    "how": "'how'",
}


def first_problem(error: dict[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in words, without the field's name:
    "is too long (300 characters, at most 200)", or imtui's own message for its own rules."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "string_too_long":
        size = f"{len(value)} characters, " if isinstance(value, str) else ""
        return f"is too long ({size}at most {ctx.get('max_length')})"
    if kind == "string_too_short":
        return "is empty" if ctx.get("min_length") == 1 else f"is too short (at least {ctx.get('min_length')} characters)"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a setting imtui knows (a typo?)"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the listed values')}"
    message = re.sub(r"^(Value|Assertion) error, ", "", str(error.get("msg", "is not valid")))
    return re.sub(r"^Input should be", "must be", message)


def describe_validation_error(exc: Any) -> str:
    """A pydantic ``ValidationError`` as one sentence a user can act on: "The client name is too long
    (300 characters, at most 200)." imtui's own rules (already sentences) are kept as they are written."""
    errors = exc.errors(include_url=False)
    if not errors:
        return "The value is not valid."
    error = errors[0]
    problem = first_problem(error).rstrip(".")
    fields = [str(p) for p in error.get("loc", ()) if isinstance(p, str)]
    if problem.startswith(("is ", "must ")):
        field = _FIELD_WORDS.get(fields[-1], fields[-1].replace("_", " ")) if fields else "value"
        model = str(getattr(exc, "title", "") or "").lower()
        text = f"The {model + ' ' if model and fields else ''}{field} {problem}."
    else:
        text = problem[:1].upper() + problem[1:] + "."
    more = len(errors) - 1
    return text + (f" (And {more} more problem{'s' if more > 1 else ''}.)" if more else "")
