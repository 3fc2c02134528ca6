"""Writes of destruction events: plan, list items, witnesses, photos and the chain of custody,
approve, execute, cancel; and the State's witness rule.

One transaction each; a refusal names the field and leaves nothing written. Everything a write
touches is looked up through ``owned()``, so another State's record is "does not exist".

Execution is final. A firearm destroyed is recorded ``destroyed`` in the registry (whose
lifecycle then refuses any later event: it can never again be issued, transferred or destroyed
a second time), and leaves the stock ledger if the ledger places it in a storehouse; ammunition
quantities leave the ledger by a ``destruction`` movement. The event row is locked first
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite every transaction is ``IMMEDIATE``), so two
officers executing the same event at once produce one result: the second is told it is done.

Lock order (as in the stockpile): the event, then storehouse rows, then the firearm row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cifta.core import audit
from cifta.core.errors import ConflictError, ServiceError
from cifta.core.permissions import SUPERUSER_ROLE, Action, role_can
from cifta.core.scoping import ScopeError, single_country_id
from cifta.destruction import events
from cifta.destruction import selectors_events as selectors
from cifta.destruction.models import (
    AMMUNITION_METHODS,
    WEAPON_METHODS,
    CustodyStep,
    DestructionEvent,
    DestructionItem,
    DestructionPhoto,
    DestructionPolicy,
    Witness,
)
from cifta.directory.models import Agency, Country
from cifta.registry import services as registry_services
from cifta.registry.engines.lifecycle import Event, Status
from cifta.registry.models import Firearm
from cifta.registry.selectors import status_label, with_serial_key
from cifta.registry.serials.normalise import serial_key
from cifta.stockpile import ledger
from cifta.stockpile import services_inventory as inventory
from cifta.stockpile.models import AmmunitionLot, Storehouse

E = DestructionEvent.Status
I = DestructionItem.Status  # noqa: E741
# A firearm the registry records as out of the State's hands cannot be destroyed by it.
NOT_IN_HAND = frozenset({Status.LOST, Status.STOLEN, Status.EXPORTED})
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
MAX_QUANTITY = 2_147_483_647
MAX_SERIALS = 5000
MAX_RULE = 50
EDITABLE = ("title", "legal_order", "site_name", "site_address", "latitude", "longitude", "planned_on",
            "responsible_officer", "weapon_method", "ammunition_method")
DESTROYED, RETURNED = "destroyed", "returned"


# --- helpers -----------------------------------------------------------------------------------
def _text(value: Any, name: str, limit: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ServiceError(_("This field is required."), field=name)
    if len(text) > limit:
        raise ServiceError(_("At most %(limit)s characters.") % {"limit": limit}, field=name)
    return text


def _own(model: Any, obj: Any, name: str) -> Any:
    found = model.objects.owned().filter(pk=getattr(obj, "pk", None)).first() if obj is not None else None
    if found is None:
        raise ServiceError(_("No record of your State has this identifier."), field=name)
    return found


def _event(event: Any, *, lock: bool = False) -> DestructionEvent:
    events_ = DestructionEvent.objects.owned()
    if lock:
        events_ = events_.select_for_update()
    found = events_.filter(pk=getattr(event, "pk", None)).first() if event is not None else None
    if found is None:
        raise ServiceError(_("No destruction event of your State has this identifier."), field="event")
    return found


def _planned(event: Any) -> DestructionEvent:
    found = _event(event, lock=True)
    if found.status != E.PLANNED:
        raise ConflictError(_("The event is %(status)s: its plan and items can no longer change.")
                            % {"status": found.get_status_display()}, field="status")
    return found


def _not_closed(event: Any) -> DestructionEvent:
    found = _event(event, lock=True)
    if found.status in (E.CANCELLED, E.CERTIFIED):
        raise ConflictError(_("The event is %(status)s: nothing more can be recorded in it.")
                            % {"status": found.get_status_display()}, field="status")
    return found


def _date(value: Any, name: str, *, required: bool = True, past: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ServiceError(_("This field is required."), field=name)
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise ServiceError(_("Give a date as YYYY-MM-DD."), field=name) from exc
    if past and value > timezone.localdate():
        raise ServiceError(_("The date cannot be in the future."), field=name)
    return value


def _moment(value: Any, name: str) -> dt.datetime:
    if value in (None, ""):
        raise ServiceError(_("This field is required."), field=name)
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise ServiceError(_("Give a date and time as YYYY-MM-DD HH:MM."), field=name) from exc
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError(_("The time cannot be in the future."), field=name)
    return value


def _coordinate(value: Any, name: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ServiceError(_("Give a number in decimal degrees."), field=name) from exc
    if not number.is_finite() or abs(number) > bound:
        raise ServiceError(_("Give a number between -%(bound)s and %(bound)s.") % {"bound": bound}, field=name)
    return number.quantize(Decimal("0.000001"))


def _count(value: Any, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool):
        raise ServiceError(_("Give a whole number."), field=name)
    try:
        number = value if isinstance(value, int) else int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ServiceError(_("Give a whole number."), field=name) from exc
    if number < minimum:
        raise ServiceError(_("Give a number of at least %(minimum)s.") % {"minimum": minimum}, field=name)
    if number > MAX_QUANTITY:
        raise ServiceError(_("This number is too large."), field=name)
    return number


def actor_name(actor: Any) -> str:
    if isinstance(actor, str):
        return actor
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return (full or getattr(actor, "username", "") or str(actor))[:150]


def _may(actor: Any, action: str) -> None:
    """The actor (a user) holds a membership of the State that allows ``action``. System
    actors (``system:...``) are trusted: their callers check."""
    if isinstance(actor, str):
        return
    if getattr(actor, "is_superuser", False) and role_can(SUPERUSER_ROLE, action):
        return
    from cifta.accounts.models import Membership

    roles = Membership.objects.owned().filter(user_id=getattr(actor, "pk", None), is_active=True,
                                              agency__is_active=True).values_list("role", flat=True)
    if not any(role_can(role, action) for role in roles):
        raise ServiceError(_("Your role may not do this: a national administrator approves destruction events."),
                           field="actor")


def _methods(weapon_method: str, ammunition_method: str) -> tuple[str, str]:
    weapon_method, ammunition_method = weapon_method or "", ammunition_method or ""
    if weapon_method and weapon_method not in WEAPON_METHODS:
        raise ServiceError(_("Choose cutting, crushing, shredding or smelting for weapons."), field="weapon_method")
    if ammunition_method and ammunition_method not in AMMUNITION_METHODS:
        raise ServiceError(_("Choose open burning, open detonation, incineration or industrial demilitarisation "
                             "for ammunition."), field="ammunition_method")
    return weapon_method, ammunition_method


def _next_reference(country_id: int) -> str:
    year = timezone.now().year
    code = Country.objects.get(pk=country_id).code
    stem = f"DE-{code}-{year}-"
    last = (DestructionEvent.objects.owned().filter(reference__startswith=stem).order_by("-reference")
            .values_list("reference", flat=True).first())
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{number:05d}"


def _country_id() -> int:
    try:
        return single_country_id()
    except ScopeError as exc:
        raise ServiceError(_("Destruction is recorded in the name of one State: choose a membership of a "
                             "State.")) from exc


def _fill(event: DestructionEvent, data: Mapping[str, Any]) -> None:
    if "title" in data:
        event.title = _text(data["title"], "title", 200, required=True)
    if "legal_order" in data:
        event.legal_order = _text(data["legal_order"], "legal_order", 200, required=True)
    if "site_name" in data:
        event.site_name = _text(data["site_name"], "site_name", 200, required=True)
    if "site_address" in data:
        event.site_address = _text(data["site_address"], "site_address", 250)
    if "latitude" in data:
        event.latitude = _coordinate(data["latitude"], "latitude", 90)
    if "longitude" in data:
        event.longitude = _coordinate(data["longitude"], "longitude", 180)
    if "planned_on" in data:
        event.planned_on = _date(data["planned_on"], "planned_on")  # type: ignore[assignment]
    if "responsible_officer" in data:
        event.responsible_officer = _text(data["responsible_officer"], "responsible_officer", 150, required=True)
    if "weapon_method" in data or "ammunition_method" in data:
        event.weapon_method, event.ammunition_method = _methods(
            data.get("weapon_method", event.weapon_method), data.get("ammunition_method", event.ammunition_method))


# --- events ------------------------------------------------------------------------------------
@transaction.atomic
def plan_event(*, actor: Any, title: str, legal_order: str, site_name: str, planned_on: Any,
               responsible_officer: str, site_address: str = "", latitude: Any = None, longitude: Any = None,
               weapon_method: str = "", ammunition_method: str = "") -> DestructionEvent:
    """Plan a destruction event; it gets the next reference of the State (DE-CC-YYYY-00001)."""
    country_id = _country_id()
    event = DestructionEvent()
    _fill(event, {"title": title, "legal_order": legal_order, "site_name": site_name, "planned_on": planned_on,
                  "responsible_officer": responsible_officer, "site_address": site_address, "latitude": latitude,
                  "longitude": longitude, "weapon_method": weapon_method, "ammunition_method": ammunition_method})
    event.reference = _next_reference(country_id)
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError as exc:
        raise ConflictError(_("Another event took this number at the same moment; try again."),
                            field="reference") from exc
    audit.emit(events.EVENT_PLANNED, target=event, payload={"reference": event.reference, "title": event.title,
                                                            "planned_on": event.planned_on})
    return event


@transaction.atomic
def update_event(*, actor: Any, event: DestructionEvent, **data: Any) -> DestructionEvent:
    """Correct the plan (only while planned)."""
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ServiceError(_("This field cannot be changed here."), field=sorted(unknown)[0])
    event = _planned(event)
    _fill(event, data)
    event.save()
    audit.emit(events.EVENT_CHANGED, target=event, payload={"fields": sorted(data)})
    return event


# --- items -------------------------------------------------------------------------------------
@dataclass
class Problem:
    serial: str
    reason: str


@dataclass
class Added:
    items: list[DestructionItem] = field(default_factory=list)


class ItemsRefused(ServiceError):
    """Some firearms cannot be listed; ``problems`` says which and why. Nothing was listed."""

    def __init__(self, problems: list[Problem], *, field: str = "serials") -> None:
        lines = "; ".join(f"{p.serial}: {p.reason}" for p in problems)
        super().__init__(_("Nothing was added. %(problems)s") % {"problems": lines}, field=field)
        self.problems = problems


def parse_serials(text: str) -> list[str]:
    """Serials pasted or read from a file: one a line, or separated by commas or semicolons;
    blank lines and duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for part in re.split(r"[\r\n,;\t]+", text or ""):
        value = part.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _firearm_problem(firearm: Firearm, *, traces: dict[int, str], elsewhere: dict[int, str],
                     here: set[int]) -> str | None:
    if firearm.status == Status.DESTROYED:
        return _("the registry records this firearm as already destroyed")
    if firearm.status in NOT_IN_HAND:
        return _("the registry records this firearm as %(status)s: it is not in your State's hands") % {
            "status": status_label(firearm.status)}
    if firearm.pk in here:
        return _("already listed in this event")
    if firearm.pk in elsewhere:
        return _("already listed in the open event %(reference)s") % {"reference": elsewhere[firearm.pk]}
    if firearm.pk in traces:
        return _("under an open trace (%(reference)s): it is evidence until the trace ends") % {
            "reference": traces[firearm.pk]}
    return None


