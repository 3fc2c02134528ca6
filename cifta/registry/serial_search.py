"""The serial search of one State's register: damaged, ambiguous and partial serials, ranked,
each hit with its reasons. The pure engine (``serials/``) parses the query, plans the index
probes and judges each candidate; this module runs the probes on the scoped tables, applies
the filters, ranks, writes the audit record and tells the agencies of lost or stolen firearms.

Make, model and calibre keep records whose value is unknown (a recovered firearm's make may be
misread or counterfeit, research note 01 §5.1) and rank those that agree higher; type,
status and holding agency are strict filters.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cifta.core import audit
from cifta.core.errors import ServiceError
from cifta.core.scoping import ScopeError, single_country_id
from cifta.directory.models import Agency, Country
from cifta.reference.models import FirearmModel, PartType
from cifta.reference.normalise import name_key
from cifta.reference.selectors import resolve_calibre, resolve_manufacturer, resolve_model
from cifta.registry import events, serial_probes, services
from cifta.registry.engines.lifecycle import Status
from cifta.registry.models import Firearm
from cifta.registry.selectors import resolve_firearm_type
from cifta.registry.serial_ranges import RangeHit, ranges_containing
from cifta.registry.serials.lookalikes import DEFAULT_GROUPS, INDEX_FOLDING, Folding, search_key
from cifta.registry.serials.matching import EXACT, FOLDED, Match, Matcher, Prefilter
from cifta.registry.serials.plan import Plan, TooBroad, plan, plan_or_fewer_edits
from cifta.registry.serials.query import QueryError, SerialQuery, parse

MAX_CANDIDATES = 30_000  # index entries read for one query; past it, one edit fewer (or refused at none)
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
AGREEMENT = {"make": 30, "model": 20, "calibre": 10}  # points; a tier is worth 50 or more


@dataclass
class Filters:
    make: str = ""
    model: str = ""
    calibre: str = ""
    type: str = ""
    status: str = ""
    agency: str = ""  # public id or name of one's own agency

    def given(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class Hit:
    firearm: Firearm
    serial: str  # the serial as compared (letters and digits)
    value: str  # as read on the firearm
    component: str
    primary: bool
    match: Match
    agreement: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        return self.match.score + sum(AGREEMENT[a] for a in self.agreement)

    @property
    def reported_missing(self) -> bool:
        return self.firearm.status in services.REPORTED_MISSING

    @property
    def reasons(self) -> list[str]:
        return reason_texts(self)

    @property
    def marked(self) -> list[tuple[str, bool]]:
        """The serial's characters, each flagged when it differs from what was typed."""
        flagged = {int(p["pos"]) for code, p in self.match.reasons
                   if code in ("lookalike", "unknown", "set", "substitution", "missing")}
        for code, p in self.match.reasons:
            if code == "transposition":
                flagged |= {int(p["pos"]), int(p["next"])}
            if code == "star":
                flagged |= set(range(int(p["pos"]), int(p["pos"]) + len(str(p["found"]))))
        return [(char, i + 1 in flagged) for i, char in enumerate(self.serial)]


@dataclass
class SearchResult:
    query: SerialQuery  # as searched: its max_edits may be lower than asked (see ``reduced``)
    hits: list[Hit]
    candidates: int
    reduced: bool = False  # edits were lowered because too many serials were within reach
    ranges: list[RangeHit] = field(default_factory=list)  # licences and consignments the serial falls in


class TooManyCandidates(ServiceError):
    pass


def _refused(code: str, params: dict[str, Any]) -> ServiceError:
    messages = {
        "empty": _("Type the serial as it can be read."),
        "control": _("The query contains control characters."),
        "too_long": _("At most %(limit)s characters."),
        "unbalanced": _("A [ has no matching ], a ] no matching [, or the brackets are empty."),
        "bad_character": _("%(char)r cannot be a candidate inside [ ]: letters and digits only."),
        "only_wildcards": _("The query has only wildcards: give the characters that can be read."),
        "too_broad": _("Too broad: give at least %(minimum)s known characters for this search."),
        "edits_with_star": _("Edits cannot be combined with *: use ? for unknown positions."),
    }
    message = str(messages.get(code, code))
    return ServiceError(message % params if params else message, field="q")


def folding_for(country_code: str) -> Folding:
    """The State's look-alike groups (setting CIFTA_SERIAL_LOOKALIKES, by country code)."""
    groups = getattr(settings, "CIFTA_SERIAL_LOOKALIKES", {}).get(country_code, DEFAULT_GROUPS)
    folding = Folding(groups)
    if not folding.within(INDEX_FOLDING):  # the system check refuses this at start; fail safe here too
        return INDEX_FOLDING
    return folding


