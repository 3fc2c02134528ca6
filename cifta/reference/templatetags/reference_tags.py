"""Template helpers of the reference pages."""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from django import template
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=8)
def _translator(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


@register.filter
def country_name(code: str) -> str:
    """The name of an ISO 3166 country in the active language (pycountry's catalogues)."""
    country = pycountry.countries.get(alpha_2=(code or "").upper())
    if country is None:
        return code
    return _translator((get_language() or "en")[:2]).gettext(country.name)