@transaction.atomic
def add_firearms(*, actor: Any, event: DestructionEvent, firearms: Iterable[Firearm] = (),
                 serials: Iterable[str] = ()) -> Added:
    """List registry firearms for destruction, given as records or as serials (each resolved
    with the registry's exact look-up among the State's own firearms). All or nothing: when one
    serial is not found, is ambiguous or is refused (already destroyed, not in hand, in another
    open event, under an open trace), nothing is listed and every problem is named."""
    event = _planned(event)
    serials = list(serials)
    if len(serials) > MAX_SERIALS:
        raise ServiceError(_("At most %(limit)s serials at a time.") % {"limit": MAX_SERIALS}, field="serials")
    problems: list[Problem] = []
    chosen: dict[int, tuple[str, Firearm]] = {}
    owned = Firearm.objects.owned()
    for given in firearms:
        found = owned.filter(pk=getattr(given, "pk", None)).first()
        if found is None:
            problems.append(Problem(str(getattr(given, "public_id", given)),
                                    _("no firearm of your State has this identifier")))
            continue
        chosen.setdefault(found.pk, (found.serial_key or str(found.public_id), found))
    for raw in serials:
        key = serial_key(raw)
        matches = list(owned.filter(with_serial_key(key))[:3]) if key else []
        if not matches:
            problems.append(Problem(raw, _("no firearm of your State carries this serial")))
        elif len(matches) > 1:
            problems.append(Problem(raw, _("several firearms of your State carry this serial: choose them from the "
                                           "list")))
        else:
            chosen.setdefault(matches[0].pk, (raw, matches[0]))
    if not chosen and not problems:
        raise ServiceError(_("Choose at least one firearm, or give serials."), field="serials")
    ids = list(chosen)
    traces = selectors.open_traces(ids)
    elsewhere = selectors.in_open_events(ids, exclude=event)
    here = set(DestructionItem.objects.owned().filter(event=event, firearm_id__in=ids)
               .values_list("firearm_id", flat=True))
    for label, firearm in chosen.values():
        reason = _firearm_problem(firearm, traces=traces, elsewhere=elsewhere, here=here)
        if reason is not None:
            problems.append(Problem(label, reason))
    if problems:
        raise ItemsRefused(problems, field="serials" if serials else "firearms")
    added = Added()
    for _label, firearm in chosen.values():
        maker = firearm.make_as_read or (firearm.manufacturer.name if firearm.manufacturer is not None else "")
        description = " ".join(x for x in (firearm.serial_key, maker, firearm.model_as_read) if x)
        item = DestructionItem(event=event, kind=DestructionItem.Kind.FIREARM, firearm=firearm, quantity=1,
                               description=description[:200])
        item.save()
        added.items.append(item)
    audit.emit(events.ITEM_LISTED, target=event, payload={
        "firearms": [str(i.firearm.public_id) for i in added.items if i.firearm is not None],
        "serials": [f.serial_key for _label, f in chosen.values()]})
    return added


