"""Writes of the reference data. Upserts are idempotent: loading the same data twice changes
nothing and writes no history."""

from __future__ import annotations

import hashlib
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.db import transaction

from cifta.core import audit
from cifta.core.errors import ServiceError
from cifta.reference import events
from cifta.reference.models import (
    Calibre,
    CalibreAlias,
    FirearmModel,
    FirearmType,
    Manufacturer,
    ManufacturerAlias,
    ManufacturerSuccession,
    ModelVariant,
    PartType,
)
from cifta.reference.normalise import name_key

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def _outcome(*outcomes: str) -> str:
    """The outcome of an upsert made of several saves: the row's own, or updated if a child changed."""
    if outcomes[0] == CREATED:
        return CREATED
    return UPDATED if any(o != UNCHANGED for o in outcomes) else UNCHANGED


def _save(obj: Any, values: dict[str, Any]) -> str:
    """Set values and save when something changed."""
    created = obj.pk is None
    changed = created
    for name, value in values.items():
        if getattr(obj, name, None) != value:  # an unset foreign key reads as None
            setattr(obj, name, value)
            changed = True
    if changed:
        try:
            obj.full_clean()
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise ServiceError(" ".join(messages), field=field) from exc
        obj.save()
    return CREATED if created else (UPDATED if changed else UNCHANGED)


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ServiceError(f"{value!r} is not one of {', '.join(choices.values)}", field=field)
    return value


@transaction.atomic
def upsert_firearm_type(*, code: str, category: str, cifta_class: str, marking_code: str,
                        labels: dict[str, str]) -> str:
    obj = FirearmType.objects.filter(code=code).first() or FirearmType(code=code)
    return _save(obj, {
        "category": _choice(category, FirearmType.Category, "category"),
        "cifta_class": _choice(cifta_class, FirearmType.CiftaClass, "cifta_class"),
        "marking_code": marking_code, **labels,
    })


@transaction.atomic
def upsert_part_type(*, code: str, is_essential: bool, sort: int, labels: dict[str, str]) -> str:
    obj = PartType.objects.filter(code=code).first() or PartType(code=code)
    return _save(obj, {"is_essential": is_essential, "sort": sort, **labels})


@transaction.atomic
def upsert_calibre(*, code: str, designation: str, kind: str, standard: str = "", marking_code: str = "",
                   aliases: list[str] | None = None) -> str:
    obj = Calibre.objects.filter(code=code).first() or Calibre(code=code)
    own = _save(obj, {"designation": designation, "kind": _choice(kind, Calibre.Kind, "kind"),
                      "standard": standard, "marking_code": marking_code})
    return _outcome(own, *(add_calibre_alias(calibre=obj, alias=a) for a in [designation, *(aliases or [])]))


def add_calibre_alias(*, calibre: Calibre, alias: str) -> str:
    key = name_key(alias)
    if not key:
        raise ServiceError("an alias needs letters or digits", field="aliases")
    existing = CalibreAlias.objects.filter(key=key).select_related("calibre").first()
    if existing is not None:
        if existing.calibre_id != calibre.pk:
            raise ServiceError(f"alias {alias!r} already names {existing.calibre}", field="aliases")
        return UNCHANGED
    CalibreAlias(calibre=calibre, alias=alias, key=key).save()
    return CREATED


def _country_code(code: str) -> str:
    code = code.upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise ServiceError(f"{code!r} is not an ISO 3166 country code", field="country_code")
    return code


@transaction.atomic
def upsert_manufacturer(*, code: str, name: str, country_code: str, legal_name: str = "",
                        active_from: int | None = None, aliases: list[tuple[str, str]] | None = None,
                        predecessor: tuple[str, int | None] | None = None) -> str:
    obj = Manufacturer.objects.filter(code=code).first() or Manufacturer(code=code)
    outcomes = [_save(obj, {"name": name, "legal_name": legal_name, "country_code": _country_code(country_code),
                          "active_from": active_from})]
    for alias, role in [(name, "manufacturer"), *(aliases or [])]:
        _choice(role, ManufacturerAlias.Role, "aliases")
        key = name_key(alias)
        if not ManufacturerAlias.objects.filter(manufacturer=obj, key=key, role=role).exists():
            if ManufacturerAlias.objects.filter(key=key, role=role).exists():
                raise ServiceError(f"{alias!r} is already the {role} name of another company", field="aliases")
            ManufacturerAlias(manufacturer=obj, name=alias, role=role, key=key).save()
            outcomes.append(CREATED)
    if predecessor is not None:
        pred = Manufacturer.objects.filter(code=predecessor[0]).first()
        if pred is None:
            raise ServiceError(f"no manufacturer with code {predecessor[0]}", field="predecessor")
        link = ManufacturerSuccession.objects.filter(predecessor=pred, successor=obj).first()
        link = link or ManufacturerSuccession(predecessor=pred, successor=obj)
        outcomes.append(_save(link, {"year": predecessor[1]}))
    return _outcome(*outcomes)


