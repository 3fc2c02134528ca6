"""Which column of a file holds which field of a firearm record.

Headers are matched on their ``name_key`` (case, accents, spaces and punctuation do not count),
against the field names and the usual ways people head those columns in the four OAS languages.
An explicit mapping (field -> header), typed or saved as an ``ImportMapping``, replaces the
automatic one entirely, so a column a person chose to ignore stays ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cifta.reference.normalise import name_key
from cifta.registry.drafts import FIELDS, SERIAL_FIELDS
from cifta.registry.importing.readers import FileProblem

FIELD_LABELS = {
    "type": gettext_lazy("type"),
    "make": gettext_lazy("make"),
    "model": gettext_lazy("model"),
    "calibre": gettext_lazy("calibre"),
    "serial": gettext_lazy("serial (frame)"),
    "serial_receiver": gettext_lazy("serial (receiver)"),
    "serial_slide": gettext_lazy("serial (slide)"),
    "serial_barrel": gettext_lazy("serial (barrel)"),
    "serial_bolt": gettext_lazy("serial (bolt)"),
    "serial_cylinder": gettext_lazy("serial (cylinder)"),
    "country_of_manufacture": gettext_lazy("country of manufacture"),
    "year_of_manufacture": gettext_lazy("year of manufacture"),
    "event": gettext_lazy("first event"),
    "event_date": gettext_lazy("date of the event"),
    "holding_agency": gettext_lazy("holding agency"),
    "storage_location": gettext_lazy("storage location"),
    "source": gettext_lazy("record source"),
    "notes": gettext_lazy("notes"),
    "manufacture_mark": gettext_lazy("manufacture marking"),
    "import_mark": gettext_lazy("import marking"),
    "importer_name": gettext_lazy("importer name"),
    "importer_address": gettext_lazy("importer address"),
    "import_country": gettext_lazy("country of import"),
    "import_year": gettext_lazy("year of import"),
}

# How people head these columns (en, es, fr, pt); compared by name_key.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "type": ("type", "firearm type", "weapon type", "kind", "tipo", "tipo de arma", "type d'arme", "clase"),
    "make": ("make", "manufacturer", "maker", "brand", "marca", "fabricante", "fabricant", "marque"),
    "model": ("model", "modelo", "modèle"),
    "calibre": ("calibre", "caliber", "calibro", "cal"),
    "serial": ("serial", "serial number", "serial no", "serial #", "frame serial", "serial frame", "s/n", "sn",
               "número de serie", "numero de serie", "nro de serie", "no de serie", "n° de série", "numéro de série",
               "número de série", "serie"),
    "serial_receiver": ("receiver serial", "serial receiver", "serie cajon", "serie du boitier"),
    "serial_slide": ("slide serial", "serial slide", "serie corredera", "serie de la culasse"),
    "serial_barrel": ("barrel serial", "serial barrel", "serie cañon", "serie du canon", "serie do cano"),
    "serial_bolt": ("bolt serial", "serial bolt", "serie cerrojo"),
    "serial_cylinder": ("cylinder serial", "serial cylinder", "serie tambor", "serie du barillet"),
    "country_of_manufacture": ("country of manufacture", "country of origin", "origin", "país de fabricación",
                               "pais de origen", "pays de fabrication", "país de fabricação"),
    "year_of_manufacture": ("year of manufacture", "year", "año", "año de fabricación", "année de fabrication",
                            "ano de fabricação"),
    "event": ("event", "first event", "evento", "événement"),
    "event_date": ("event date", "date", "fecha", "data", "fecha del evento", "date de l'événement"),
    "holding_agency": ("holding agency", "agency", "holder agency", "agencia", "institución", "organisme",
                       "agência", "órgão"),
    "storage_location": ("storage location", "storage", "location", "ubicación", "lieu de stockage", "depósito"),
    "source": ("source", "record source", "fuente", "origen del registro"),
    "notes": ("notes", "remarks", "comments", "observaciones", "notas", "observations", "observações"),
    "manufacture_mark": ("manufacture mark", "manufacture marking", "manufacturer marking",
                         "marcaje de fabricación", "marquage de fabrication"),
    "import_mark": ("import mark", "import marking", "marcaje de importación", "marquage d'importation"),
    "importer_name": ("importer", "importer name", "importador", "importateur"),
    "importer_address": ("importer address", "dirección del importador", "adresse de l'importateur"),
    "import_country": ("import country", "country of import", "país de importación", "pays d'importation"),
    "import_year": ("import year", "year of import", "año de importación", "année d'importation"),
}
REQUIRED = ("type", "serial")


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for name in FIELDS:
        table.setdefault(name_key(name), name)
        for text in SYNONYMS.get(name, ()):
            table.setdefault(name_key(text), name)
    return table


AUTO = _lookup()


@dataclass
class ColumnMap:
    """field -> column position; plus what was left aside, for the person to check."""

    positions: dict[str, int]
    headers: list[str]
    ignored: list[str] = field(default_factory=list)

    def as_columns(self) -> dict[str, str]:
        """The same mapping as field -> header (the form saved in ImportJob / ImportMapping)."""
        return {name: self.headers[pos] for name, pos in self.positions.items()}


def auto_columns(headers: Sequence[str]) -> dict[str, str]:
    """field -> header, guessed from the headers alone (first header wins for a field)."""
    columns: dict[str, str] = {}
    for header in headers:
        name = AUTO.get(name_key(header or ""))
        if name and name not in columns:
            columns[name] = header
    return columns


def resolve(headers: Sequence[str], columns: Mapping[str, str] | None = None, *,
            required: Sequence[str] = REQUIRED, known: Sequence[str] = FIELDS,
            auto: Callable[[Sequence[str]], dict[str, str]] = auto_columns,
            labels: Mapping[str, object] = FIELD_LABELS) -> ColumnMap:
    """Positions of the fields in this file. ``columns`` (field -> header) replaces the guess."""
    chosen = dict(columns) if columns else auto(headers)
    by_key: dict[str, int] = {}
    for position, header in enumerate(headers):
        by_key.setdefault(name_key(header or ""), position)
    positions: dict[str, int] = {}
    for name, header in chosen.items():
        if not header:
            continue
        if name not in known:
            raise FileProblem(_("The mapping names an unknown field %(field)r.") % {"field": name})
        found = by_key.get(name_key(header))
        if found is None:
            raise FileProblem(_("The mapping expects a column %(header)r, which is not in the file (its columns: "
                                "%(headers)s).") % {"header": header, "headers": ", ".join(headers)})
        positions[name] = found
    missing = [name for name in required if name not in positions
               and not (name == "serial" and any(s in positions for s in SERIAL_FIELDS))]
    if missing:
        raise FileProblem(_("No column was found for: %(fields)s. Name the columns, or choose which column holds "
                            "each field (the file's columns: %(headers)s).") % {
            "fields": ", ".join(str(labels.get(m, m)) for m in missing), "headers": ", ".join(headers)})
    used = set(positions.values())
    ignored = [h for i, h in enumerate(headers) if i not in used and h]
    return ColumnMap(positions=positions, headers=list(headers), ignored=ignored)
