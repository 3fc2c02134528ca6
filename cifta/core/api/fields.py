from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework import serializers


class ScopedRelatedField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A foreign key given by public id, resolved through the related model's scoped manager at
    request time: another country's id reads as "does not exist"."""

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        self.related_model = model
        kwargs.setdefault("slug_field", "public_id")
        super().__init__(queryset=model._default_manager, **kwargs)

    def get_queryset(self) -> Any:
        return self.related_model._default_manager.all()
