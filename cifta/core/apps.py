from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cifta.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from cifta.core import changelog, checks  # noqa: F401  (receivers and system checks register)