@transaction.atomic
def add_lot(*, actor: Any, event: DestructionEvent, lot: AmmunitionLot, storehouse: Storehouse,
            quantity: Any) -> DestructionItem:
    """List a quantity of an ammunition lot held in a storehouse; it may not exceed what the
    ledger places there, less what other open events already list."""
    event = _planned(event)
    lot = _own(AmmunitionLot, lot, "lot")
    store = _own(Storehouse, storehouse, "storehouse")
    number = _count(quantity, "quantity")
    if DestructionItem.objects.owned().filter(event=event, lot=lot, storehouse=store).exists():
        raise ConflictError(_("This lot is already listed from this storehouse in the event."), field="lot")
    held = ledger.balance(store, lot.pk)
    reserved = selectors.reserved_quantity(lot.pk, store.pk, exclude=event)
    if number > held - reserved:
        raise ServiceError(_("Not enough of this lot in %(storehouse)s: the ledger holds %(held)s, other open events "
                             "list %(reserved)s, %(quantity)s asked.") % {
            "storehouse": store, "held": held, "reserved": reserved, "quantity": number}, field="quantity")
    item = DestructionItem(event=event, kind=DestructionItem.Kind.AMMUNITION, lot=lot, storehouse=store,
                           quantity=number, description=f"{lot.nature} / {lot.lot_number}"[:200])
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        raise ConflictError(_("This lot is already listed from this storehouse in the event."), field="lot") from exc
    audit.emit(events.ITEM_LISTED, target=event, payload={"lot": lot.lot_number, "storehouse": str(store),
                                                          "quantity": number})
    return item


