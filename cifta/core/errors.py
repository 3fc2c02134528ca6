"""Domain errors raised by services. Views and the API turn them into clear answers."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the rules refuse. ``field`` names the input it is about, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(ServiceError):
    """The request clashes with the current state (answered 409)."""
