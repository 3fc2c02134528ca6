"""The areas of the system, as the navigation shows them. An area without its module yet
says what is coming, so users see the whole plan from the first release."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    slug: str
    title: Promise
    summary: Promise
    url_name: str | None = None  # None: not built yet; the placeholder page explains


AREAS: tuple[Area, ...] = (
    Area("registry", _("Registry"),
         _("Every firearm with its markings and its life; lost, stolen and seized registers; serial-number "
           "search that finds a recovered firearm from damaged markings."), "registry:firearm_list"),
    Area("tracing", _("Tracing"),
         _("Domestic traces, then trace requests between States: send, acknowledge, answer, with deadlines "
           "and confidentiality."), "tracing:dashboard"),
    Area("stockpiles", _("Stockpiles"),
         _("Arsenal inventories of weapons and ammunition, stock checks, physical security and explosive "
           "safety distances."), "stockpile:facility_list"),
    Area("destruction", _("Destruction"),
         _("Plan, witness and certify the destruction of weapons and ammunition, with verifiable "
           "certificates."), "destruction:event_list"),
    Area("transfers", _("Transfers"),
         _("Import, export and transit authorizations exchanged between States, delivery verification and "
           "diversion risk.")),
    Area("programmes", _("Programmes"),
         _("The Secretariat's trainings, workshops and equipment deliveries, with participants and "
           "beneficiaries.")),
    Area("knowledge", _("Knowledge"),
         _("Homicide and firearm indicators and the continental study, re-run with a fixed method.")),
    Area("reports", _("Reports"),
         _("The Secretariat's annual report in four languages, written from the records.")),
)


def area(slug: str) -> Area | None:
    return next((a for a in AREAS if a.slug == slug), None)
