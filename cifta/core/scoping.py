"""Per-country scope: the single mechanism that keeps one State's records from another.

The active scope lives in a ContextVar. It is set in exactly two request entry points (the UI
middleware and the API viewset base) and explicitly by commands and jobs. A query on a
country-scoped model with no active scope raises ``ScopeError``: there is no "None means
everything". ``ALL_COUNTRIES`` is an explicit, grep-able sentinel for system work.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Final


class ScopeError(RuntimeError):
    """A scoped model was queried or written without (or outside) an active country scope."""


class _AllCountries:
    _instance: _AllCountries | None = None

    def __new__(cls) -> _AllCountries:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ALL_COUNTRIES"


ALL_COUNTRIES: Final = _AllCountries()

Scope = frozenset[int] | _AllCountries

_scope: ContextVar[Scope | None] = ContextVar("cifta_country_scope", default=None)


def _normalise(countries: Scope | Iterable[int]) -> Scope:
    if countries is None:
        raise ValueError("pass ALL_COUNTRIES or an explicit collection of country ids, never None")
    if isinstance(countries, _AllCountries):
        return countries
    ids = frozenset(int(c) for c in countries)
    return ids


def enter_scope(countries: Scope | Iterable[int]) -> Token[Scope | None]:
    return _scope.set(_normalise(countries))


def leave_scope(token: Token[Scope | None] | None) -> None:
    if token is not None:
        _scope.reset(token)


@contextmanager
def country_scope(countries: Scope | Iterable[int]) -> Iterator[Scope]:
    """Run a block with the given countries (or ALL_COUNTRIES) in scope."""
    token = enter_scope(countries)
    try:
        yield _scope.get()  # type: ignore[misc]
    finally:
        _scope.reset(token)


@contextmanager
def no_scope() -> Iterator[None]:
    """Run a block with no scope at all (used by tests to prove queries fail closed)."""
    token = _scope.set(None)
    try:
        yield
    finally:
        _scope.reset(token)


def peek_scope() -> Scope | None:
    return _scope.get()


def active_scope() -> Scope:
    scope = _scope.get()
    if scope is None:
        raise ScopeError("no country scope is active: wrap the work in country_scope(...)")
    return scope


def scope_allows(country_id: int | None) -> bool:
    scope = active_scope()
    if isinstance(scope, _AllCountries):
        return True
    return country_id is not None and country_id in scope


def single_country_id() -> int:
    """The one country a write in this scope belongs to; raises when it is ambiguous."""
    scope = active_scope()
    if isinstance(scope, _AllCountries) or len(scope) != 1:
        raise ScopeError("this write needs exactly one country in scope; pass the country explicitly")
    (country_id,) = tuple(scope)
    return country_id
