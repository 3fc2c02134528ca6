"""A real browser (Debian's Chromium through Playwright) walks the domestic trace an officer
does most: from a recovered firearm's record, open a trace case, search the national records,
and close it as traced with one click."""

from __future__ import annotations

import pytest

from cifta.core.tests.test_browser import browser_page  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def _log_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    from cifta.testing.world import PASSWORD

    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")


@pytest.mark.django_db(transaction=True)
def test_a_domestic_trace_from_the_firearm_record_to_traced(live_server, browser_page):  # noqa: F811
    from cifta.registry.models import Firearm
    from cifta.testing.registry_world import build_firearms
    from cifta.testing.world import build_world
    from cifta.tracing.models import TraceCase

    firearms = build_firearms(build_world())
    page = browser_page
    _log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/registry/firearms/{firearms.seized_a.public_id}/")
    page.get_by_role("link", name="Open a trace case").click()
    page.get_by_label("Case reference").fill("FISCALIA-2026-118")
    page.get_by_label("Why the firearm is illicit").fill("Found at a crime scene without a licence")
    page.get_by_label("Legal basis").fill("Penal code art. 365")
    page.get_by_label("Recovered on").fill("2026-11-20")
    page.get_by_label("Where recovered").fill("Cali")
    page.get_by_role("button", name="Open the case").click()
    page.get_by_role("button", name="Search the national records").click()
    page.get_by_role("button", name="This is the firearm: close as traced").first.click()
    page.wait_for_load_state()
    case = TraceCase.unscoped.get(case_reference="FISCALIA-2026-118")
    assert case.status == "traced"
    assert case.traced_firearm_id == Firearm.unscoped.get(pk=firearms.seized_a.pk).pk
    assert page.get_by_text(case.reference).first.is_visible()
