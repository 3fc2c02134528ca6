"""Reads of facilities for the pages and the API: the filtered list with its counts, and the
layout of a facility's map (a server-drawn SVG: no tiles, no online service, no script)."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

import django_filters
from django.db.models import Count, Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cifta.stockpile.models import Facility
from cifta.stockpile.safety_bridge import FacilityMap

ACTIVE_CHOICES = (("yes", gettext_lazy("active")), ("no", gettext_lazy("inactive")), ("any", gettext_lazy("any")))


class FacilityFilterSet(django_filters.FilterSet):
    """The filters of the facility list, on the page and in the API: ``q`` (name or address),
    ``kind``, ``operator`` (an agency's public id), ``active`` (yes, no, any)."""

    q = django_filters.CharFilter(method="search", label=gettext_lazy("Name or address"))
    kind = django_filters.ChoiceFilter(choices=Facility.Kind.choices, label=gettext_lazy("Kind"))
    operator = django_filters.CharFilter(method="by_operator", label=gettext_lazy("Operator agency"))
    active = django_filters.ChoiceFilter(choices=ACTIVE_CHOICES, method="by_active", label=gettext_lazy("Status"))

    class Meta:
        model = Facility
        fields = ["q", "kind", "operator", "active"]

    def search(self, queryset: QuerySet[Facility], name: str, value: str) -> QuerySet[Facility]:
        text = value.strip()
        return queryset.filter(Q(name__icontains=text) | Q(address__icontains=text)) if text else queryset

    def by_operator(self, queryset: QuerySet[Facility], name: str, value: str) -> QuerySet[Facility]:
        try:
            return queryset.filter(operator__public_id=uuid.UUID(value.strip()))
        except ValueError:  # not an identifier: nothing matches
            return queryset.none()

    def by_active(self, queryset: QuerySet[Facility], name: str, value: str) -> QuerySet[Facility]:
        return queryset if value == "any" else queryset.filter(is_active=value == "yes")


def facility_queryset() -> QuerySet[Facility]:
    """The facilities of the scope with the number of active storehouses and of exposed sites."""
    return Facility.objects.select_related("country", "operator").annotate(
        storehouse_count=Count("storehouses", filter=Q(storehouses__is_active=True), distinct=True),
        site_count=Count("exposed_sites", distinct=True)).order_by("name", "id")


def facilities(params: Any) -> tuple[QuerySet[Facility], dict[str, str]]:
    """The facility list of the page: the FilterSet's filters, active facilities by default."""
    chosen = {key: str(params.get(key, "") or "").strip() for key in ("q", "kind", "operator", "active")}
    chosen["active"] = chosen["active"] if chosen["active"] in ("yes", "no", "any") else "yes"
    filterset = FacilityFilterSet(chosen, queryset=facility_queryset())
    if not filterset.is_valid():
        chosen["kind"] = "" if "kind" in filterset.errors else chosen["kind"]
        return facility_queryset().none(), chosen
    return filterset.qs, chosen


# --- the map -----------------------------------------------------------------------------------
SIZE = 640  # pixels, square
MARGIN = 48
RING_COLOURS = {"ibd": "#b3261e", "ptrd": "#b36b00"}
SITE_COLOURS = {"inhabited_building": "#5b3a8c", "public_traffic_route": "#33691e", "process_building": "#005a87"}
FLAG = "#b3261e"


def _f(value: float) -> str:
    """A coordinate for an SVG attribute: never localized (no decimal comma, no grouping)."""
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


@dataclass(frozen=True)
class Marker:
    """A storehouse (a square) or an exposed site (a circle, diamond or triangle) in pixels;
    every coordinate is a string ready for an SVG attribute."""

    name: str
    role: str
    kind: str
    kind_label: str
    flagged: bool
    colour: str
    x: str
    y: str
    label_x: str
    label_y: str
    box_x: str = ""  # a storehouse's square
    box_y: str = ""
    points: str = ""  # a polygon's points (routes, process buildings)


def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 × 10^n metres not above ``metres`` (a scale bar's length)."""
    if metres <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(metres))
    for step in (5, 2, 1):
        if step * power <= metres:
            return float(step * power)
    return float(power)


def distance_label(metres: float) -> str:
    if metres >= 1000:
        return _("%(km)s km") % {"km": number_format(metres / 1000, decimal_pos=0 if metres % 1000 == 0 else 1,
                                                      use_l10n=True)}
    return _("%(m)s m") % {"m": number_format(metres, decimal_pos=0 if metres % 1 == 0 else 1, use_l10n=True,
                                              force_grouping=True)}


def _marker(point: Any, x: float, y: float) -> Marker:
    colour = FLAG if point.flagged else ("#1b1f24" if point.role == "storehouse"
                                         else SITE_COLOURS.get(point.kind, "#1b1f24"))
    common = {"name": point.name, "role": point.role, "kind": point.kind, "kind_label": point.kind_label,
              "flagged": point.flagged, "colour": colour, "x": _f(x), "y": _f(y), "label_x": _f(x + 9)}
    if point.role == "storehouse":
        return Marker(**common, label_y=_f(y - 8), box_x=_f(x - 6), box_y=_f(y - 6))
    points = ""
    if point.kind == "public_traffic_route":  # a diamond
        points = " ".join(f"{_f(a)},{_f(b)}" for a, b in ((x, y - 7), (x + 7, y), (x, y + 7), (x - 7, y)))
    elif point.kind == "process_building":  # a triangle
        points = " ".join(f"{_f(a)},{_f(b)}" for a, b in ((x, y - 7), (x + 7, y + 6), (x - 7, y + 6)))
    return Marker(**common, label_y=_f(y + 4), points=points)


def map_layout(fmap: FacilityMap, size: int = SIZE) -> dict[str, Any]:
    """Pixel geometry of the map: north up, the facility at the centre, one scale for both axes."""
    half = size / 2
    scale = (half - MARGIN) / fmap.extent_m  # pixels per metre

    def px(x: float, y: float) -> tuple[float, float]:
        return half + x * scale, half - y * scale

    rings = []
    for ring in sorted(fmap.rings, key=lambda r: -r.radius_m):
        cx, cy = px(ring.x, ring.y)
        radius = ring.radius_m * scale
        rings.append({"cx": _f(cx), "cy": _f(cy), "r": _f(radius), "what": ring.what,
                      "colour": RING_COLOURS[ring.what], "storehouse": ring.storehouse,
                      "label": distance_label(ring.radius_m), "label_y": _f(cy - radius - 3),
                      "dash": "6 4" if ring.what == "ptrd" else ""})
    markers = [_marker(point, *px(point.x, point.y)) for point in fmap.points]
    bar_m = nice_length(fmap.extent_m / 2)
    bar_px = bar_m * scale
    left, bottom = MARGIN / 2, size - MARGIN / 2
    nx, ny = size - MARGIN / 2, MARGIN / 2 + 8
    return {
        "size": str(size), "frame": str(size - 1), "rings": rings, "markers": markers,
        "storehouses": [m for m in markers if m.role == "storehouse"],
        "sites": [m for m in markers if m.role == "site"],
        "scale": {"x1": _f(left), "x2": _f(left + bar_px), "y": _f(bottom), "tick_top": _f(bottom - 5),
                  "tick_bottom": _f(bottom + 5), "label": distance_label(bar_m), "label_x": _f(left + bar_px / 2),
                  "label_y": _f(bottom - 8), "metres": bar_m},
        "north": {"points": " ".join(f"{_f(a)},{_f(b)}" for a, b in (
                      (nx, ny - 14), (nx + 8, ny + 10), (nx, ny + 4), (nx - 8, ny + 10))),
                  "x": _f(nx), "label_y": _f(ny + 24)},
        "metres_per_pixel": number_format(1 / scale, decimal_pos=2, use_l10n=True),
    }