@transaction.atomic
def remove_item(*, actor: Any, item: DestructionItem) -> DestructionEvent:
    """Take an item off a planned event."""
    found = DestructionItem.objects.owned().filter(pk=getattr(item, "pk", None)).first()
    if found is None:
        raise ServiceError(_("This item is not in any event of your State."), field="item")
    event = _planned(found.event)
    if DestructionPhoto.objects.owned().filter(item=found).exists():
        raise ConflictError(_("Photos show this item: it stays on the record."), field="item")
    description = str(found)
    found.delete()
    audit.emit(events.EVENT_CHANGED, target=event, payload={"removed": description})
    return event


# --- witnesses, photos, custody ----------------------------------------------------------------
@transaction.atomic
def add_witness(*, actor: Any, event: DestructionEvent, full_name: str, organisation: str = "",
                role: str = Witness.Role.WITNESS, position: str = "", agency: Agency | None = None,
                independent: bool = False) -> Witness:
    """A witness (who counts towards the State's rule, and names their agency) or an observer
    (an international organisation, say; agency optional)."""
    event = _not_closed(event)
    if event.status == E.EXECUTED:
        raise ConflictError(_("The event is executed: its witnesses are on record."), field="status")
    if role not in Witness.Role.values:
        raise ServiceError(_("Choose witness or observer."), field="role")
    if agency is not None:
        agency = _own(Agency, agency, "agency")
    if role == Witness.Role.WITNESS and agency is None:
        raise ServiceError(_("Name the agency the witness belongs to."), field="agency")
    organisation = _text(organisation or (agency.name if agency is not None else ""), "organisation", 200,
                         required=True)
    witness = Witness(event=event, role=role, full_name=_text(full_name, "full_name", 150, required=True),
                      position=_text(position, "position", 150), organisation=organisation, agency=agency,
                      independent=bool(independent))
    witness.save()
    audit.emit(events.WITNESS_ADDED, target=event, payload={"role": role, "full_name": witness.full_name,
                                                            "organisation": organisation})
    return witness


