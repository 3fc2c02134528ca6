"""Stockpile API routes: inventory (registered by `stockpile/api/urls.py`)."""

from rest_framework.routers import SimpleRouter


def register(router: SimpleRouter) -> None:
    pass
