"""The national firearms register: each firearm with its serial numbers per component, its
markings, its life as append-only events, photos, and the notices raised when a record matches
a firearm reported lost or stolen."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cifta.core.models import CountryScopedModel
from cifta.core.models.audit import AppendOnlyError
from cifta.core.models.base import country_field
from cifta.registry.engines.lifecycle import Event, Status
from cifta.registry.serials.lookalikes import index_forms


class CivilianHolder(CountryScopedModel):
    """A licensed private holder: the minimum needed to trace a firearm to its last legal holder.
    Shown only to roles allowed to see personal data."""

    history_action = "view_personal_data"

    full_name = models.CharField(_("full name"), max_length=150)
    id_document = models.CharField(_("identity document"), max_length=60, blank=True)
    licence_number = models.CharField(_("licence number"), max_length=60, blank=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("licensed civilian holder")
        verbose_name_plural = _("licensed civilian holders")

    def __str__(self) -> str:
        # No personal data here: this text appears in change logs and audit views.
        return f"{_('licensed civilian holder')} {str(self.public_id)[:8]}"

    def get_absolute_url(self) -> str:
        return reverse("registry:holder_detail", args=[self.public_id])


class Firearm(CountryScopedModel):
    class Source(models.TextChoices):
        MANUFACTURER = "manufacturer", _("manufacturer's record")
        IMPORT = "import", _("import declaration")
        REGISTRATION = "registration", _("registration by the holder")
        STATE_INVENTORY = "state_inventory", _("State inventory")
        SEIZURE = "seizure", _("seizure or recovery")
        COLLECTION = "collection", _("collection or amnesty")
        MARKING = "marking", _("marking session")
        BULK_IMPORT = "bulk_import", _("bulk import")
        OTHER = "other", _("other")

    # Indexes are kept to what reads use: each costs time on every insert (bulk imports write
    # millions). Scoped reads start with country, so (country, ...) indexes serve them.
    country = country_field(db_index=False)  # first column of the indexes below
    type = models.ForeignKey("reference.FirearmType", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("type"))
    manufacturer = models.ForeignKey("reference.Manufacturer", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("make"), db_index=False)  # natural key
    make_as_read = models.CharField(_("make as read"), max_length=150, blank=True)
    model = models.ForeignKey("reference.FirearmModel", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("model"), db_index=False)  # natural key
    model_as_read = models.CharField(_("model as read"), max_length=120, blank=True)
    calibre = models.ForeignKey("reference.Calibre", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("calibre"))
    calibre_as_read = models.CharField(_("calibre as read"), max_length=80, blank=True)
    serial_key = models.CharField(_("serial (frame)"), max_length=40, editable=False,
                                  help_text=_("the frame or receiver serial in canonical form"))
    country_of_manufacture = models.CharField(_("country of manufacture"), max_length=2, blank=True)
    year_of_manufacture = models.PositiveSmallIntegerField(_("year of manufacture"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=[(s.value, s.value) for s in Status],
                              editable=False, help_text=_("derived from the events"))
    holding_agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("holding agency"))
    civilian_holder = models.ForeignKey(CivilianHolder, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="firearms", verbose_name=_("licensed civilian holder"))
    storage_location = models.CharField(_("storage location"), max_length=200, blank=True)
    source = models.CharField(_("record source"), max_length=20, choices=Source.choices, default=Source.OTHER)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("firearm")
        verbose_name_plural = _("firearms")
        constraints = [
            # The natural key of a firearm in a country: maker, model and frame serial.
            models.UniqueConstraint(fields=["country", "manufacturer", "model", "serial_key"],
                                    name="firearm_natural_key"),
        ]
        indexes = [
            # The list's default order (newest first) read straight from an index, per country.
            models.Index(fields=["country", "id"], name="firearm_country_id"),
            models.Index(fields=["country", "serial_key"]), models.Index(fields=["country", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.serial_key or '?'} ({self.make_as_read or '-'} {self.model_as_read})".strip()

    def get_absolute_url(self) -> str:
        return reverse("registry:firearm_detail", args=[self.public_id])


class SerialNumber(CountryScopedModel):
    """A serial number read on one component. The frame or receiver serial is the primary one."""

    country = country_field(db_index=False)  # looked up by key or by firearm
    # Both served by the (firearm, component) unique index or never filtered alone.
    firearm = models.ForeignKey(Firearm, on_delete=models.PROTECT, related_name="serials", verbose_name=_("firearm"),
                                db_index=False)
    component = models.ForeignKey("reference.PartType", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("component"), db_index=False)
    value = models.CharField(_("serial as read"), max_length=60)
    key = models.CharField(_("canonical serial"), max_length=40, editable=False)
    is_primary = models.BooleanField(_("primary (frame or receiver)"), default=False)
    # The serial search's index (serials/lookalikes.index_forms), kept in the row so a serial
    # is findable as soon as its transaction commits: look-alikes folded; the same reversed
    # (a search by the end is a prefix search on it); without letters between digits (the
    # NCIC option; empty when the serial has none, so its index stays small).
    folded = models.CharField(max_length=40, editable=False, default="")
    folded_reversed = models.CharField(max_length=40, editable=False, default="")
    bare = models.CharField(max_length=40, editable=False, default="", blank=True)

    changelog_ignored = CountryScopedModel.changelog_ignored | {"folded", "folded_reversed", "bare"}

    class Meta:
        ordering = ["-is_primary", "component__sort"]
        verbose_name = _("serial number")
        verbose_name_plural = _("serial numbers")
        constraints = [models.UniqueConstraint(fields=["firearm", "component"], name="serial_one_per_component")]
        # Pattern operator classes let PostgreSQL answer LIKE 'AB%' from the index whatever the
        # database's collation, and the included id lets the serial search read index entries
        # without visiting the table; other databases ignore both (SQLite's indexes hold the id).
        indexes = [
            models.Index(fields=["country", "folded"], name="serial_folded",
                         opclasses=["int8_ops", "varchar_pattern_ops"], include=["id"]),
            models.Index(fields=["country", "folded_reversed"], name="serial_folded_reversed",
                         opclasses=["int8_ops", "varchar_pattern_ops"], include=["id"]),
            models.Index(fields=["country", "bare"], name="serial_bare", condition=~models.Q(bare="")),
        ]

    def __str__(self) -> str:
        return self.value

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.folded, self.folded_reversed, self.bare = serial_index_forms(self.key)
        super().save(*args, **kwargs)


def serial_index_forms(key: str) -> tuple[str, str, str]:
    """The indexed forms of a canonical serial (``bare`` empty when it equals ``folded``)."""
    folded, reversed_, bare = index_forms(key)
    return folded, reversed_, "" if bare == folded else bare


class Marking(CountryScopedModel):
    class Kind(models.TextChoices):
        MANUFACTURE = "manufacture", _("manufacture")
        IMPORT = "import", _("import")
        STATE = "state", _("State ownership")
        CONFISCATION = "confiscation", _("confiscation for official use")
        CIVILIAN_TRANSFER = "civilian_transfer", _("transfer to civilian use")
        DEACTIVATION = "deactivation", _("deactivation")
        REMARK = "remark", _("re-mark")

    class Method(models.TextChoices):
        STAMP = "stamp", _("stamp")
        DOT_PEEN = "dot_peen", _("dot-peen")
        LASER = "laser", _("laser")
        ENGRAVING = "engraving", _("engraving")
        OTHER = "other", _("other")

    country = country_field(db_index=False)  # read through its firearm
    firearm = models.ForeignKey(Firearm, on_delete=models.PROTECT, related_name="markings", verbose_name=_("firearm"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    component = models.ForeignKey("reference.PartType", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("component"), db_index=False)
    location = models.CharField(_("location on the weapon"), max_length=120, blank=True)
    text = models.CharField(_("text as read"), max_length=200)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, blank=True)
    country_code = models.CharField(_("country"), max_length=2, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    importer_name = models.CharField(_("importer name"), max_length=150, blank=True)
    importer_address = models.CharField(_("importer address"), max_length=250, blank=True)
    import_country = models.CharField(_("country of import"), max_length=2, blank=True)
    import_year = models.PositiveSmallIntegerField(_("year of import"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("marking")
        verbose_name_plural = _("markings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"


class FirearmEvent(CountryScopedModel):
    """One moment of a firearm's life. Append-only: a mistake is corrected by a new event."""

    country = country_field(db_index=False)  # read through its firearm
    firearm = models.ForeignKey(Firearm, on_delete=models.PROTECT, related_name="events", verbose_name=_("firearm"))
    kind = models.CharField(_("event"), max_length=20, choices=[(e.value, e.value) for e in Event])
    occurred_on = models.DateField(_("date"))
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("agency"))
    civilian_holder = models.ForeignKey(CivilianHolder, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("licensed civilian holder"))
    counterpart_country = models.CharField(_("other country"), max_length=2, blank=True,
                                           help_text=_("country of export or import"))
    reference = models.CharField(_("reference"), max_length=100, blank=True,
                                 help_text=_("case, permit or report number"))
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    status_after = models.CharField(_("status after"), max_length=16, editable=False)

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name = _("firearm event")
        verbose_name_plural = _("firearm events")

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("firearm events are append-only; record a new event instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("firearm events are append-only")


def photo_path(instance: FirearmPhoto, filename: str) -> str:
    return f"firearms/{instance.country_id}/{instance.firearm.public_id}/{instance.sha256}{filename[-5:]}"


class FirearmPhoto(CountryScopedModel):
    firearm = models.ForeignKey(Firearm, on_delete=models.PROTECT, related_name="photos", verbose_name=_("firearm"))
    image = models.FileField(_("photo"), upload_to=photo_path)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.caption or self.sha256[:12]


class HitNotice(CountryScopedModel):
    """A record created, imported or searched matched a firearm reported lost or stolen: the
    agency that reported it is told in the app."""

    class Trigger(models.TextChoices):
        CREATED = "created", _("a record was created")
        IMPORTED = "imported", _("a record was imported")
        SEARCHED = "searched", _("a search")

    firearm = models.ForeignKey(Firearm, on_delete=models.PROTECT, related_name="hit_notices",
                                verbose_name=_("firearm reported lost or stolen"))
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, null=True, related_name="+",
                               verbose_name=_("agency notified"))
    trigger = models.CharField(_("what matched"), max_length=12, choices=Trigger.choices)
    matched_firearm = models.ForeignKey(Firearm, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                        verbose_name=_("matching record"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("hit notice")
        verbose_name_plural = _("hit notices")

    def __str__(self) -> str:
        return f"{self.get_trigger_display()}: {self.firearm}"


class MarkingSequence(CountryScopedModel):
    """The last number used for State-applied serials under one prefix (locked while a number is
    drawn, so two officers never get the same serial)."""

    prefix = models.CharField(max_length=40)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("marking sequence")
        verbose_name_plural = _("marking sequences")
        constraints = [models.UniqueConstraint(fields=["country", "prefix"], name="marking_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix} @ {self.last_number}"


class MarkingSession(CountryScopedModel):
    """An agency's marking session: which machine, who operated it, which firearms were marked."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("agency"))
    held_on = models.DateField(_("date"))
    machine = models.CharField(_("marking machine"), max_length=100, blank=True)
    operator = models.CharField(_("operator"), max_length=150, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("marking session")
        verbose_name_plural = _("marking sessions")

    def __str__(self) -> str:
        return f"{self.held_on} {self.machine}".strip()

    def get_absolute_url(self) -> str:
        return reverse("registry:marking_session_detail", args=[self.public_id])


class MarkingSessionItem(CountryScopedModel):
    """One line of a session (or of a machine log): the text marked and the firearm it matched,
    or why it matched none."""

    session = models.ForeignKey(MarkingSession, on_delete=models.PROTECT, related_name="items",
                                verbose_name=_("marking session"))
    firearm = models.ForeignKey(Firearm, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("firearm"))
    serial = models.CharField(_("serial"), max_length=60)
    text = models.CharField(_("text marked"), max_length=200)
    marked_at = models.DateTimeField(_("marked at"), null=True, blank=True)
    machine = models.CharField(_("machine"), max_length=100, blank=True)
    unmatched_reason = models.CharField(_("why no firearm matched"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("marking session item")
        verbose_name_plural = _("marking session items")

    def __str__(self) -> str:
        return f"{self.serial}: {self.text}"


class SerialRange(CountryScopedModel):
    """A run of serials listed on a licence, a consignment or another document ("BER000100 to
    BER000250"). Searched with the serials, so a recovered firearm that falls in a range is
    found even when the firearms of the range are not registered one by one."""

    class Kind(models.TextChoices):
        LICENCE = "licence", _("licence")
        CONSIGNMENT = "consignment", _("consignment")
        OTHER = "other", _("other document")

    kind = models.CharField(_("listed on"), max_length=12, choices=Kind.choices)
    reference = models.CharField(_("document reference"), max_length=100)
    first_serial = models.CharField(_("first serial"), max_length=60)
    last_serial = models.CharField(_("last serial"), max_length=60)
    manufacturer = models.ForeignKey("reference.Manufacturer", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("make"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Derived from the two serials (serials.ranges.parse_range); the folded start is indexed.
    prefix = models.CharField(max_length=40, editable=False)
    suffix = models.CharField(max_length=40, editable=False)
    folded_prefix = models.CharField(max_length=40, editable=False)
    width = models.PositiveSmallIntegerField(default=0, editable=False)
    first_number = models.BigIntegerField(editable=False)
    last_number = models.BigIntegerField(editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("serial range")
        verbose_name_plural = _("serial ranges")
        indexes = [models.Index(fields=["country", "folded_prefix"], name="serial_range_prefix")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.first_serial} - {self.last_serial}"

    @property
    def size(self) -> int:
        return self.last_number - self.first_number + 1


class ImportMapping(CountryScopedModel):
    """A saved mapping from a file's column headers to the registry's fields."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, default="firearms")
    columns = models.JSONField(_("columns"), default=dict, help_text=_("field name -> header in the file"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [models.UniqueConstraint(fields=["country", "kind", "name"], name="import_mapping_unique")]

    def __str__(self) -> str:
        return self.name


class ImportJob(CountryScopedModel):
    """One file being imported. Valid rows are committed batch by batch; an interrupted job is
    resumed from its last committed batch, and the same file imported again adds nothing."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("finished")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=20, default="firearms")
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    stored_file = models.FileField(_("stored file"), upload_to="imports/", blank=True)
    mapping = models.JSONField(_("columns"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    batches_committed = models.PositiveIntegerField(_("batches committed"), default=0)
    created_count = models.PositiveIntegerField(_("records created"), default=0)
    duplicate_count = models.PositiveIntegerField(_("already present"), default=0)
    rejected_count = models.PositiveIntegerField(_("rows rejected"), default=0)
    errors_preview = models.JSONField(_("first rejected rows"), default=list)
    message = models.CharField(_("message"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("registry:import_detail", args=[self.public_id])
