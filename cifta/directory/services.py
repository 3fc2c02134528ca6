"""Writes of the directory. Each service is one transaction and leaves an audit trail."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cifta.core import audit
from cifta.core.errors import ServiceError
from cifta.directory import events
from cifta.directory.models import Agency, Country, PointOfContact
from cifta.directory.reference_data import SECRETARIAT_CODE, SECRETARIAT_NAMES, member_state_facts

AGENCY_FIELDS = ("name", "acronym", "kind", "city", "email", "phone", "is_active")
CONTACT_FIELDS = ("full_name", "title", "email", "phone", "languages", "is_primary", "published", "is_active")


@transaction.atomic
def sync_countries(*, actor: Any) -> dict[str, int]:
    """Create or update the 35 member states and the Secretariat from ISO data. Idempotent:
    running it again changes only what the sources changed."""
    created = updated = 0
    for facts in member_state_facts():
        values = {
            "alpha3": facts.alpha3,
            "numeric": facts.numeric,
            "kind": Country.Kind.MEMBER_STATE,
            "cifta_status": facts.cifta_status,
            "cifta_signed_on": facts.signed_on,
            "cifta_ratified_on": facts.ratified_on,
            "cifta_status_source": facts.status_source,
            **{f"name_{lang}": name for lang, name in facts.names.items()},
        }
        was_created, was_changed = _upsert_country(facts.code, values)
        created += was_created
        updated += was_changed
    secretariat_values = {
        "kind": Country.Kind.SECRETARIAT,
        **{f"name_{lang}": name for lang, name in SECRETARIAT_NAMES.items()},
    }
    was_created, was_changed = _upsert_country(SECRETARIAT_CODE, secretariat_values)
    created += was_created
    updated += was_changed
    if created or updated:
        audit.emit(events.COUNTRY_SYNCED, payload={"created": created, "updated": updated})
    return {"created": created, "updated": updated}


def _upsert_country(code: str, values: dict[str, Any]) -> tuple[bool, bool]:
    country = Country.objects.filter(code=code).first()
    if country is None:
        Country(code=code, **values).save()
        return True, False
    changed = False
    for field, value in values.items():
        if getattr(country, field) != value:
            setattr(country, field, value)
            changed = True
    if changed:
        country.save()
    return False, changed


def _apply(instance: Any, fields: tuple[str, ...], data: dict[str, Any]) -> None:
    unknown = set(data) - set(fields)
    if unknown:
        raise ServiceError(f"unknown field {sorted(unknown)[0]}", field=sorted(unknown)[0])
    for name, value in data.items():
        setattr(instance, name, value)


def _check_agency_name(agency: Agency) -> None:
    """The same rules on create and update: a name is required and unique within the country."""
    if not (agency.name or "").strip():
        raise ServiceError("a name is required", field="name")
    same_name = Agency.objects.owned().filter(name=agency.name)
    if agency.pk is not None:
        same_name = same_name.exclude(pk=agency.pk)
    if same_name.exists():
        raise ServiceError("an agency with this name already exists", field="name")


@transaction.atomic
def create_agency(*, actor: Any, **data: Any) -> Agency:
    agency = Agency()
    _apply(agency, AGENCY_FIELDS, data)
    _check_agency_name(agency)
    agency.full_clean(exclude=["country"])
    agency.save()
    audit.emit(events.AGENCY_CREATED, target=agency, payload={"name": agency.name, "kind": agency.kind})
    return agency


@transaction.atomic
def update_agency(*, actor: Any, instance: Agency, **data: Any) -> Agency:
    agency = Agency.objects.owned().select_for_update().get(pk=instance.pk)
    _apply(agency, AGENCY_FIELDS, data)
    _check_agency_name(agency)
    agency.full_clean(exclude=["country"])
    agency.save()
    audit.emit(events.AGENCY_UPDATED, target=agency, payload={"fields": sorted(data)})
    return agency


@transaction.atomic
def create_point_of_contact(*, actor: Any, agency: Agency, **data: Any) -> PointOfContact:
    agency = Agency.objects.owned().get(pk=agency.pk)  # the agency must be one's own
    contact = PointOfContact(agency=agency, country_id=agency.country_id)
    _apply(contact, CONTACT_FIELDS, data)
    contact.full_clean(exclude=["country"])
    contact.save()
    if contact.is_primary:
        _demote_other_primaries(contact)
    audit.emit(events.CONTACT_CREATED, target=contact, payload={"agency": agency.name})
    return contact


@transaction.atomic
def update_point_of_contact(*, actor: Any, instance: PointOfContact, **data: Any) -> PointOfContact:
    contact = PointOfContact.objects.owned().select_for_update().get(pk=instance.pk)
    agency = data.pop("agency", None)
    if agency is not None:
        contact.agency = Agency.objects.owned().get(pk=agency.pk)
    _apply(contact, CONTACT_FIELDS, data)
    contact.full_clean(exclude=["country"])
    contact.save()
    if contact.is_primary:
        _demote_other_primaries(contact)
    audit.emit(events.CONTACT_UPDATED, target=contact, payload={"fields": sorted(data)})
    return contact


def _demote_other_primaries(contact: PointOfContact) -> None:
    # One primary contact per State: the one just marked primary wins.
    # Filtered by the contact's country: a scope of several countries (or ALL_COUNTRIES, for
    # system work) must not demote the primary contacts of the other States.
    others = PointOfContact.objects.owned().filter(country_id=contact.country_id, is_primary=True)
    for other in others.exclude(pk=contact.pk):
        other.is_primary = False
        other.save()