def _candidates(found: Plan, strict: Q, query: SerialQuery) -> list[tuple[Any, ...]]:
    """Serials the plan's probes reach and the pre-filter keeps, as (firearm id, key, value,
    component, is primary). TooManyCandidates when the probes would read more than
    MAX_CANDIDATES index entries. The scoped manager adds the country condition."""
    try:
        rows, _read = serial_probes.candidate_rows(found, strict, Prefilter(query), MAX_CANDIDATES)
    except serial_probes.TooManyEntries as exc:
        raise TooManyCandidates(_("Too broad: this would match a large part of the register. Add characters "
                                  "or filters."), field="q") from exc
    return rows


def _firearm_filters(filters: Filters) -> tuple[Q, dict[str, int | None]]:
    """The strict filters as a condition on serials, and the ids that agreement is judged on."""
    condition = Q()
    wanted: dict[str, int | None] = {}
    maker = None
    if filters.make:
        maker = resolve_manufacturer(filters.make)
        if maker is None:
            raise ServiceError(_("No manufacturer has this name or alias."), field="make")
        wanted["make"] = maker.pk
        condition &= Q(firearm__manufacturer_id=maker.pk) | Q(firearm__manufacturer__isnull=True)
    if filters.model:
        if "make" in wanted:
            known = resolve_model(maker, filters.model) if maker else None
            ids = [known.pk] if known else []
        else:  # the same model name may belong to several makers
            ids = [m.pk for m in FirearmModel.objects.all() if name_key(m.name) == name_key(filters.model)]
        if not ids:
            raise ServiceError(_("No model has this name."), field="model")
        wanted["model"] = ids[0] if len(ids) == 1 else None
        condition &= Q(firearm__model_id__in=ids) | Q(firearm__model__isnull=True)
    if filters.calibre:
        calibre = resolve_calibre(filters.calibre)
        if calibre is None:
            raise ServiceError(_("No calibre has this name or alias."), field="calibre")
        wanted["calibre"] = calibre.pk
        condition &= Q(firearm__calibre_id=calibre.pk) | Q(firearm__calibre__isnull=True)
    if filters.type:
        kind = resolve_firearm_type(filters.type)
        if kind is None:
            raise ServiceError(_("Unknown firearm type %(value)r.") % {"value": filters.type}, field="type")
        condition &= Q(firearm__type_id=kind.pk)
    if filters.status:
        if filters.status not in {s.value for s in Status}:
            raise ServiceError(_("Unknown status %(value)r.") % {"value": filters.status}, field="status")
        condition &= Q(firearm__status=filters.status)
    if filters.agency:
        agencies = Agency.objects.owned()
        agency = (agencies.filter(public_id=filters.agency).first() if _is_uuid(filters.agency)
                  else next((a for a in agencies if name_key(a.name) == name_key(filters.agency)), None))
        if agency is None:
            raise ServiceError(_("No agency of yours is named %(value)r.") % {"value": filters.agency},
                               field="agency")
        condition &= Q(firearm__holding_agency_id=agency.pk)
    return condition, wanted


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def search_serials(raw: str, *, case_reference: str, filters: Filters | None = None, max_edits: int | None = None,
                   ignore_embedded_letters: bool = False, limit: int = DEFAULT_LIMIT) -> SearchResult:
    """Search the scope's country. Refusals (a bad query, a query too broad, no case
    reference) are ServiceErrors naming the field; nothing is read from the register then."""
    filters = filters or Filters()
    case_reference = (case_reference or "").strip()
    if not case_reference:
        raise ServiceError(_("Give the case reference: every search is recorded with it."), field="case_reference")
    if len(case_reference) > 100:
        raise ServiceError(_("At most %(limit)s characters.") % {"limit": 100}, field="case_reference")
    try:
        country_id = single_country_id()
    except ScopeError as exc:
        raise ServiceError(_("A serial search runs in one State's register."), field="q") from exc
    try:
        query = parse(raw, max_edits=max_edits, ignore_embedded_letters=ignore_embedded_letters)
    except QueryError as exc:
        raise _refused(exc.code, exc.params) from exc
    limit = max(1, min(int(limit), MAX_LIMIT))
    strict, wanted = _firearm_filters(filters)
    folding = folding_for(Country.objects.get(pk=country_id).code)
    sample = serial_probes.sample_for(country_id)
    ranges = ranges_containing(query, folding, limit)
    rows, reduced = None, False
    if query.max_edits:
        # Exact, look-alike and pattern matches first: when they fill the page, no edit can
        # rank among them, and these probes are the cheapest.
        unedited = replace(query, max_edits=0)
        try:
            first = _candidates(plan(unedited, sample.reach), strict, unedited)
        except (TooBroad, TooManyCandidates):
            first = []
        judge = Matcher(unedited, folding)
        if len({firearm for firearm, key, *_rest in first if judge.match(key) is not None}) >= limit:
            rows, query = first, unedited
    while rows is None:
        try:
            # Estimated from the sample; reading stops at MAX_CANDIDATES whatever the estimate said.
            query, probes = plan_or_fewer_edits(query, reach=sample.reach)
            rows = _candidates(probes, strict, query)
        except TooBroad as exc:
            raise ServiceError(_("Too broad: give at least two characters at the start or at the end, or allow "
                                 "fewer edits."), field="q") from exc
        except TooManyCandidates:
            if not query.max_edits:
                raise
            query, reduced = replace(query, max_edits=query.max_edits - 1), True
    matcher = Matcher(query, folding)
    best: dict[int, tuple[Match, str, str, str, bool]] = {}
    for firearm_id, key, value, component, primary in rows:
        found = matcher.match(key)
        if found is None:
            continue
        held = best.get(firearm_id)
        if held is None or (found.score, primary) > (held[0].score, held[4]):
            best[firearm_id] = (found, key, value, component, primary)
    firearms = {f.pk: f for f in Firearm.objects.filter(pk__in=list(best)).select_related(
        "type", "manufacturer", "model", "calibre", "holding_agency")}
    hits = []
    for firearm_id, (found, key, value, component, primary) in best.items():
        firearm = firearms[firearm_id]
        agreement = [name for name, attr in (("make", "manufacturer_id"), ("model", "model_id"),
                                             ("calibre", "calibre_id"))
                     if wanted.get(name) is not None and getattr(firearm, attr) == wanted[name]]
        hits.append(Hit(firearm, search_key(key), value, component, primary, found, agreement))
    hits.sort(key=lambda h: (-h.score, not h.primary, h.serial, h.firearm.pk))
    hits = hits[:limit]
    with transaction.atomic():
        audit.audit_read(events.SERIAL_SEARCHED, country_id=country_id, query={
            "query": raw, "normalised": query.text, "filters": filters.given(), "max_edits": query.max_edits,
            "edits_reduced": reduced, "ignore_embedded_letters": ignore_embedded_letters,
            "candidates": len(rows), "range_hits": len(ranges)},
            result_count=len(hits) + len(ranges), case_reference=case_reference)
        strong = [h.firearm for h in hits if h.match.tier in (EXACT, FOLDED)]
        services.raise_search_hits(strong, query=query.text)
    return SearchResult(query, hits, len(rows), reduced, ranges)


