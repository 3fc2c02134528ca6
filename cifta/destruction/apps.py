from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DestructionConfig(AppConfig):
    name = "cifta.destruction"
    label = "destruction"
    verbose_name = _("Destruction")
