"""The one error type of the services layer: a failure the user can act on, said in words."""

from __future__ import annotations

__all__ = ["ServiceError"]


class ServiceError(Exception):
    """A failure the user can act on, in words (not an API error). The UI shows it, the CLI prints it."""
