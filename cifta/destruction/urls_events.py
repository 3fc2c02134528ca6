"""Destruction pages: events (joined into the app's URLs by `destruction/urls.py`)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
