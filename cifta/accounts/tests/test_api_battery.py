"""The standard test set for the accounts models' API."""

from __future__ import annotations

from typing import Any

from cifta.accounts import services
from cifta.accounts.models import ApiToken, Membership
from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.testing.battery import ScopedApiBattery


class MembershipApiTest(ScopedApiBattery):
    model = Membership
    basename = "membership"
    reader_a = "nadia"
    reader_b = "nico"

    def object_a(self) -> Any:
        return Membership.unscoped.get(user=self.world.alice)

    def object_b(self) -> Any:
        return Membership.unscoped.get(user=self.world.carlos)

    def test_officers_cannot_list_users(self) -> None:
        self.assertEqual(self.api("alice").get(self.list_url()).status_code, 403)


class ApiTokenApiTest(ScopedApiBattery):
    model = ApiToken
    basename = "apitoken"

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        for user, country in ((w.alice, w.country_a), (w.carlos, w.country_b)):
            with country_scope([country.pk]), change_context(user, Source.WEB):
                services.create_api_token(actor=user, membership=Membership.objects.get(user=user), name="script")

    def object_a(self) -> Any:
        return ApiToken.unscoped.get(user=self.world.alice)

    def object_b(self) -> Any:
        return ApiToken.unscoped.get(user=self.world.carlos)

    def test_revoking_another_countrys_token_is_404(self) -> None:
        from django.urls import reverse

        url = reverse("api:apitoken-revoke", args=[self.object_b().public_id])
        self.assertEqual(self.api("alice").post(url).status_code, 404)
        self.assertIsNone(ApiToken.unscoped.get(pk=self.object_b().pk).revoked_at)
