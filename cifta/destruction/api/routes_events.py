"""Destruction API routes: events (registered by `destruction/api/urls.py`)."""

from rest_framework.routers import SimpleRouter


def register(router: SimpleRouter) -> None:
    pass