def template_id(manufacturer_code: str, model_name: str, calibre_code: str, action: str) -> str:
    """A short id for one make/model/calibre/action variant, the same on every installation."""
    digest = hashlib.sha256(f"{manufacturer_code}|{name_key(model_name)}|{calibre_code}|{action}".encode())
    return "T" + digest.hexdigest()[:9].upper()


@transaction.atomic
def upsert_firearm_model(*, manufacturer_code: str, name: str, type_code: str,
                         variants: list[tuple[str, str]], external_ref: str = "") -> str:
    maker = Manufacturer.objects.filter(code=manufacturer_code).first()
    if maker is None:
        raise ServiceError(f"no manufacturer with code {manufacturer_code}", field="manufacturer")
    ftype = FirearmType.objects.filter(code=type_code).first()
    if ftype is None:
        raise ServiceError(f"no firearm type {type_code}", field="type")
    obj = FirearmModel.objects.filter(manufacturer=maker, name=name).first() or FirearmModel(
        manufacturer=maker, name=name)
    outcomes = [_save(obj, {"type": ftype, "external_ref": external_ref})]
    for calibre_code, action in variants:
        calibre = Calibre.objects.filter(code=calibre_code).first()
        if calibre is None:
            raise ServiceError(f"no calibre {calibre_code}", field="variants")
        _choice(action, ModelVariant.Action, "variants")
        if not ModelVariant.objects.filter(model=obj, calibre=calibre, action=action).exists():
            ModelVariant(model=obj, calibre=calibre, action=action,
                         template_id=template_id(maker.code, name, calibre.code, action)).save()
            outcomes.append(CREATED)
    return _outcome(*outcomes)


# --- Edits from the web pages and the API -----------------------------------------------------
# The upserts above only add (a seed or CSV load never removes what another load added). A person
# editing one record states the whole record, so these replace its aliases, predecessor or
# variants with the ones given, and refuse to create over an existing code.

def _changed(obj: Any, table: str, outcome: str, **details: Any) -> None:
    if outcome != UNCHANGED or any(details.values()):
        audit.emit(events.CHANGED, target=obj, payload={"table": table, "outcome": outcome, **details})


def _check_designation(designation: str, code: str) -> None:
    key = name_key(designation)
    if not key:
        raise ServiceError("a designation needs letters or digits", field="designation")
    clash = CalibreAlias.objects.filter(key=key).exclude(calibre__code=code).select_related("calibre").first()
    if clash is not None:
        raise ServiceError(f"{designation!r} is already a name of {clash.calibre}", field="designation")


@transaction.atomic
def create_calibre(*, code: str, designation: str, kind: str, standard: str = "", marking_code: str = "",
                   aliases: list[str] | None = None) -> Calibre:
    if not code:
        raise ServiceError("a code is required", field="code")
    if Calibre.objects.filter(code=code).exists():
        raise ServiceError(f"a calibre with code {code} already exists", field="code")
    _check_designation(designation, code)
    outcome = upsert_calibre(code=code, designation=designation, kind=kind, standard=standard,
                             marking_code=marking_code, aliases=aliases)
    calibre = Calibre.objects.get(code=code)
    _changed(calibre, "calibres", outcome)
    return calibre


@transaction.atomic
def update_calibre(*, code: str, designation: str, kind: str, standard: str = "", marking_code: str = "",
                   aliases: list[str] | None = None) -> Calibre:
    calibre = Calibre.objects.select_for_update().filter(code=code).first()
    if calibre is None:
        raise ServiceError(f"no calibre {code}", field="code")
    _check_designation(designation, code)
    outcome = upsert_calibre(code=code, designation=designation, kind=kind, standard=standard,
                             marking_code=marking_code, aliases=aliases)
    keep = {name_key(a) for a in [designation, *(aliases or [])]}
    removed = []
    for alias in CalibreAlias.objects.filter(calibre=calibre).order_by("pk"):
        if alias.key not in keep:
            removed.append(alias.alias)
            alias.delete()
    calibre = Calibre.objects.get(pk=calibre.pk)
    _changed(calibre, "calibres", outcome, removed_aliases=removed)
    return calibre


