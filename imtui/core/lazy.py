"""Names a package exports but imports only when first used (PEP 562 module ``__getattr__``).

So ``from imtui.core.api import ApiError`` loads the error types without httpx and the pydantic models,
and opening the services does not load the areas nobody has used yet: start-up pays for what it uses.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``where`` maps each name to the submodule defining it.

    In the package: ``__getattr__ = lazy_attributes(__name__, {"Name": "submodule", ...})``.
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)  # the next lookup is an ordinary one
        return value

    return __getattr__