def _image(content: Any) -> bytes:
    if content is None:
        raise ServiceError(_("Choose a photo."), field="image")
    if hasattr(content, "size") and content.size > MAX_PHOTO_BYTES:
        raise ServiceError(_("A photo may be at most 10 MB."), field="image")
    data = content if isinstance(content, bytes) else content.read(MAX_PHOTO_BYTES + 1)
    if not data:
        raise ServiceError(_("Choose a photo."), field="image")
    if len(data) > MAX_PHOTO_BYTES:
        raise ServiceError(_("A photo may be at most 10 MB."), field="image")
    webp = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if not (data.startswith(PHOTO_SIGNATURES) or webp):
        raise ServiceError(_("Photos are JPEG, PNG, GIF or WebP images."), field="image")
    return bytes(data)


@transaction.atomic
def add_photo(*, actor: Any, event: DestructionEvent, stage: str, content: Any, filename: str = "photo",
              caption: str = "", item: DestructionItem | None = None) -> DestructionPhoto:
    """A photo before or after destruction; its SHA-256 is recorded (and named in the
    certificate), so a copy can be checked later."""
    event = _not_closed(event)
    if stage not in DestructionPhoto.Stage.values:
        raise ServiceError(_("Choose before or after."), field="stage")
    if stage == DestructionPhoto.Stage.AFTER and event.status == E.PLANNED:
        raise ServiceError(_("Photos after destruction come once the event is approved."), field="stage")
    if item is not None:
        item = _own(DestructionItem, item, "item")
        if item.event_id != event.pk:
            raise ServiceError(_("This item is not in the event."), field="item")
    data = _image(content)
    digest = hashlib.sha256(data).hexdigest()
    photo = DestructionPhoto(event=event, country_id=event.country_id, item=item, stage=stage, sha256=digest,
                             caption=_text(caption, "caption", 200))
    photo.image.save(filename or "photo", ContentFile(data), save=False)
    photo.save()
    audit.emit(events.PHOTO_ADDED, target=event, payload={"stage": stage, "sha256": digest})
    return photo


