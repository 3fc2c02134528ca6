"""Marking compliance of one firearm against CIFTA Art. VI and ITI para. 8: what is required,
what is missing, and why. Pure Python: the registry passes plain facts in."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MarkFacts:
    kind: str  # manufacture, import, state, confiscation, civilian_transfer, deactivation, remark
    text: str = ""
    country_code: str = ""
    year: int | None = None
    importer_name: str = ""
    importer_address: str = ""
    import_country: str = ""
    import_year: int | None = None


@dataclass(frozen=True)
class FirearmFacts:
    has_manufacturer: bool
    has_primary_serial: bool
    country_of_manufacture: str
    was_imported: bool
    was_confiscated_for_official_use: bool = False
    was_transferred_to_civilian_use: bool = False
    destructive_device: bool = False  # Art. VI.2: marking "if possible"
    marks: list[MarkFacts] = field(default_factory=list)


@dataclass(frozen=True)
class Issue:
    code: str
    rule: str  # where the obligation comes from
    message: str


def check(facts: FirearmFacts) -> list[Issue]:
    if facts.destructive_device:
        return []  # marking of destructive devices is encouraged, not required (Art. VI.2)
    issues: list[Issue] = []
    manufacture = [m for m in facts.marks if m.kind == "manufacture"]
    if not manufacture:
        issues.append(Issue("no_manufacture_mark", "CIFTA VI.1.a; ITI 8(a)", "no manufacture marking is recorded"))
    if not facts.has_manufacturer:
        issues.append(Issue("no_manufacturer", "CIFTA VI.1.a; ITI 8(a)", "the manufacturer is not identified"))
    if not facts.country_of_manufacture and not any(m.country_code for m in manufacture):
        issues.append(Issue("no_place_of_manufacture", "CIFTA VI.1.a; ITI 8(a)",
                            "the country or place of manufacture is not marked"))
    if not facts.has_primary_serial:
        issues.append(Issue("no_serial", "CIFTA VI.1.a; ITI 8(a), 10",
                            "no serial number on the frame or receiver"))
    if facts.was_imported:
        imports = [m for m in facts.marks if m.kind == "import"]
        if not imports:
            issues.append(Issue("no_import_mark", "CIFTA VI.1.b; ITI 8(b)", "imported, but no import marking"))
        for mark in imports:
            if not mark.importer_name or not mark.importer_address:
                issues.append(Issue("import_mark_no_importer", "CIFTA VI.1.b",
                                    "the import marking lacks the importer's name and address"))
            if not mark.import_country:
                issues.append(Issue("import_mark_no_country", "ITI 8(b)",
                                    "the import marking lacks the country of import"))
            if mark.import_year is None:
                issues.append(Issue("import_mark_no_year", "ITI 8(b)",
                                    "the import marking lacks the year of import"))
    if facts.was_confiscated_for_official_use and not any(m.kind in ("state", "confiscation") for m in facts.marks):
        issues.append(Issue("no_confiscation_mark", "CIFTA VI.1.c",
                            "confiscated and kept for official use, but not marked as such"))
    if facts.was_transferred_to_civilian_use and not any(m.kind == "civilian_transfer" for m in facts.marks):
        issues.append(Issue("no_civilian_transfer_mark", "ITI 8(c)",
                            "transferred from State stocks to civilian use without a marking of the "
                            "transferring country"))
    return issues
