"""Arsenal records of a State: facilities, storehouses and what is exposed around them,
ammunition lots, the movement ledger that every balance is derived from, stock checks with
their discrepancies, and physical security assessments (CIFTA Art. VIII; IATG 01.50, 02.20,
03.10; MOSAIC 05.20).

Balances are never stored: they are sums over ``Movement`` rows, which are append-only (a
correction is a new row with a reason). The safety rules themselves are a pure engine in
``stockpile/safety/``; these models only hold the facts it is given.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cifta.core.models import CountryScopedModel
from cifta.core.models.audit import AppendOnlyError

LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


class Facility(CountryScopedModel):
    class Kind(models.TextChoices):
        ARMOURY = "armoury", _("armoury")
        DEPOT = "depot", _("depot")
        AMMUNITION_AREA = "ammunition_area", _("ammunition storage area")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    operator = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("operator agency"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, validators=LATITUDE)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, validators=LONGITUDE)
    address = models.CharField(_("address"), max_length=250, blank=True)
    perimeter_fence = models.BooleanField(_("perimeter fence"), default=False)
    intrusion_alarm = models.BooleanField(_("intrusion alarm"), default=False)
    guarded_24h = models.BooleanField(_("guarded day and night"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [models.UniqueConstraint(fields=["country", "name"], name="facility_name_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("stockpile:facility_detail", args=[self.public_id])


class Storehouse(CountryScopedModel):
    """A potential explosion site (or a weapons store) inside a facility, with the net
    explosive quantity its licence allows per hazard division."""

    class Kind(models.TextChoices):
        EARTH_COVERED = "earth_covered", _("earth-covered magazine")
        ABOVE_GROUND = "above_ground", _("above-ground magazine")
        LIGHT_STRUCTURE = "light_structure", _("light structure")
        OPEN_STACK = "open_stack", _("open stack")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="storehouses",
                                 verbose_name=_("facility"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, validators=LATITUDE)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, validators=LONGITUDE)
    licensed_limits_kg = models.JSONField(_("licensed limits (kg NEQ per hazard division)"), default=dict,
                                          blank=True)
    conditions_met = models.JSONField(_("conditions recorded as met"), default=list, blank=True)
    holds_weapons = models.BooleanField(_("stores weapons"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["facility_id", "name"]
        verbose_name = _("storehouse")
        verbose_name_plural = _("storehouses")
        constraints = [models.UniqueConstraint(fields=["facility", "name"], name="storehouse_name_unique")]

    def __str__(self) -> str:
        return f"{self.facility.name} / {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("stockpile:storehouse_detail", args=[self.public_id])


class ExposedSite(CountryScopedModel):
    """Something around a facility that its storehouses must be kept away from. Its distance
    to each storehouse comes from the coordinates, unless a measured distance is recorded."""

    class Kind(models.TextChoices):
        INHABITED_BUILDING = "inhabited_building", _("inhabited building")
        PUBLIC_TRAFFIC_ROUTE = "public_traffic_route", _("public traffic route")
        PROCESS_BUILDING = "process_building", _("process building")

    class Traffic(models.TextChoices):
        LIGHT = "light", _("light traffic")
        HEAVY = "heavy", _("heavy traffic")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="exposed_sites",
                                 verbose_name=_("facility"))
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    traffic = models.CharField(_("traffic class"), max_length=8, choices=Traffic.choices, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=LATITUDE)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=LONGITUDE)

    class Meta:
        ordering = ["facility_id", "name"]
        verbose_name = _("exposed site")
        verbose_name_plural = _("exposed sites")

    def __str__(self) -> str:
        return self.name


class MeasuredDistance(CountryScopedModel):
    """A distance measured on the ground between a storehouse and an exposed site; it takes
    precedence over the distance computed from coordinates."""

    storehouse = models.ForeignKey(Storehouse, on_delete=models.PROTECT, related_name="measured_distances",
                                   verbose_name=_("storehouse"))
    site = models.ForeignKey(ExposedSite, on_delete=models.PROTECT, related_name="measured_distances",
                             verbose_name=_("exposed site"))
    distance_m = models.DecimalField(_("distance (m)"), max_digits=9, decimal_places=1,
                                     validators=[MinValueValidator(0)])
    measured_on = models.DateField(_("measured on"))

    class Meta:
        verbose_name = _("measured distance")
        verbose_name_plural = _("measured distances")
        constraints = [models.UniqueConstraint(fields=["storehouse", "site"], name="measured_distance_unique")]

    def __str__(self) -> str:
        return f"{self.distance_m} m"


class SafetyRules(CountryScopedModel):
    """A State's tightening of the explosive-safety rules (never a loosening: the engine
    refuses one), applied to every check of its storehouses. ``tightenings`` holds the
    arguments of ``safety.ruleset.RuleSet.tightened``: multiplier, minimum_m, functions,
    forbid_pairs."""

    label = models.CharField(_("legal reference"), max_length=100,
                             help_text=_("The national rule that sets these values, e.g. a resolution number."))
    tightenings = models.JSONField(_("tightenings"), default=dict, blank=True)

    class Meta:
        verbose_name = _("national safety rules")
        verbose_name_plural = _("national safety rules")
        constraints = [models.UniqueConstraint(fields=["country"], name="safety_rules_one_per_state")]

    def __str__(self) -> str:
        return self.label


class AmmunitionLot(CountryScopedModel):
    """A lot (or batch) of ammunition or explosives: what it is and how hazardous. How much of
    it lies where follows from the ledger."""

    class Condition(models.TextChoices):
        SERVICEABLE = "serviceable", _("serviceable")
        UNSERVICEABLE = "unserviceable", _("unserviceable")
        SUSPENDED = "suspended", _("suspended")
        AWAITING_DISPOSAL = "awaiting_disposal", _("awaiting disposal")

    class HazardDivision(models.TextChoices):
        HD11 = "1.1", "1.1"
        HD121 = "1.2.1", "1.2.1"
        HD122 = "1.2.2", "1.2.2"
        HD13 = "1.3", "1.3"
        HD14 = "1.4", "1.4"
        HD15 = "1.5", "1.5"
        HD16 = "1.6", "1.6"

    nature = models.CharField(_("nature"), max_length=150, help_text=_("For example: cartridge 7.62x51 ball"))
    calibre = models.CharField(_("calibre"), max_length=80, blank=True)
    lot_number = models.CharField(_("lot or batch"), max_length=60)
    manufacturer = models.CharField(_("manufacturer"), max_length=150, blank=True)
    year = models.PositiveSmallIntegerField(_("year of manufacture"), null=True, blank=True)
    un_number = models.CharField(_("UN number"), max_length=6, blank=True)
    hazard_division = models.CharField(_("hazard division"), max_length=5, choices=HazardDivision.choices)
    compatibility_group = models.CharField(_("compatibility group"), max_length=1)
    neq_per_unit_kg = models.DecimalField(_("net explosive quantity per unit (kg)"), max_digits=12,
                                          decimal_places=6)
    condition = models.CharField(_("condition"), max_length=18, choices=Condition.choices,
                                 default=Condition.SERVICEABLE)
    surveillance_due = models.DateField(_("next surveillance test"), null=True, blank=True)
    expiry_date = models.DateField(_("shelf-life expiry"), null=True, blank=True)
    is_surplus = models.BooleanField(_("declared surplus"), default=False)

    class Meta:
        ordering = ["nature", "lot_number"]
        verbose_name = _("ammunition lot")
        verbose_name_plural = _("ammunition lots")
        constraints = [models.UniqueConstraint(fields=["country", "nature", "lot_number"],
                                               name="ammunition_lot_unique")]

    def __str__(self) -> str:
        return f"{self.nature} / {self.lot_number}"

    def get_absolute_url(self) -> str:
        return reverse("stockpile:lot_detail", args=[self.public_id])


class Movement(CountryScopedModel):
    """One line of the ledger: a quantity of a lot, or one registry firearm, coming into or
    leaving a storehouse (or moving between two). Append-only."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("receipt")
        ISSUE = "issue", pgettext_lazy("stock movement", "issue")
        MOVE = "move", _("internal move")
        TRANSFER_OUT = "transfer_out", _("transfer out")
        LOSS = "loss", _("loss")
        DESTRUCTION = "destruction", _("destruction")
        CORRECTION_IN = "correction_in", _("correction (add)")
        CORRECTION_OUT = "correction_out", _("correction (remove)")

    kind = models.CharField(_("movement"), max_length=16, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    lot = models.ForeignKey(AmmunitionLot, on_delete=models.PROTECT, null=True, blank=True, related_name="movements",
                            verbose_name=_("ammunition lot"))
    firearm = models.ForeignKey("registry.Firearm", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("firearm"))
    quantity = models.PositiveIntegerField(_("quantity"))
    from_storehouse = models.ForeignKey(Storehouse, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="movements_out", verbose_name=_("from"))
    to_storehouse = models.ForeignKey(Storehouse, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="movements_in", verbose_name=_("to"))
    reference = models.CharField(_("document reference"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("corrects"))

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        indexes = [models.Index(fields=["lot", "to_storehouse"], name="movement_lot_in"),
                   models.Index(fields=["lot", "from_storehouse"], name="movement_lot_out"),
                   models.Index(fields=["firearm", "id"], name="movement_firearm")]
        constraints = [models.CheckConstraint(
            condition=(models.Q(lot__isnull=False, firearm__isnull=True)
                       | models.Q(lot__isnull=True, firearm__isnull=False, quantity=1)),
            name="movement_lot_or_one_firearm")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("a movement is never changed: record a correction")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("a movement is never removed: record a correction")


class StockCheck(CountryScopedModel):
    """A physical count of a facility, scheduled, counted, then closed."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        COUNTING = "counting", _("counting")
        CLOSED = "closed", _("closed")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="stock_checks",
                                 verbose_name=_("facility"))
    scheduled_on = models.DateField(_("scheduled on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    counted_by = models.CharField(_("counted by"), max_length=150, blank=True)
    witness = models.CharField(_("witness"), max_length=150, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_on", "-id"]
        verbose_name = _("stock check")
        verbose_name_plural = _("stock checks")

    def __str__(self) -> str:
        return f"{self.facility.name} {self.scheduled_on}"

    def get_absolute_url(self) -> str:
        return reverse("stockpile:check_detail", args=[self.public_id])


class CountLine(CountryScopedModel):
    """What was counted in one storehouse for one lot (or whether one firearm was there),
    beside what the ledger said at that moment."""

    check_run = models.ForeignKey(StockCheck, on_delete=models.PROTECT, related_name="lines",
                                  verbose_name=_("stock check"))
    storehouse = models.ForeignKey(Storehouse, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("storehouse"))
    lot = models.ForeignKey(AmmunitionLot, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name=_("ammunition lot"))
    firearm = models.ForeignKey("registry.Firearm", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("firearm"))
    recorded = models.PositiveIntegerField(_("recorded"))
    counted = models.PositiveIntegerField(_("counted"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("count line")
        verbose_name_plural = _("count lines")
        constraints = [
            models.UniqueConstraint(fields=["check_run", "storehouse", "lot"], condition=models.Q(lot__isnull=False),
                                    name="count_line_lot_once"),
            models.UniqueConstraint(fields=["check_run", "firearm"], condition=models.Q(firearm__isnull=False),
                                    name="count_line_firearm_once"),
        ]

    def __str__(self) -> str:
        return f"{self.counted}/{self.recorded}"

    @property
    def difference(self) -> int:
        return self.counted - self.recorded


class Discrepancy(CountryScopedModel):
    """A count that differs from the ledger, opened as a case until it is resolved."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        INVESTIGATING = "investigating", _("under investigation")
        FOUND = "found", _("resolved as found")
        LOST = "lost", _("reported lost")
        STOLEN = "stolen", _("reported stolen")
        WRITTEN_OFF = "written_off", _("written off")

    line = models.OneToOneField(CountLine, on_delete=models.PROTECT, related_name="discrepancy",
                                verbose_name=_("count line"))
    difference = models.IntegerField(_("difference"))
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    settlement = models.ForeignKey(Movement, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("ledger entry that settled it"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("discrepancy")
        verbose_name_plural = _("discrepancies")

    def __str__(self) -> str:
        return f"{self.difference:+d}"


class WrittenOnce:
    """Assessments are history: a new one each time, never an edit or a removal."""

    _state: Any

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("an assessment is never changed: record a new one")
        super().save(*args, **kwargs)  # type: ignore[misc]

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("an assessment is never removed")


class SecurityAssessment(WrittenOnce, CountryScopedModel):
    """A physical security assessment of a facility against the checklist
    (``stockpile/security_checklist.py``), item by item, with evidence and recommendations."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="assessments",
                                 verbose_name=_("facility"))
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.CharField(_("assessor"), max_length=150)
    checklist_version = models.CharField(_("checklist version"), max_length=40)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("security assessment")
        verbose_name_plural = _("security assessments")

    def __str__(self) -> str:
        return f"{self.facility.name} {self.assessed_on}"

    def get_absolute_url(self) -> str:
        return reverse("stockpile:assessment_detail", args=[self.public_id])


class AssessmentItem(WrittenOnce, CountryScopedModel):
    class Score(models.IntegerChoices):
        NOT_MET = 0, _("not met")
        PARTLY = 1, _("partly met")
        MET = 2, _("met")

    assessment = models.ForeignKey(SecurityAssessment, on_delete=models.PROTECT, related_name="items",
                                   verbose_name=_("security assessment"))
    code = models.CharField(_("checklist item"), max_length=40)
    score = models.PositiveSmallIntegerField(_("score"), choices=Score.choices, null=True, blank=True,
                                             help_text=_("Blank when the item does not apply."))
    evidence = models.TextField(_("evidence"), blank=True)
    recommendation = models.TextField(_("recommendation"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")
        constraints = [models.UniqueConstraint(fields=["assessment", "code"], name="assessment_item_once")]

    def __str__(self) -> str:
        return self.code