def parse_seals(value: Any) -> str:
    parts = value if isinstance(value, list | tuple) else re.split(r"[\s,;]+", str(value or ""))
    seals = list(dict.fromkeys(str(p).strip() for p in parts if str(p).strip()))
    return ", ".join(seals)


@transaction.atomic
def record_custody(*, actor: Any, event: DestructionEvent, at: Any, from_place: str, to_place: str,
                   handed_by: str, received_by: str, seal_numbers: Any = "") -> CustodyStep:
    """One hand-over on the way from the store to the site, with the seals on the containers."""
    event = _not_closed(event)
    seals = parse_seals(seal_numbers)
    step = CustodyStep(event=event, at=_moment(at, "at"),
                       from_place=_text(from_place, "from_place", 200, required=True),
                       to_place=_text(to_place, "to_place", 200, required=True),
                       handed_by=_text(handed_by, "handed_by", 150, required=True),
                       received_by=_text(received_by, "received_by", 150, required=True),
                       seal_numbers=_text(seals, "seal_numbers", 500))
    step.save()
    audit.emit(events.CUSTODY_RECORDED, target=event, payload={"from": step.from_place, "to": step.to_place,
                                                               "seals": seals})
    return step


# --- the State's rule --------------------------------------------------------------------------
@transaction.atomic
def save_policy(*, actor: Any, min_witnesses: Any, min_agencies: Any) -> DestructionPolicy:
    """The State's witness rule: at least N witnesses from at least M different agencies."""
    _country_id()
    witnesses = _count(min_witnesses, "min_witnesses", minimum=1)
    agencies = _count(min_agencies, "min_agencies", minimum=1)
    if witnesses > MAX_RULE:
        raise ServiceError(_("At most %(limit)s.") % {"limit": MAX_RULE}, field="min_witnesses")
    if agencies > witnesses:
        raise ServiceError(_("There cannot be more agencies than witnesses."), field="min_agencies")
    policy = DestructionPolicy.objects.owned().select_for_update().first() or DestructionPolicy()
    new = policy.pk is None
    policy.min_witnesses, policy.min_agencies = witnesses, agencies
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError as exc:
        raise ConflictError(_("Another officer saved the rule at the same moment; try again.")) from exc
    audit.emit(events.POLICY_SAVED, target=policy, payload={"min_witnesses": witnesses, "min_agencies": agencies,
                                                            "new": new})
    return policy


# --- approval, execution, cancelling -----------------------------------------------------------
def _methods_needed(event: DestructionEvent, kinds: set[str]) -> None:
    if kinds & {DestructionItem.Kind.FIREARM, DestructionItem.Kind.PART} and not event.weapon_method:
        raise ServiceError(_("Choose the method for weapons."), field="weapon_method")
    if DestructionItem.Kind.AMMUNITION in kinds and not event.ammunition_method:
        raise ServiceError(_("Choose the method for ammunition."), field="ammunition_method")


