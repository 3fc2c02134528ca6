"""A real browser (Debian's Chromium through Playwright) walks what an officer reads about an
ammunition storage area: the Stockpiles area, the facility, its map, its safety check, then the
quantity-distance calculator."""

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
def test_a_facility_its_map_its_safety_check_and_the_calculator(live_server, browser_page):  # noqa: F811
    from cifta.testing.inventory_world import build_inventory
    from cifta.testing.registry_world import build_firearms
    from cifta.testing.stockpile_world import build_arsenals
    from cifta.testing.world import build_world

    world = build_world()
    firearms = build_firearms(world)
    arsenals = build_arsenals(world)
    build_inventory(world, firearms, arsenals)  # Depot A's earth-covered magazine holds grenades
    page = browser_page
    _log_in(page, live_server.url, "alice")

    page.locator("nav.main-nav").get_by_role("link", name="Stockpiles").click()
    page.wait_for_url(f"{live_server.url}/stockpile/")
    assert page.get_by_role("heading", name="Facilities", level=2).is_visible()
    assert page.get_by_role("link", name="Depot B PRIVATEBRAVO").count() == 0  # B's, never A's
    page.get_by_role("link", name="Depot A").click()
    page.wait_for_url(f"**/stockpile/facilities/{arsenals.facility_a.public_id}/")
    assert page.get_by_role("heading", name="Depot A", level=1).is_visible()
    assert page.get_by_role("rowheader", name="Highway 40").is_visible()  # an exposed site

    page.get_by_role("link", name="Map", exact=True).click()
    page.wait_for_url("**/map/")
    svg = page.locator("figure svg")
    assert svg.is_visible()
    assert svg.locator("title").first.text_content() == "Map of Depot A"
    assert svg.locator("rect[width='12']").count() == 2  # the two storehouses
    assert svg.get_by_text("School", exact=True).is_visible()

    page.get_by_role("link", name="Safety check").click()
    page.wait_for_url("**/safety/")
    assert page.get_by_text("Highway 40 is 350 m away; 400 m are required").is_visible()
    assert page.get_by_text("passed its shelf-life expiry").first.is_visible()
    assert page.get_by_role("table", name="Explosives limit licence of ECM 1").is_visible()

    page.get_by_role("link", name="Quantity-distances").click()
    page.wait_for_url("**/stockpile/safety/qd/")
    page.get_by_label("Hazard division", exact=True).select_option("1.1")
    page.get_by_label("Net explosive quantity (kg)").fill("1000")
    page.get_by_role("button", name="Compute").click()
    page.wait_for_url("**/stockpile/safety/qd/?hd=1.1&neq=1000")
    table = page.get_by_role("table", name="Distance functions, HD 1.1")
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 17  # D1 to D17
    d13 = table.get_by_role("row", name="D13")
    assert d13.get_by_role("cell").last.text_content() == "270"
