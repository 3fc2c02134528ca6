"""Where the country list and names come from: ISO 3166 via pycountry (names translated by its
maintained gettext catalogues), and the CIFTA status table shipped in ``data/``."""

from __future__ import annotations

import csv
import datetime as dt
import gettext
from dataclasses import dataclass
from pathlib import Path

import pycountry

DATA_DIR = Path(__file__).resolve().parent / "data"
SECRETARIAT_CODE = "OAS"
SECRETARIAT_NAMES = {
    "en": "CIFTA Technical Secretariat (OAS)",
    "es": "Secretaría Técnica de la CIFTA (OEA)",
    "fr": "Secrétariat technique de la CIFTA (OEA)",
    "pt": "Secretaria Técnica da CIFTA (OEA)",
}


@dataclass(frozen=True)
class CountryFacts:
    code: str
    alpha3: str
    numeric: str
    names: dict[str, str]
    cifta_status: str = "unknown"
    signed_on: dt.date | None = None
    ratified_on: dt.date | None = None
    status_source: str = ""


def _data_rows(name: str) -> list[dict[str, str]]:
    path = DATA_DIR / name
    if not path.exists():
        return []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines))


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def member_state_codes() -> list[str]:
    return [row["code"] for row in _data_rows("oas_member_states.csv")]


def _translator(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def member_state_facts() -> list[CountryFacts]:
    translators = {lang: _translator(lang) for lang in ("en", "es", "fr", "pt")}
    status = {row["code"]: row for row in _data_rows("cifta_status.csv")}
    facts = []
    for code in member_state_codes():
        record = pycountry.countries.get(alpha_2=code)
        if record is None:
            raise LookupError(f"ISO 3166 has no country {code}")
        # English uses the common name where ISO has one ("Bolivia", not "Bolivia, Plurinational
        # State of"); translations are keyed by the ISO name.
        names = {lang: t.gettext(record.name) for lang, t in translators.items()}
        names["en"] = getattr(record, "common_name", record.name)
        row = status.get(code, {})
        facts.append(
            CountryFacts(
                code=code,
                alpha3=record.alpha_3,
                numeric=record.numeric,
                names=names,
                cifta_status=row.get("status") or "unknown",
                signed_on=_date(row.get("signed_on", "")),
                ratified_on=_date(row.get("ratified_on", "")),
                status_source=row.get("source", ""),
            )
        )
    return facts