@transaction.atomic
def approve_event(*, actor: Any, event: DestructionEvent) -> DestructionEvent:
    """Approve a planned event: it lists at least one item, names its methods and has the
    witnesses the State's rule asks for. A national administrator approves."""
    _may(actor, Action.APPROVE)
    event = _planned(event)
    kinds = set(DestructionItem.objects.owned().filter(event=event).values_list("kind", flat=True))
    if not kinds:
        raise ServiceError(_("List at least one item before approving."), field="items")
    _methods_needed(event, kinds)
    shortfall = selectors.witness_shortfall(event)
    if shortfall:
        raise ServiceError(shortfall, field="witnesses")
    event.status, event.approved_by, event.approved_at = E.APPROVED, actor_name(actor), timezone.now()
    event.save()
    audit.emit(events.EVENT_APPROVED, target=event, payload={"approved_by": event.approved_by})
    return event


@dataclass(frozen=True)
class Outcome:
    status: str  # destroyed | returned
    reason: str = ""


def _outcome(value: Any) -> Outcome:
    if isinstance(value, Outcome):
        return value
    if isinstance(value, str):
        return Outcome(value.strip().lower())
    if isinstance(value, Mapping):
        return Outcome(str(value.get("status", "")).strip().lower(), str(value.get("reason", "") or ""))
    if isinstance(value, list | tuple) and value:
        return Outcome(str(value[0]).strip().lower(), str(value[1]) if len(value) > 1 else "")
    return Outcome("")


def _item_key(key: Any, by_pk: dict[int, DestructionItem], by_public: dict[str, DestructionItem]
              ) -> DestructionItem | None:
    if isinstance(key, DestructionItem):
        return by_pk.get(key.pk)
    return by_public.get(str(key))


def _label(item: DestructionItem) -> str:
    if item.firearm is not None:
        return item.firearm.serial_key or str(item.firearm.public_id)
    return item.description or str(item.public_id)


