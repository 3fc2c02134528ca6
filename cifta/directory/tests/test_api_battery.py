from __future__ import annotations

from typing import Any

from cifta.directory.models import Agency, PointOfContact
from cifta.testing.battery import ScopedApiBattery


class AgencyApiTest(ScopedApiBattery):
    model = Agency
    basename = "agency"
    writer_a = "nadia"

    def object_a(self) -> Any:
        return self.world.agency_a

    def object_b(self) -> Any:
        return self.world.agency_b

    def create_payload(self) -> dict[str, Any]:
        return {"name": "Licensing Office A", "kind": "licensing"}

    def update_payload(self) -> dict[str, Any]:
        return {"city": "Capital A"}


class PointOfContactApiTest(ScopedApiBattery):
    model = PointOfContact
    basename = "pointofcontact"
    writer_a = "nadia"

    def object_a(self) -> Any:
        return self.world.contact_a

    def private_object_a(self) -> Any:
        return self.world.hidden_contact_a

    def object_b(self) -> Any:
        return self.world.hidden_contact_b  # B's published contact is shared on purpose

    def create_payload(self) -> dict[str, Any]:
        return {"agency": str(self.world.agency_a.public_id), "full_name": "Second contact A",
                "email": "second@a.test"}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {"agency": str(self.world.agency_b.public_id), "full_name": "Smuggled", "email": "x@a.test"}

    def update_payload(self) -> dict[str, Any]:
        return {"phone": "+00 000"}

    def test_published_contact_of_another_state_is_readable_but_not_writable(self) -> None:
        url = self.detail_url(self.world.contact_b)
        self.assertEqual(self.api("alice").get(url).status_code, 200)
        before = self.changes_count()
        self.assertEqual(self.api("nadia").patch(url, {"phone": "1"}, format="json").status_code, 404)
        self.assertEqual(self.changes_count(), before)
