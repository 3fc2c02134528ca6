"""A real browser (Debian's Chromium through Playwright) checks a destruction certificate the
way a member of the public would: no log-in, the certificate number typed on the public page,
and the signed content shown with its fingerprint."""

from __future__ import annotations

import pytest

from cifta.core.tests.test_browser import browser_page  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_anyone_verifies_a_certificate_by_its_number(live_server, browser_page):  # noqa: F811
    from cifta.destruction import services_certificates as services
    from cifta.destruction.tests._certificate_fixtures import as_state, executed_event
    from cifta.testing.registry_world import build_firearms
    from cifta.testing.world import build_world

    world = build_world()
    firearms = build_firearms(world)
    event = executed_event(world.country_a, reference="DE-A-9", firearms=[firearms.glock_a])
    with as_state(world.country_a):
        services.create_key(actor="system:test", authority=world.agency_a)
        certificate = services.issue_certificate(actor="system:test", event=event)

    page = browser_page
    page.goto(f"{live_server.url}/destruction/verify/")
    assert "/accounts/login/" not in page.url
    page.get_by_label("Certificate number").fill(certificate.number)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    status = page.get_by_role("status")
    assert status.get_attribute("data-code") == "genuine"
    assert page.locator("#fingerprint").inner_text() == certificate.digest
    assert page.get_by_text("ABC123").first.is_visible()

    page.goto(f"{live_server.url}/destruction/verify/NO-SUCH-1/")
    assert page.get_by_role("alert").is_visible() or "NO-SUCH-1" in page.content()