@transaction.atomic
def execute_event(*, actor: Any, event: DestructionEvent, outcomes: Mapping[Any, Any] | None = None,
                  started_at: Any, ended_at: Any, scrap_disposition: str = "",
                  default: str | None = None) -> DestructionEvent:
    """Record the destruction: each item checked off as ``destroyed`` or ``returned`` (with a
    reason). ``outcomes`` maps items (or their public ids) to an outcome; ``default`` applies to
    every item not named (``"destroyed"`` for "all destroyed"). A firearm destroyed becomes
    destroyed in the registry, irreversibly; ammunition leaves the stock ledger. All or
    nothing; of two officers executing at once, the second is told the event is executed."""
    locked = _event(event, lock=True)
    if locked.status == E.EXECUTED or locked.status == E.CERTIFIED:
        raise ConflictError(_("This event is already executed."), field="status")
    if locked.status != E.APPROVED:
        raise ConflictError(_("Only an approved event can be executed; this one is %(status)s.")
                            % {"status": locked.get_status_display()}, field="status")
    event = locked
    shortfall = selectors.witness_shortfall(event)
    if shortfall:
        raise ServiceError(shortfall, field="witnesses")
    started, ended = _moment(started_at, "started_at"), _moment(ended_at, "ended_at")
    if ended < started:
        raise ServiceError(_("The destruction cannot end before it starts."), field="ended_at")
    day = timezone.localdate(ended)
    items = list(DestructionItem.objects.owned().filter(event=event, status=I.LISTED)
                 .select_related("firearm", "lot", "storehouse").order_by("id"))
    by_pk = {i.pk: i for i in items}
    by_public = {str(i.public_id): i for i in items}
    decided: dict[int, Outcome] = {}
    for key, value in (outcomes or {}).items():
        item = _item_key(key, by_pk, by_public)
        if item is None:
            raise ServiceError(_("%(item)s is not an item of this event.") % {"item": getattr(key, "public_id", key)},
                               field="outcomes")
        decided[item.pk] = _outcome(value)
    for item in items:
        outcome = decided.get(item.pk) or (Outcome(default) if default else None)
        if outcome is None:
            raise ServiceError(_("Say whether %(item)s was destroyed or returned.") % {"item": _label(item)},
                               field="outcomes")
        if outcome.status not in (DESTROYED, RETURNED):
            raise ServiceError(_("%(item)s: the outcome is destroyed or returned.") % {"item": _label(item)},
                               field="outcomes")
        if outcome.status == RETURNED and not outcome.reason.strip():
            raise ServiceError(_("%(item)s: say why it was returned.") % {"item": _label(item)}, field="outcomes")
        decided[item.pk] = outcome
    kinds = {i.kind for i in items if decided[i.pk].status == DESTROYED}
    if not kinds and items:
        raise ServiceError(_("No item is checked off as destroyed: cancel the event instead."), field="outcomes")
    _methods_needed(event, kinds)
    traces = selectors.open_traces(i.firearm_id for i in items if i.firearm_id and decided[i.pk].status == DESTROYED)
    for item in items:
        if item.firearm_id in traces and decided[item.pk].status == DESTROYED:
            raise ServiceError(_("%(serial)s is under an open trace (%(reference)s): return it instead.")
                               % {"serial": _label(item), "reference": traces[item.firearm_id]}, field="outcomes")

    destroyed = returned = 0
    for item in items:
        outcome = decided[item.pk]
        if outcome.status == RETURNED:
            item.status, item.return_reason = I.RETURNED, _text(outcome.reason, "outcomes", 300, required=True)
            item.save()
            returned += 1
            continue
        try:
            if item.lot is not None:
                inventory.record_movement(actor=actor, kind="destruction", occurred_on=day, quantity=item.quantity,
                                          lot=item.lot, from_storehouse=item.storehouse, reference=event.reference,
                                          reason=_("destroyed by %(method)s") % {
                                              "method": event.get_ammunition_method_display()})
            elif item.firearm is not None:
                _destroy_firearm(actor, item.firearm, event, day)
        except ServiceError as exc:
            raise ServiceError(_("%(item)s: %(reason)s") % {"item": _label(item), "reason": exc},
                               field="quantity" if item.lot is not None and exc.field == "quantity"
                               else "outcomes") from exc
        item.status = I.DESTROYED
        item.save()
        destroyed += 1
    event.status, event.started_at, event.ended_at = E.EXECUTED, started, ended
    event.scrap_disposition = _text(scrap_disposition, "scrap_disposition", 4000)
    event.save()
    audit.emit(events.EVENT_EXECUTED, target=event, payload={
        "destroyed": destroyed, "returned": returned, "started_at": started, "ended_at": ended,
        "returned_items": {_label(i): decided[i.pk].reason for i in items if decided[i.pk].status == RETURNED}})
    return event


def _destroy_firearm(actor: Any, firearm: Firearm, event: DestructionEvent, day: dt.date) -> None:
    where = ledger.firearm_location(firearm)
    if where is not None:
        inventory.record_movement(actor=actor, kind="destruction", occurred_on=day, quantity=1, firearm=firearm,
                                  from_storehouse=where, reference=event.reference)
    registry_services.record_event(actor=actor, firearm=firearm, kind=Event.DESTROYED, occurred_on=day,
                                   reference=event.reference,
                                   notes=_("Destroyed by %(method)s at %(site)s.") % {
                                       "method": event.get_weapon_method_display(), "site": event.site_name})


@transaction.atomic
def cancel_event(*, actor: Any, event: DestructionEvent, reason: str) -> DestructionEvent:
    """Cancel a planned or approved event, saying why. Its items return to being candidates."""
    event = _event(event, lock=True)
    if event.status in (E.EXECUTED, E.CERTIFIED):
        raise ConflictError(_("An executed event cannot be cancelled: the destruction happened."), field="status")
    if event.status == E.CANCELLED:
        raise ConflictError(_("This event is already cancelled."), field="status")
    event.cancel_reason = _text(reason, "reason", 4000, required=True)
    event.status = E.CANCELLED
    event.save()
    audit.emit(events.EVENT_CANCELLED, target=event, payload={"reason": event.cancel_reason})
    return event
