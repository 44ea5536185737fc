"""The verification page a QR code opens, in a real browser (headless Chromium), on a phone-
sized window: readable without JavaScript."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from content.licensing.models import License
from content.licensing.services import IssuanceContext, license_issue, license_revoke
from content.licensing.tests.conftest import licensable_track
from content.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--window-size=390,844",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    # No JavaScript at all: the page must not need it.
    options.add_experimental_option(
        "prefs", {"profile.managed_default_content_settings.javascript": 2}
    )
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_phone_sees_valid_then_revoked(live_server, phone, producer_artist, tmp_path):
    holder = UserFactory(name="Lena Listener", email="lena.listener@example.com")
    track = licensable_track(producer_artist, name="Midnight Run")
    license, _ = license_issue(
        user=holder, track=track, license_type="non_exclusive", context=IssuanceContext()
    )

    phone.get(f"{live_server.url}/verify-license/{license.uuid}")
    verdict = phone.find_element(By.ID, "verdict")
    assert verdict.get_attribute("data-state") == "valid"
    assert "CERTIFICATE VALID" in verdict.text
    assert phone.find_element(By.ID, "track-name").text == "Midnight Run"
    assert phone.find_element(By.ID, "licensee-email").text == "l****r@example.com"
    # Mobile-friendly: nothing wider than the screen.
    assert phone.execute_cdp_cmd(
        "Runtime.evaluate",
        {"expression": "document.documentElement.scrollWidth <= window.innerWidth"},
    )["result"]["value"]
    phone.save_screenshot(str(tmp_path / "valid.png"))

    license_revoke(license=license, actor=UserFactory(is_staff=True), reason="Refund")
    phone.get(f"{live_server.url}/verify-license/{license.uuid}")
    assert phone.find_element(By.ID, "verdict").get_attribute("data-state") == "revoked"
    assert phone.find_element(By.ID, "license-status").text == "REVOKED"
    assert phone.find_element(By.ID, "revoked-reason").text == "Refund"
    assert License.objects.get().verification_count == 2

    phone.get(f"{live_server.url}/verify-license/00000000-0000-0000-0000-000000000000")
    assert phone.find_element(By.ID, "verdict").get_attribute("data-state") == "not_found"
