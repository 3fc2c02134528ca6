"""Global reference data: firearm types and parts, calibres with aliases, manufacturers with the
names stamped on guns and their company history, and models with their variants. Editable by
Secretariat administrators; every change goes through the change log."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import TextChoices
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cifta.core.models import GlobalModel

LANGS = ("en", "es", "fr", "pt")
iso2 = RegexValidator(r"^[A-Z]{2}$", _("Use a two-letter ISO 3166 code."))


class Labelled(models.Model):
    label_en = models.CharField(_("label (English)"), max_length=120)
    label_es = models.CharField(_("label (Spanish)"), max_length=120)
    label_fr = models.CharField(_("label (French)"), max_length=120)
    label_pt = models.CharField(_("label (Portuguese)"), max_length=120)

    class Meta:
        abstract = True

    @property
    def label(self) -> str:
        lang = (get_language() or "en")[:2]
        return str(getattr(self, f"label_{lang}", "") or self.label_en)

    def __str__(self) -> str:
        return self.label


class FirearmType(Labelled, GlobalModel):
    """Kinds of firearms and light weapons, with their class under CIFTA Art. I.3."""

    # TextChoices by its own name: the reverse accessor "models" (FirearmModel.type) shadows the
    # module inside this class for the type checker.
    class Category(TextChoices):
        SMALL_ARM = "small_arm", _("small arm")
        LIGHT_WEAPON = "light_weapon", _("light weapon")

    class CiftaClass(TextChoices):
        BARRELLED = "barrelled", _("barrelled weapon (Art. I.3.a)")
        DESTRUCTIVE = "destructive", _("other weapon or destructive device (Art. I.3.b)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    cifta_class = models.CharField(_("CIFTA class"), max_length=16, choices=CiftaClass.choices)
    marking_code = models.CharField(_("marking code"), max_length=2, help_text=_("two digits used in state markings"))
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("firearm type")
        verbose_name_plural = _("firearm types")

    def get_absolute_url(self) -> str:
        return f"{reverse('reference:type_list')}?q={self.code}"


class PartType(Labelled, GlobalModel):
    """Components that carry serial numbers or are recorded as items (CIFTA Art. I.5)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_essential = models.BooleanField(
        _("essential component"), default=False,
        help_text=_("the frame or receiver: the part that carries the required marks (ITI §10)"),
    )
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("part type")
        verbose_name_plural = _("part types")

    def get_absolute_url(self) -> str:
        return f"{reverse('reference:part_list')}?q={self.code}"


class Calibre(GlobalModel):
    """A cartridge (or a shotgun gauge, kept apart) with its canonical designation."""

    class Kind(models.TextChoices):
        CARTRIDGE = "cartridge", _("cartridge")
        GAUGE = "gauge", _("shotgun gauge")
        LIGHT_WEAPON = "light_weapon", _("light weapon ammunition")

    class Standard(models.TextChoices):
        SAAMI = "SAAMI", "SAAMI"
        CIP = "CIP", "C.I.P."
        NATO = "NATO", "NATO"
        PROPRIETARY = "proprietary", _("proprietary")
        NONE = "", _("none")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    designation = models.CharField(_("designation"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CARTRIDGE)
    standard = models.CharField(_("standard"), max_length=12, choices=Standard.choices, blank=True)
    marking_code = models.CharField(_("marking code"), max_length=2, blank=True,
                                    help_text=_("two characters used in state markings"))
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "designation"]
        verbose_name = _("calibre")
        verbose_name_plural = _("calibres")

    def __str__(self) -> str:
        return self.designation

    def get_absolute_url(self) -> str:
        return reverse("reference:calibre_detail", args=[self.code])


class CalibreAlias(GlobalModel):
    calibre = models.ForeignKey(Calibre, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("calibre"))
    alias = models.CharField(_("alias"), max_length=80)
    key = models.CharField(max_length=80, unique=True, editable=False)

    class Meta:
        ordering = ["alias"]
        verbose_name = _("calibre alias")
        verbose_name_plural = _("calibre aliases")

    def __str__(self) -> str:
        return self.alias

    def get_absolute_url(self) -> str:
        return self.calibre.get_absolute_url()


