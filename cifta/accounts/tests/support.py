"""Helpers shared by the accounts tests: acting as someone through services, TOTP codes,
tokens, and reading the audit tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cifta.accounts import services
from cifta.accounts.models import ApiToken, Membership, User
from cifta.core.context import Source, change_context
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import country_scope
from cifta.testing.base import WorldTestCase
from cifta.testing.world import PASSWORD

STRONG_PASSWORD = "Quiet-harbour-lantern-47"


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The code an authenticator app would show now for ``device`` (zero-padded)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                 drift=device.drift + offset_steps)
    return f"{value:0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    """A well-formed code that is none of the codes the device accepts right now."""
    accepted = {code_for(device, d) for d in range(-device.tolerance - 1, device.tolerance + 2)}
    for candidate in ("000000", "111111", "123456", "999999", "424242"):
        if candidate not in accepted:
            return candidate
    raise AssertionError("unreachable")


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 still (same algorithm and encoding), with the cheapest parameters: the test world
    hashes nine passwords per test class, and production cost would dominate the run time.
    ``test_it_hashes_passwords_with_argon2_in_production`` checks the real setting."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1


@override_settings(PASSWORD_HASHERS=[
    "cifta.accounts.tests.support.FastArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
])
class AccountsTestCase(WorldTestCase):
    """WorldTestCase plus the accounts helpers."""

    password = PASSWORD

    @contextmanager
    def acting(self, actor: Any, countries: list[Any], source: str = Source.COMMAND) -> Iterator[None]:
        """Run services as ``actor`` with the given countries in scope."""
        with change_context(actor, source), country_scope([c.pk for c in countries]):
            yield

    def membership(self, name: str) -> Membership:
        return Membership.unscoped.select_related("agency", "country").get(user=self.world.user(name))

    def make_token(self, name: str, *, days: int | None = 30, label: str = "script") -> tuple[ApiToken, str]:
        user = self.world.user(name)
        membership = self.membership(name)
        with self.acting(user, [membership.country]):
            return services.create_api_token(actor=user, membership=membership, name=label, days=days)

    def confirmed_device(self, name: str) -> TOTPDevice:
        return TOTPDevice.objects.create(user=self.world.user(name), name="phone", confirmed=True)

    def login_without_second_factor(self, name: str) -> Client:
        client = Client()
        client.force_login(self.world.user(name))
        return client

    def events(self, verb: str, **filters: Any) -> Any:
        return AuditEvent.unscoped.filter(verb=verb, **filters).order_by("seq")

    def last_seq(self, model: type[Any]) -> int:
        return model.unscoped.order_by("-seq").values_list("seq", flat=True).first() or 0

    def last_event_seq(self) -> int:
        return self.last_seq(AuditEvent)

    def last_change_seq(self) -> int:
        return self.last_seq(ObjectChange)

    def changes_since(self, seq: int, **filters: Any) -> Any:
        return ObjectChange.unscoped.filter(seq__gt=seq, **filters).order_by("seq")

    def events_since(self, seq: int, **filters: Any) -> Any:
        return AuditEvent.unscoped.filter(seq__gt=seq, **filters).order_by("seq")

    def refresh(self, obj: Any) -> Any:
        return type(obj).unscoped.get(pk=obj.pk) if hasattr(type(obj), "unscoped") else User.objects.get(pk=obj.pk)
