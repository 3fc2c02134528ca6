"""Forms of the reference pages. Lists are written as one line of text, in the same notation as
the CSV files: aliases "a|b|c", manufacturer aliases "NAME:role|NAME", variants
"calibre_code:action;calibre_code:action"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cifta.reference import csvio
from cifta.reference.models import Calibre, FirearmModel, FirearmType, Manufacturer, ManufacturerAlias, ModelVariant
from cifta.reference.normalise import name_key

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def split_aliases(text: str) -> list[str]:
    return [a.strip() for a in text.split("|") if a.strip()]


def parse_manufacturer_aliases(text: str) -> list[tuple[str, str]]:
    aliases = []
    roles = ManufacturerAlias.Role.values
    for item in split_aliases(text):
        name, _sep, role = item.partition(":")
        role = role.strip() or ManufacturerAlias.Role.MANUFACTURER
        if role not in roles:
            raise forms.ValidationError(
                gettext("%(role)s is not a role; use one of: %(roles)s") % {"role": role, "roles": ", ".join(roles)})
        if not name.strip():
            raise forms.ValidationError(gettext("%(item)s has no name before the colon") % {"item": item})
        aliases.append((name.strip(), role))
    return aliases


def parse_variants(text: str) -> list[tuple[str, str]]:
    variants = []
    actions = ModelVariant.Action.values
    codes = set(Calibre.objects.values_list("code", flat=True))
    for item in (i.strip() for i in text.split(";")):
        if not item:
            continue
        calibre, _sep, action = item.partition(":")
        calibre, action = calibre.strip(), action.strip() or ModelVariant.Action.OTHER
        if calibre not in codes:
            raise forms.ValidationError(gettext("%(code)s is not a calibre code") % {"code": calibre})
        if action not in actions:
            raise forms.ValidationError(gettext("%(action)s is not an action; use one of: %(actions)s")
                                        % {"action": action, "actions": ", ".join(actions)})
        if (calibre, action) not in variants:
            variants.append((calibre, action))
    return variants


class CalibreForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40, required=False,
                           help_text=_("a short identifier such as 9x19; made from the designation when left empty"))
    designation = forms.CharField(label=_("Designation"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=Calibre.Kind.choices, initial=Calibre.Kind.CARTRIDGE)
    standard = forms.ChoiceField(label=_("Standard"), choices=Calibre.Standard.choices, required=False)
    marking_code = forms.CharField(label=_("Marking code"), max_length=2, required=False,
                                   help_text=_("two characters used in state markings"))
    aliases = forms.CharField(label=_("Other names"), required=False, max_length=2000,
                              help_text=_('names found on guns or in records, separated by "|" '
                                          '(for example: 9 mm Luger|9 mm Parabellum)'))

    def __init__(self, *args: Any, instance: Calibre | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            own = name_key(instance.designation)
            kwargs.setdefault("initial", {
                "code": instance.code, "designation": instance.designation, "kind": instance.kind,
                "standard": instance.standard, "marking_code": instance.marking_code,
                "aliases": "|".join(a.alias for a in instance.aliases.all() if a.key != own),
            })
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("the code cannot be changed")

    def clean_code(self) -> str:
        if self.instance is not None:
            return self.instance.code
        return str(self.cleaned_data.get("code") or "").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance is None and not data.get("code") and data.get("designation"):
            data["code"] = name_key(data["designation"]).lower()[:40]
        return data

    def clean_aliases(self) -> list[str]:
        return split_aliases(self.cleaned_data.get("aliases", ""))

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"code": d["code"], "designation": d["designation"].strip(), "kind": d["kind"],
                "standard": d.get("standard") or "", "marking_code": (d.get("marking_code") or "").strip(),
                "aliases": d["aliases"]}


class ManufacturerForm(forms.Form):
    code = forms.RegexField(label=_("Maker code"), regex=r"^[A-Z0-9]{2,4}$", max_length=4,
                            help_text=_("two to four capital letters or digits: the MMMM part of a state marking"),
                            error_messages={"invalid": _("two to four capital letters or digits")})
    name = forms.CharField(label=_("Name"), max_length=150)
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    country_code = forms.CharField(label=_("Country code"), max_length=2, min_length=2,
                                   help_text=_("ISO 3166 alpha-2, for example AT or BR"))
    active_from = forms.IntegerField(label=_("Active from (year)"), required=False, min_value=1000, max_value=2999)
    aliases = forms.CharField(
        label=_("Names stamped on guns"), required=False, max_length=4000,
        help_text=_('separated by "|"; add ":importer", ":brand" or ":licensor" after a name that is not the '
                    'maker\'s own (for example: S&W:brand|SMITH & WESSON)'))
    predecessor = forms.ModelChoiceField(label=_("Predecessor"), queryset=Manufacturer.objects.none(),
                                         to_field_name="code", required=False,
                                         help_text=_("the company this one succeeded"))
    succession_year = forms.IntegerField(label=_("Year of the succession"), required=False, min_value=1000,
                                         max_value=2999)

    def __init__(self, *args: Any, instance: Manufacturer | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            own = name_key(instance.name)
            link = instance.predecessions.select_related("predecessor").first()
            kwargs.setdefault("initial", {
                "code": instance.code, "name": instance.name, "legal_name": instance.legal_name,
                "country_code": instance.country_code, "active_from": instance.active_from,
                "aliases": "|".join(
                    a.name if a.role == ManufacturerAlias.Role.MANUFACTURER else f"{a.name}:{a.role}"
                    for a in instance.aliases.all()
                    if not (a.key == own and a.role == ManufacturerAlias.Role.MANUFACTURER)
                ),
                "predecessor": link.predecessor.code if link else None,
                "succession_year": link.year if link else None,
            })
        super().__init__(*args, **kwargs)
        # Built per request.
        choices = Manufacturer.objects.order_by("name")
        if instance is not None:
            choices = choices.exclude(pk=instance.pk)
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("the code cannot be changed")
        self.fields["predecessor"].queryset = choices  # type: ignore[attr-defined]

    def clean_code(self) -> str:
        return self.instance.code if self.instance is not None else str(self.cleaned_data["code"])

    def clean_country_code(self) -> str:
        return str(self.cleaned_data["country_code"]).strip().upper()

    def clean_aliases(self) -> list[tuple[str, str]]:
        return parse_manufacturer_aliases(self.cleaned_data.get("aliases", ""))

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        pred = d.get("predecessor")
        return {"code": d["code"], "name": d["name"].strip(), "legal_name": (d.get("legal_name") or "").strip(),
                "country_code": d["country_code"], "active_from": d.get("active_from"), "aliases": d["aliases"],
                "predecessor": (pred.code, d.get("succession_year")) if pred else None}


class FirearmModelForm(forms.Form):
    manufacturer = forms.ModelChoiceField(label=_("Manufacturer"), queryset=Manufacturer.objects.none(),
                                          to_field_name="code")
    name = forms.CharField(label=_("Model"), max_length=120)
    type = forms.ModelChoiceField(label=_("Type"), queryset=FirearmType.objects.none(), to_field_name="code")
    variants = forms.CharField(
        label=_("Variants"), required=False, max_length=2000,
        help_text=_('calibre code and action, separated by ";" (for example: 9x19:semi_automatic;40sw:semi_automatic)'))
    external_ref = forms.CharField(label=_("External reference"), max_length=60, required=False,
                                   help_text=_("an id in another reference table (the id only, never its data)"))

    def __init__(self, *args: Any, instance: FirearmModel | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", {
                "manufacturer": instance.manufacturer.code, "name": instance.name, "type": instance.type.code,
                "variants": ";".join(f"{v.calibre.code}:{v.action}"
                                     for v in instance.variants.select_related("calibre").order_by("pk")),
                "external_ref": instance.external_ref,
            })
        super().__init__(*args, **kwargs)
        self.fields["manufacturer"].queryset = Manufacturer.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["type"].queryset = FirearmType.objects.all()  # type: ignore[attr-defined]
        if instance is not None:
            # Template ids are made from the maker and the model name: they stay.
            for name in ("manufacturer", "name"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("cannot be changed: the template ids are made from it")

    def clean_variants(self) -> list[tuple[str, str]]:
        return parse_variants(self.cleaned_data.get("variants", ""))

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"manufacturer_code": d["manufacturer"].code, "name": d["name"].strip(), "type_code": d["type"].code,
                "variants": d["variants"], "external_ref": (d.get("external_ref") or "").strip()}


class CsvUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Table"), choices=[])
    file = forms.FileField(label=_("CSV file"),
                           help_text=_("UTF-8, with the same columns as the export of that table"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, label) for k, label in table_labels().items()]  # type: ignore[attr-defined]

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(gettext("The file is larger than 5 MB."))
        raw = upload.read()
        try:
            return str(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                gettext("The file is not UTF-8 text (byte %(byte)s). Save it as \"CSV UTF-8\" and try again.")
                % {"byte": exc.start}) from exc


def table_labels() -> dict[str, Any]:
    """The tables that can be exported and imported, in load order, with their names."""
    labels = {"types": _("Firearm types"), "parts": _("Part types"), "calibres": _("Calibres"),
              "manufacturers": _("Manufacturers"), "models": _("Firearm models")}
    return {kind: labels[kind] for kind in csvio.SEED_ORDER}
