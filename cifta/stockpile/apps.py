from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StockpileConfig(AppConfig):
    name = "cifta.stockpile"
    label = "stockpile"
    verbose_name = _("Stockpiles")
