"""Every line the command line prints in these tests is checked: pydantic's own wording never reaches
a user (issue 8), whatever path the message took."""

from __future__ import annotations

import builtins

import pytest

import imtui.cli.output

PYDANTIC_WORDS = ("validation error for", "errors.pydantic.dev", "input_value=")


@pytest.fixture(autouse=True)
def no_pydantic_text_in_cli_output(monkeypatch):
    printed: list[str] = []

    def recording_print(*args, **kwargs):
        printed.append(" ".join(str(a) for a in args))
        builtins.print(*args, **kwargs)

    # output.py is the one place that prints: shadow print there
    monkeypatch.setattr(imtui.cli.output, "print", recording_print, raising=False)
    yield printed
    leaked = [line for line in printed if any(word in line for word in PYDANTIC_WORDS)]
    assert leaked == [], "pydantic's wording reached the user"