# --- reasons as sentences ----------------------------------------------------------------------

def tier_label(tier: str) -> str:
    return str({
        "exact": _("exact"), "folded": _("look-alikes"), "embedded": _("letters between digits ignored"),
        "pattern": _("pattern"), "edit1": _("one edit"), "edit2": _("two edits"),
    }[tier])


def reason_text(code: str, p: dict[str, Any]) -> str:
    if code == "lookalike":
        return _("%(typed)s read as %(found)s at position %(pos)s") % p
    if code == "unknown":
        return _("? is %(found)s at position %(pos)s") % p
    if code == "set":
        return _("[%(set)s] is %(found)s at position %(pos)s") % p
    if code == "star":
        if not p["found"]:
            return _("* stands for nothing")
        return _("* stands for %(found)s from position %(pos)s") % p
    if code == "substitution":
        return _("%(typed)s typed, %(found)s registered at position %(pos)s") % p
    if code == "missing":
        return _("%(found)s not typed, at position %(pos)s") % p
    if code == "extra":
        return _("%(typed)s typed but not registered (query position %(pos)s)") % p
    if code == "transposition":
        return _("positions %(pos)s and %(next)s swapped") % p
    if code == "embedded":
        return _("letters between digits ignored (%(letters)s)") % p
    return code


def reason_texts(hit: Hit) -> list[str]:
    texts = [tier_label(hit.match.tier)]
    edits = [c for c, _p in hit.match.reasons if c in ("substitution", "missing", "extra", "transposition")]
    if edits:
        texts[0] = ngettext("%(count)s edit", "%(count)s edits", len(edits)) % {"count": len(edits)}
    texts.extend(reason_text(code, params) for code, params in hit.match.reasons)
    if not hit.primary:
        part = PartType.objects.filter(code=hit.component).first()
        texts.append(_("on the %(component)s") % {"component": part.label if part else hit.component})
    labels = {"make": _("same make"), "model": _("same model"), "calibre": _("same calibre")}
    texts.extend(str(labels[a]) for a in hit.agreement)
    return texts


def hit_as_dict(hit: Hit) -> dict[str, Any]:
    """One hit as the API and the command line give it."""
    f = hit.firearm
    return {
        "firearm": str(f.public_id), "serial": hit.serial, "serial_as_read": hit.value, "component": hit.component,
        "primary": hit.primary, "make": f.manufacturer.name if f.manufacturer else f.make_as_read,
        "model": f.model.name if f.model else f.model_as_read,
        "calibre": f.calibre.designation if f.calibre else f.calibre_as_read,
        "type": f.type.code, "status": f.status, "reported_missing": hit.reported_missing,
        "tier": hit.match.tier, "edits": hit.match.edits, "score": hit.score,
        "reason": "; ".join(hit.reasons),
        "reasons": [{"code": code, **params} for code, params in hit.match.reasons],
        "agreement": hit.agreement,
    }
