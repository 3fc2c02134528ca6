"""A real browser (Debian's Chromium driven by Playwright): log in, switch the interface to
Spanish and French, see the dashboard translated, log out."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CIFTA_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture()
def browser_page():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is required at {CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.set_default_timeout(15000)
        yield page
        browser.close()


@pytest.mark.django_db(transaction=True)
def test_log_in_switch_language_and_log_out(live_server, browser_page):
    from cifta.testing.world import PASSWORD, build_world

    build_world()
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Home", level=1).is_visible()
    assert page.locator("html").get_attribute("lang") == "en"

    for lang, home, log_out in (("es", "Inicio", "Cerrar sesión"), ("fr", "Accueil", "Se déconnecter")):
        page.select_option("#language-select", lang)
        page.locator("form.language-switcher button").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == lang
        assert page.get_by_role("heading", name=home, level=1).is_visible()
        assert page.get_by_role("button", name=log_out).is_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/accounts/login/**")
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