class Manufacturer(GlobalModel):
    code = models.CharField(
        _("maker code"), max_length=4, unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2,4}$", _("two to four capital letters or digits"))],
        help_text=_("the MMMM part of a state marking"),
    )
    name = models.CharField(_("name"), max_length=150, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    country_code = models.CharField(_("country"), max_length=2, validators=[iso2], help_text=_("ISO 3166 alpha-2"))
    active_from = models.PositiveSmallIntegerField(_("active from (year)"), null=True, blank=True)
    active_until = models.PositiveSmallIntegerField(_("active until (year)"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reference:manufacturer_detail", args=[self.code])


class ManufacturerAlias(GlobalModel):
    """A name that appears stamped on guns, and in which role (up to four makers on one gun)."""

    class Role(models.TextChoices):
        MANUFACTURER = "manufacturer", _("manufacturer")
        IMPORTER = "importer", _("importer")
        LICENSOR = "licensor", _("licensor")
        BRAND = "brand", _("brand or trademark")

    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.CASCADE, related_name="aliases",
                                     verbose_name=_("manufacturer"))
    name = models.CharField(_("name as stamped"), max_length=150)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MANUFACTURER)
    key = models.CharField(max_length=150, editable=False, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("manufacturer alias")
        verbose_name_plural = _("manufacturer aliases")
        constraints = [models.UniqueConstraint(fields=["key", "role"], name="manufacturer_alias_unique_key_role")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.manufacturer.get_absolute_url()


class ManufacturerSuccession(GlobalModel):
    predecessor = models.ForeignKey(Manufacturer, on_delete=models.CASCADE, related_name="successions",
                                    verbose_name=_("predecessor"))
    successor = models.ForeignKey(Manufacturer, on_delete=models.CASCADE, related_name="predecessions",
                                  verbose_name=_("successor"))
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("company succession")
        verbose_name_plural = _("company successions")
        constraints = [models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique")]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"

    def get_absolute_url(self) -> str:
        return self.successor.get_absolute_url()


class FirearmModel(GlobalModel):
    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="models",
                                     verbose_name=_("manufacturer"))
    name = models.CharField(_("model"), max_length=120)
    type = models.ForeignKey(FirearmType, on_delete=models.PROTECT, related_name="models", verbose_name=_("type"))
    external_ref = models.CharField(
        _("external reference"), max_length=60, blank=True,
        help_text=_("an id in another reference table, such as an IFRT number (the id only, never its data)"),
    )

    class Meta:
        ordering = ["manufacturer__name", "name"]
        verbose_name = _("firearm model")
        verbose_name_plural = _("firearm models")
        constraints = [models.UniqueConstraint(fields=["manufacturer", "name"], name="model_unique_per_maker")]

    def __str__(self) -> str:
        return f"{self.manufacturer.name} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("reference:model_detail", args=[self.public_id])


class ModelVariant(GlobalModel):
    """One make/model/calibre/action combination with its template id (as national firearm
    identification databases do)."""

    class Action(models.TextChoices):
        SEMI_AUTOMATIC = "semi_automatic", _("semi-automatic")
        SELECT_FIRE = "select_fire", _("selective fire")
        AUTOMATIC = "automatic", _("automatic")
        BOLT = "bolt", _("bolt action")
        LEVER = "lever", _("lever action")
        PUMP = "pump", _("pump action")
        BREAK = "break", _("break action")
        REVOLVER = "revolver", _("revolver")
        SINGLE_SHOT = "single_shot", _("single shot")
        OTHER = "other", _("other")

    model = models.ForeignKey(FirearmModel, on_delete=models.CASCADE, related_name="variants",
                              verbose_name=_("model"))
    calibre = models.ForeignKey(Calibre, on_delete=models.PROTECT, related_name="variants", verbose_name=_("calibre"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    template_id = models.CharField(_("template id"), max_length=20, unique=True, editable=False)

    class Meta:
        ordering = ["template_id"]
        verbose_name = _("model variant")
        verbose_name_plural = _("model variants")
        constraints = [models.UniqueConstraint(fields=["model", "calibre", "action"], name="variant_unique")]

    def __str__(self) -> str:
        return f"{self.template_id} {self.model} {self.calibre} ({self.get_action_display()})"

    def get_absolute_url(self) -> str:
        return self.model.get_absolute_url()