@transaction.atomic
def create_manufacturer(*, code: str, name: str, country_code: str, legal_name: str = "",
                        active_from: int | None = None, aliases: list[tuple[str, str]] | None = None,
                        predecessor: tuple[str, int | None] | None = None) -> Manufacturer:
    if Manufacturer.objects.filter(code=code).exists():
        raise ServiceError(f"a manufacturer with code {code} already exists", field="code")
    outcome = upsert_manufacturer(code=code, name=name, country_code=country_code, legal_name=legal_name,
                                  active_from=active_from, aliases=aliases, predecessor=predecessor)
    maker = Manufacturer.objects.get(code=code)
    _changed(maker, "manufacturers", outcome)
    return maker


@transaction.atomic
def update_manufacturer(*, code: str, name: str, country_code: str, legal_name: str = "",
                        active_from: int | None = None, aliases: list[tuple[str, str]] | None = None,
                        predecessor: tuple[str, int | None] | None = None) -> Manufacturer:
    maker = Manufacturer.objects.select_for_update().filter(code=code).first()
    if maker is None:
        raise ServiceError(f"no manufacturer with code {code}", field="code")
    if predecessor is not None and predecessor[0] == code:
        raise ServiceError("a company cannot succeed itself", field="predecessor")
    outcome = upsert_manufacturer(code=code, name=name, country_code=country_code, legal_name=legal_name,
                                  active_from=active_from, aliases=aliases, predecessor=predecessor)
    keep = {(name_key(a), role) for a, role in [(name, "manufacturer"), *(aliases or [])]}
    removed = []
    for alias in ManufacturerAlias.objects.filter(manufacturer=maker).order_by("pk"):
        if (alias.key, alias.role) not in keep:
            removed.append(f"{alias.name}:{alias.role}")
            alias.delete()
    for link in ManufacturerSuccession.objects.filter(successor=maker).select_related("predecessor"):
        if predecessor is None or link.predecessor.code != predecessor[0]:
            removed.append(f"predecessor {link.predecessor.code}")
            link.delete()
    maker = Manufacturer.objects.get(pk=maker.pk)
    _changed(maker, "manufacturers", outcome, removed=removed)
    return maker


@transaction.atomic
def create_firearm_model(*, manufacturer_code: str, name: str, type_code: str, variants: list[tuple[str, str]],
                         external_ref: str = "") -> FirearmModel:
    if not name_key(name):
        raise ServiceError("a model name needs letters or digits", field="name")
    if FirearmModel.objects.filter(manufacturer__code=manufacturer_code, name=name).exists():
        raise ServiceError(f"{manufacturer_code} already has a model {name}", field="name")
    outcome = upsert_firearm_model(manufacturer_code=manufacturer_code, name=name, type_code=type_code,
                                   variants=variants, external_ref=external_ref)
    model = FirearmModel.objects.select_related("manufacturer").get(manufacturer__code=manufacturer_code, name=name)
    _changed(model, "models", outcome)
    return model


@transaction.atomic
def update_firearm_model(*, model: FirearmModel, type_code: str, variants: list[tuple[str, str]],
                         external_ref: str = "") -> FirearmModel:
    """The maker and the name stay: the template ids of the variants are made from them."""
    current = FirearmModel.objects.select_for_update().select_related("manufacturer").filter(pk=model.pk).first()
    if current is None:
        raise ServiceError("no such model", field="name")
    outcome = upsert_firearm_model(manufacturer_code=current.manufacturer.code, name=current.name,
                                   type_code=type_code, variants=variants, external_ref=external_ref)
    keep = set(variants)
    removed = []
    for variant in ModelVariant.objects.filter(model=current).select_related("calibre").order_by("pk"):
        if (variant.calibre.code, variant.action) not in keep:
            removed.append(variant.template_id)
            variant.delete()
    current = FirearmModel.objects.select_related("manufacturer").get(pk=current.pk)
    _changed(current, "models", outcome, removed_variants=removed)
    return current
