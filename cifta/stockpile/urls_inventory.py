"""Stockpile pages: inventory (joined into the app's URLs by `stockpile/urls.py`)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
