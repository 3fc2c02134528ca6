"""CSV import and export of the reference tables, in the same format as the seed files in
``data/``: the seed load is an import. Every row goes through the services; errors name the
line and the column, and a file with any error changes nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from cifta.core import audit
from cifta.core.errors import ServiceError
from cifta.reference import events, services
from cifta.reference.models import Calibre, FirearmModel, FirearmType, Manufacturer, PartType

DATA_DIR = Path(__file__).resolve().parent / "data"
LABELS = ("label_en", "label_es", "label_fr", "label_pt")


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column or '-'}: {self.message}"


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    lines = text.splitlines()
    data = [(n, line) for n, line in enumerate(lines, start=1) if line.strip() and not line.startswith("#")]
    if not data:
        return
    reader = csv.DictReader([line for _, line in data])
    for (line_no, _), row in zip(data[1:], reader, strict=False):
        yield line_no, {k: (v or "").strip() for k, v in row.items() if k is not None}


def _need(row: dict[str, str], *names: str) -> None:
    for name in names:
        if not row.get(name):
            raise ServiceError(f"{name} is required", field=name)


def _type_row(row: dict[str, str]) -> str:
    _need(row, "code", "category", "cifta_class", "marking_code", *LABELS)
    return services.upsert_firearm_type(
        code=row["code"], category=row["category"], cifta_class=row["cifta_class"],
        marking_code=row["marking_code"], labels={k: row[k] for k in LABELS},
    )


def _part_row(row: dict[str, str]) -> str:
    _need(row, "code", *LABELS)
    return services.upsert_part_type(
        code=row["code"], is_essential=row.get("is_essential") in ("1", "true", "yes"),
        sort=int(row.get("sort") or 0), labels={k: row[k] for k in LABELS},
    )


def _calibre_row(row: dict[str, str]) -> str:
    _need(row, "code", "designation", "kind")
    aliases = [a for a in row.get("aliases", "").split("|") if a.strip()]
    return services.upsert_calibre(
        code=row["code"], designation=row["designation"], kind=row["kind"], standard=row.get("standard", ""),
        marking_code=row.get("marking_code", ""), aliases=aliases,
    )


def _manufacturer_row(row: dict[str, str]) -> str:
    _need(row, "code", "name", "country_code")
    aliases = []
    for item in row.get("aliases", "").split("|"):
        if item.strip():
            name, _, role = item.partition(":")
            aliases.append((name.strip(), role.strip() or "manufacturer"))
    predecessor = None
    if row.get("predecessor"):
        code, _, year = row["predecessor"].partition("@")
        predecessor = (code.strip(), int(year) if year.strip() else None)
    return services.upsert_manufacturer(
        code=row["code"], name=row["name"], legal_name=row.get("legal_name", ""),
        country_code=row["country_code"], active_from=int(row["active_from"]) if row.get("active_from") else None,
        aliases=aliases, predecessor=predecessor,
    )


def _model_row(row: dict[str, str]) -> str:
    _need(row, "manufacturer", "name", "type")
    variants = []
    for item in row.get("variants", "").split(";"):
        if item.strip():
            calibre, _, action = item.partition(":")
            variants.append((calibre.strip(), action.strip() or "other"))
    return services.upsert_firearm_model(
        manufacturer_code=row["manufacturer"], name=row["name"], type_code=row["type"], variants=variants,
        external_ref=row.get("external_ref", ""),
    )


KINDS: dict[str, tuple[str, Callable[[dict[str, str]], str]]] = {
    "types": ("firearm_types.csv", _type_row),
    "parts": ("part_types.csv", _part_row),
    "calibres": ("calibres.csv", _calibre_row),
    "manufacturers": ("manufacturers.csv", _manufacturer_row),
    "models": ("firearm_models.csv", _model_row),
}
SEED_ORDER = ("types", "parts", "calibres", "manufacturers", "models")


def import_csv(kind: str, text: str, *, source: str = "upload") -> ImportReport:
    if kind not in KINDS:
        raise ServiceError(f"unknown reference table {kind}; use one of {', '.join(KINDS)}", field="kind")
    report = ImportReport(kind)
    _, handle = KINDS[kind]
    with transaction.atomic():
        for line, row in _rows(text):
            try:
                with transaction.atomic():
                    outcome = handle(row)
            except ServiceError as exc:
                report.errors.append(RowError(line, exc.field or "", str(exc)))
            except (ValueError, KeyError) as exc:
                report.errors.append(RowError(line, "", f"cannot read this row: {exc}"))
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
        if report.errors:
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = 0
        elif report.created or report.updated:
            audit.emit(events.IMPORTED, payload={"table": kind, "source": source, "created": report.created,
                                                 "updated": report.updated})
    return report


def load_seed() -> list[ImportReport]:
    """Load (or refresh) every table from the files shipped in ``data/``."""
    return [import_csv(kind, (DATA_DIR / KINDS[kind][0]).read_text(encoding="utf-8"), source="seed")
            for kind in SEED_ORDER]


def export_csv(kind: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _export_rows(kind):
        writer.writerow(row)
    return buffer.getvalue()


def _export_rows(kind: str) -> Iterable[list[Any]]:
    if kind == "types":
        yield ["code", "category", "cifta_class", "marking_code", *LABELS]
        for t in FirearmType.objects.order_by("sort", "code"):
            yield [t.code, t.category, t.cifta_class, t.marking_code, *(getattr(t, k) for k in LABELS)]
    elif kind == "parts":
        yield ["code", "is_essential", "sort", *LABELS]
        for p in PartType.objects.order_by("sort", "code"):
            yield [p.code, int(p.is_essential), p.sort, *(getattr(p, k) for k in LABELS)]
    elif kind == "calibres":
        yield ["code", "designation", "kind", "standard", "marking_code", "aliases"]
        for c in Calibre.objects.prefetch_related("aliases").order_by("code"):
            yield [c.code, c.designation, c.kind, c.standard, c.marking_code,
                   "|".join(a.alias for a in c.aliases.all())]
    elif kind == "manufacturers":
        yield ["code", "name", "legal_name", "country_code", "active_from", "aliases", "predecessor"]
        for m in Manufacturer.objects.prefetch_related("aliases", "predecessions__predecessor").order_by("code"):
            pred = next(iter(m.predecessions.all()), None)
            yield [m.code, m.name, m.legal_name, m.country_code, m.active_from or "",
                   "|".join(f"{a.name}:{a.role}" for a in m.aliases.all()),
                   f"{pred.predecessor.code}@{pred.year or ''}" if pred else ""]
    elif kind == "models":
        yield ["manufacturer", "name", "type", "external_ref", "variants"]
        for fm in FirearmModel.objects.select_related("manufacturer", "type").prefetch_related("variants__calibre"):
            yield [fm.manufacturer.code, fm.name, fm.type.code, fm.external_ref,
                   ";".join(f"{v.calibre.code}:{v.action}" for v in fm.variants.all())]
    else:
        raise ServiceError(f"unknown reference table {kind}", field="kind")
