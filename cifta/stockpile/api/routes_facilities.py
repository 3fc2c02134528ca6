"""Stockpile API routes: facilities (registered by `stockpile/api/urls.py`)."""

from rest_framework.routers import SimpleRouter


def register(router: SimpleRouter) -> None:
    pass
