"""The directory: member states (and the Secretariat as its own organisation), their agencies,
and the national points of contact that CIFTA Art. XIV asks each State to designate."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cifta.core.models import CountryScopedModel, GlobalModel
from cifta.core.models.managers import GuardedQuerySet
from cifta.core.scoping import ALL_COUNTRIES, Scope

LANGUAGE_CODES = ("en", "es", "fr", "pt")


class TranslatedName(models.Model):
    """Names in the four OAS languages, one column each (sortable and searchable per language)."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        lang = (get_language() or "en")[:2]
        if lang not in LANGUAGE_CODES:
            lang = "en"
        return str(getattr(self, f"name_{lang}") or self.name_en)


class CountryQuerySet(GuardedQuerySet):
    def member_states(self) -> models.QuerySet[Country]:
        return self.filter(kind=Country.Kind.MEMBER_STATE)


class Country(TranslatedName, GlobalModel):
    """A tenant of the hub. The 35 OAS member states carry ISO 3166 codes; the CIFTA Technical
    Secretariat is its own organisation with kind ``secretariat`` (code ``OAS``) so that its
    programme records are scoped the same way as a State's."""

    class Kind(models.TextChoices):
        MEMBER_STATE = "member_state", _("OAS member state")
        SECRETARIAT = "secretariat", _("Technical Secretariat")

    class CiftaStatus(models.TextChoices):
        RATIFIED = "ratified", _("ratified")
        SIGNED = "signed", _("signed, not ratified")
        NOT_SIGNED = "not_signed", _("not signed")
        UNKNOWN = "unknown", _("unknown")

    code = models.CharField(_("code"), max_length=3, unique=True, help_text=_("ISO 3166-1 alpha-2"))
    alpha3 = models.CharField(_("ISO alpha-3"), max_length=3, blank=True)
    numeric = models.CharField(_("ISO numeric"), max_length=3, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MEMBER_STATE)
    cifta_status = models.CharField(
        _("CIFTA status"), max_length=12, choices=CiftaStatus.choices, default=CiftaStatus.UNKNOWN
    )
    cifta_signed_on = models.DateField(_("signed on"), null=True, blank=True)
    cifta_ratified_on = models.DateField(_("ratified on"), null=True, blank=True)
    cifta_status_source = models.CharField(_("source of the status"), max_length=300, blank=True)

    objects = CountryQuerySet.as_manager()  # type: ignore[assignment,misc]

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:country_detail", args=[self.code])

    @property
    def is_secretariat(self) -> bool:
        return self.kind == self.Kind.SECRETARIAT


class Agency(CountryScopedModel):
    """A national authority (or a unit of the Secretariat) that users belong to."""

    class Kind(models.TextChoices):
        REGISTRY = "registry", _("registry office")
        POLICE = "police", _("police")
        ARMED_FORCES = "armed_forces", _("armed forces")
        CUSTOMS = "customs", _("customs")
        LICENSING = "licensing", _("licensing authority")
        JUDICIARY = "judiciary", _("judiciary")
        SECRETARIAT = "secretariat", _("Technical Secretariat")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    city = models.CharField(_("city"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [models.UniqueConstraint(fields=["country", "name"], name="agency_unique_name_per_country")]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:agency_detail", args=[self.public_id])


class PointOfContact(CountryScopedModel):
    """A national point of contact (CIFTA Art. XIV). Published contacts are the one part of a
    State's directory that every State and the Secretariat can read: that is their purpose."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="points_of_contact",
                               verbose_name=_("agency"))
    full_name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("title or function"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    languages = models.CharField(_("working languages"), max_length=40, blank=True,
                                 help_text=_("for example: es, en"))
    is_primary = models.BooleanField(_("primary contact"), default=False)
    published = models.BooleanField(
        _("published to other States"), default=True,
        help_text=_("Published contacts are visible to every State Party and the Secretariat."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-is_primary", "full_name"]
        verbose_name = _("national point of contact")
        verbose_name_plural = _("national points of contact")

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("directory:contact_detail", args=[self.public_id])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        # Counterpart rule: published, active contacts are shared with every State.
        if scope is ALL_COUNTRIES:
            return Q()
        return Q(country__in=scope) | Q(published=True, is_active=True)
