"""Destruction of weapons and ammunition (IATG 10.10; MOSAIC 05.50; CIFTA Art. VII): the
event from plan to certificate, its items, witnesses, photos and chain of custody, the
authorities' signing keys and the certificates they sign.

A certificate's content is a signed payload (``destruction/certificates/``, a pure engine);
the database keeps the envelope exactly as signed, so what a verifier checks is what was issued.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cifta.core.models import CountryScopedModel
from cifta.core.models.audit import AppendOnlyError


class Method(models.TextChoices):
    CUTTING = "cutting", _("cutting")
    CRUSHING = "crushing", _("crushing")
    SHREDDING = "shredding", _("shredding")
    SMELTING = "smelting", _("smelting")
    OPEN_BURNING = "open_burning", _("open burning")
    OPEN_DETONATION = "open_detonation", _("open detonation")
    INCINERATION = "closed_burning", _("incineration")
    INDUSTRIAL = "mechanical_downsizing", _("industrial demilitarisation")


WEAPON_METHODS = (Method.CUTTING, Method.CRUSHING, Method.SHREDDING, Method.SMELTING)
AMMUNITION_METHODS = (Method.OPEN_BURNING, Method.OPEN_DETONATION, Method.INCINERATION, Method.INDUSTRIAL)


class DestructionPolicy(CountryScopedModel):
    """A State's own rule for witnesses (default: at least two, from two agencies)."""

    min_witnesses = models.PositiveSmallIntegerField(_("witnesses required"), default=2,
                                                     validators=[MinValueValidator(1)])
    min_agencies = models.PositiveSmallIntegerField(_("from at least this many agencies"), default=2,
                                                    validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("destruction rules")
        verbose_name_plural = _("destruction rules")
        constraints = [models.UniqueConstraint(fields=["country"], name="destruction_policy_one_per_state")]

    def __str__(self) -> str:
        return str(_("destruction rules"))


class DestructionEvent(CountryScopedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        APPROVED = "approved", _("approved")
        EXECUTED = "executed", _("executed")
        CERTIFIED = "certified", _("certified")
        CANCELLED = "cancelled", _("cancelled")

    reference = models.CharField(_("reference"), max_length=40, editable=False)
    title = models.CharField(_("title"), max_length=200)
    legal_order = models.CharField(_("legal order"), max_length=200,
                                   help_text=_("The decision or court order that authorises the destruction."))
    site_name = models.CharField(_("site"), max_length=200)
    site_address = models.CharField(_("address"), max_length=250, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    planned_on = models.DateField(_("planned on"))
    responsible_officer = models.CharField(_("responsible officer"), max_length=150)
    weapon_method = models.CharField(_("method for weapons"), max_length=24, choices=Method.choices, blank=True)
    ammunition_method = models.CharField(_("method for ammunition"), max_length=24, choices=Method.choices,
                                         blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    approved_by = models.CharField(_("approved by"), max_length=150, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    scrap_disposition = models.TextField(_("scrap disposition"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        ordering = ["-planned_on", "-id"]
        verbose_name = _("destruction event")
        verbose_name_plural = _("destruction events")
        constraints = [models.UniqueConstraint(fields=["country", "reference"], name="destruction_event_reference")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("destruction:event_detail", args=[self.public_id])


class DestructionItem(CountryScopedModel):
    """One firearm (or part) from the registry, or a quantity of an ammunition lot taken from
    a storehouse, listed for an event and then checked off as destroyed or returned."""

    class Kind(models.TextChoices):
        FIREARM = "firearm", _("firearm")
        PART = "part", _("part")
        AMMUNITION = "ammunition", _("ammunition")

    class Status(models.TextChoices):
        LISTED = "listed", _("listed")
        DESTROYED = "destroyed", _("destroyed")
        RETURNED = "returned", _("returned")

    event = models.ForeignKey(DestructionEvent, on_delete=models.PROTECT, related_name="items",
                              verbose_name=_("destruction event"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    firearm = models.ForeignKey("registry.Firearm", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("firearm"))
    lot = models.ForeignKey("stockpile.AmmunitionLot", on_delete=models.PROTECT, null=True, blank=True,
                            related_name="+", verbose_name=_("ammunition lot"))
    storehouse = models.ForeignKey("stockpile.Storehouse", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("taken from"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    description = models.CharField(_("description"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.LISTED)
    return_reason = models.CharField(_("why returned"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("destruction item")
        verbose_name_plural = _("destruction items")
        constraints = [
            models.UniqueConstraint(fields=["event", "firearm"], condition=models.Q(firearm__isnull=False),
                                    name="destruction_item_firearm_once"),
            models.UniqueConstraint(fields=["event", "lot", "storehouse"], condition=models.Q(lot__isnull=False),
                                    name="destruction_item_lot_once"),
            models.CheckConstraint(condition=(models.Q(firearm__isnull=False, lot__isnull=True, quantity=1)
                                              | models.Q(firearm__isnull=True, lot__isnull=False)),
                                   name="destruction_item_firearm_or_lot"),
        ]

    def __str__(self) -> str:
        return self.description or f"{self.kind} {self.quantity}"


class Witness(CountryScopedModel):
    class Role(models.TextChoices):
        WITNESS = "witness", _("witness")
        OBSERVER = "observer", _("observer")

    event = models.ForeignKey(DestructionEvent, on_delete=models.PROTECT, related_name="witnesses",
                              verbose_name=_("destruction event"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.WITNESS)
    full_name = models.CharField(_("full name"), max_length=150)
    position = models.CharField(_("position"), max_length=150, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200)
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("agency"))
    independent = models.BooleanField(_("independent of the holding agency"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("witness")
        verbose_name_plural = _("witnesses")

    def __str__(self) -> str:
        return self.full_name


def destruction_photo_path(instance: DestructionPhoto, filename: str) -> str:
    # The file is named by its hash; only the extension of the name given is kept.
    stem, dot, ext = filename.rpartition("/")[2].rpartition(".")
    suffix = f".{ext.lower()[:5]}" if dot and stem and ext.isalnum() else ""
    return f"destruction/{instance.country_id}/{instance.sha256}{suffix}"


class DestructionPhoto(CountryScopedModel):
    class Stage(models.TextChoices):
        BEFORE = "before", _("before")
        AFTER = "after", _("after")

    event = models.ForeignKey(DestructionEvent, on_delete=models.PROTECT, related_name="photos",
                              verbose_name=_("destruction event"))
    item = models.ForeignKey(DestructionItem, on_delete=models.PROTECT, null=True, blank=True, related_name="photos",
                             verbose_name=_("item"))
    stage = models.CharField(_("stage"), max_length=6, choices=Stage.choices)
    image = models.FileField(_("photo"), upload_to=destruction_photo_path)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("destruction photo")
        verbose_name_plural = _("destruction photos")

    def __str__(self) -> str:
        return self.sha256[:12]


class CustodyStep(CountryScopedModel):
    """One hand-over on the way from the store to the destruction site, with its seals."""

    event = models.ForeignKey(DestructionEvent, on_delete=models.PROTECT, related_name="custody",
                              verbose_name=_("destruction event"))
    at = models.DateTimeField(_("at"))
    from_place = models.CharField(pgettext_lazy("place", "from"), max_length=200)
    to_place = models.CharField(pgettext_lazy("place", "to"), max_length=200)
    seal_numbers = models.CharField(_("seal numbers"), max_length=500, blank=True)
    handed_by = models.CharField(_("handed over by"), max_length=150)
    received_by = models.CharField(_("received by"), max_length=150)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("custody step")
        verbose_name_plural = _("custody steps")

    def __str__(self) -> str:
        return f"{self.from_place} -> {self.to_place}"


class SigningKey(CountryScopedModel):
    """An issuing authority's Ed25519 key. The private half is kept encrypted with the hub's
    key-encryption secret and never leaves the server; the public half is published."""

    class Revocation(models.TextChoices):
        SUPERSEDED = "superseded", _("superseded (routine rotation)")
        KEY_COMPROMISE = "key_compromise", _("key compromised")
        UNSPECIFIED = "unspecified", _("other")

    authority = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("issuing authority"))
    key_id = models.CharField(_("key id"), max_length=16, unique=True, editable=False)
    public_key = models.CharField(_("public key"), max_length=64, editable=False)
    private_key_pem = models.TextField(editable=False)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(_("why revoked"), max_length=16, choices=Revocation.choices, blank=True)

    changelog_masked = frozenset({"password", "key_hash", "secret", "private_key_pem"})

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")

    def __str__(self) -> str:
        return self.key_id


class Certificate(CountryScopedModel):
    """The signed certificate of one event, kept exactly as signed. Withdrawing it is the only
    change it ever sees (and verification then says so)."""

    # A foreign key, not one-to-one: a withdrawn certificate stays on record and the event may be
    # certified again (after a key compromise, say); at most one certificate in force per event.
    event = models.ForeignKey(DestructionEvent, on_delete=models.PROTECT, related_name="certificates",
                              verbose_name=_("destruction event"))
    number = models.CharField(_("certificate number"), max_length=64, unique=True, editable=False)
    envelope = models.TextField(_("signed envelope (JSON)"), editable=False)
    digest = models.CharField(_("fingerprint (SHA-256)"), max_length=64, editable=False)
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="certificates",
                            verbose_name=_("signing key"))
    issued_at = models.DateTimeField(_("issued at"), editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("why withdrawn"), blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("destruction certificate")
        verbose_name_plural = _("destruction certificates")
        constraints = [models.UniqueConstraint(fields=["event"], condition=models.Q(withdrawn_at__isnull=True),
                                               name="destruction_certificate_one_in_force")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("destruction:certificate_detail", args=[self.public_id])

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_changelog_loaded", None)
        if loaded is not None and (loaded.get("envelope") != self.envelope or loaded.get("digest") != self.digest):
            raise AppendOnlyError("a certificate's signed content never changes: withdraw it and issue another")
        super().save(*args, **kwargs)
