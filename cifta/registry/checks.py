"""System checks of the registry's settings (run at every start and by ``cifta check``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from cifta.registry.serials.lookalikes import INDEX_FOLDING, Folding, LookalikeError


@register()
def serial_lookalikes(app_configs: Any, **kwargs: Any) -> list[Error]:
    """CIFTA_SERIAL_LOOKALIKES: per country code, look-alike groups that the index folds too
    (a State may fold fewer characters than the default, never others: the index would not
    find what its search matches)."""
    errors = []
    for code, groups in getattr(settings, "CIFTA_SERIAL_LOOKALIKES", {}).items():
        try:
            folding = Folding(groups)
        except LookalikeError as exc:
            errors.append(Error(f"CIFTA_SERIAL_LOOKALIKES[{code!r}]: {exc}", id="cifta.E101"))
            continue
        if not folding.within(INDEX_FOLDING):
            errors.append(Error(
                f"CIFTA_SERIAL_LOOKALIKES[{code!r}] folds characters the search index does not fold",
                hint="Use only pairs of the default groups 0ODQ, 1IL, 2Z, 5S, 6G, 8B.", id="cifta.E102"))
    return errors
