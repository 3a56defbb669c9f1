"""Check: one of ``imtui.core.rules``' checks as a Textual validator, so a field says what is wrong as it
is typed, in the rule's own words (the same words the CLI and the config give)."""

from __future__ import annotations

from collections.abc import Callable

from textual.validation import ValidationResult, Validator

__all__ = ["Check", "first_problem"]


class Check(Validator):
    """A Textual validator around a check that returns ``None`` when the value is fine, else why not."""

    def __init__(self, check: Callable[[str], str | None]) -> None:
        super().__init__()
        self.check = check

    def validate(self, value: str) -> ValidationResult:
        problem = self.check(value)
        return self.failure(problem) if problem else self.success()


def first_problem(result: ValidationResult | None) -> str | None:
    """The first thing a validation found wrong, or None when it passed (or did not run)."""
    if result is None or result.is_valid:
        return None
    return result.failure_descriptions[0]
