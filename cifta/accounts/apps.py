from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cifta.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from cifta.accounts import signals  # noqa: F401
        from cifta.accounts.principals import principal_for_request
        from cifta.core.principals import register_resolver

        register_resolver(principal_for_request)
