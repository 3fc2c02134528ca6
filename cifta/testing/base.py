"""Test-case bases: the world once per class, and helpers to act as one of its users."""

from __future__ import annotations

from typing import Any

from django.test import Client, TestCase, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.testing.world import World, build_world


# Argon2 is the production hasher (tested on its own); the world's nine users hash faster here.
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class WorldTestCase(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()

    def web(self, name: str) -> Client:
        """A browser session logged in as a world user (second factor already proven)."""
        client = Client()
        user = self.world.user(name)
        client.force_login(user)
        if _needs_second_factor(user):
            device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return client

    def api(self, name: str | None) -> APIClient:
        client = APIClient()
        if name is not None:
            client.force_authenticate(self.world.user(name))
        return client

    def changes_count(self) -> int:
        return ObjectChange.unscoped.count()

    def events_count(self) -> int:
        return AuditEvent.unscoped.count()

    def as_all(self) -> Any:
        return country_scope(ALL_COUNTRIES)


def _needs_second_factor(user: Any) -> bool:
    from cifta.accounts.principals import principal_for_request

    class _Req:
        session: dict[str, Any] = {}

    principal = principal_for_request(_Req(), user)
    return principal is not None and principal.needs_second_factor
