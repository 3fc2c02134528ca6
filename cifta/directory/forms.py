from __future__ import annotations

from typing import Any

from django import forms

from cifta.directory.models import Agency, PointOfContact


class AgencyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Agency
        fields = ["name", "acronym", "kind", "city", "email", "phone", "is_active"]


class PointOfContactForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = PointOfContact
        fields = ["agency", "full_name", "title", "email", "phone", "languages", "is_primary", "published", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per request inside the scope: only one's own agencies can be chosen.
        self.fields["agency"].queryset = Agency.objects.owned().filter(is_active=True)  # type: ignore[attr-defined]
