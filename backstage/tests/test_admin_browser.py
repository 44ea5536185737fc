"""A staff member moderates in a real browser: headless Chromium (Debian packages) via Selenium.

Needs ``chromium`` and ``chromium-driver``, installed by ``scripts/system-deps.sh`` (``make test``).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from backstage.models import BackstageRequest
from backstage.selectors import REVOKED_MESSAGE
from backstage.tests.conftest import grant_handle_permission, make_request
from beatpass.accounts.models import Notification
from content.catalog.models import Artist
from content.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct-horse-battery"  # UserFactory's
CHANGELIST = "/admin/backstage/backstagerequest/"
WAIT_SECONDS = 30


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, by, selector):
    return WebDriverWait(driver, WAIT_SECONDS).until(ec.presence_of_element_located((by, selector)))


def run_action_with_notes(driver, *, request_id: int, action: str, notes: str) -> str:
    """Tick one row, pick the action, fill in the notes on the confirmation page, confirm.

    Returns the text of the confirmation page (before confirming).
    """
    driver.find_element(By.CSS_SELECTOR, f'input.action-select[value="{request_id}"]').click()
    Select(driver.find_element(By.NAME, "action")).select_by_value(action)
    driver.find_element(By.CSS_SELECTOR, 'button[name="index"]').click()
    wait_for(driver, By.ID, "decision-form")
    confirmation = driver.find_element(By.ID, "content").text
    driver.find_element(By.NAME, "notes").send_keys(notes)
    driver.find_element(By.ID, "confirm-decision").click()
    wait_for(driver, By.CSS_SELECTOR, "ul.messagelist li.success")
    return confirmation


def test_staff_approves_then_revokes_a_request_in_the_admin(live_server, browser):
    # given a handler and a user with a pending become-artist request (plus a decided one)
    handler = grant_handle_permission(UserFactory(is_staff=True, email="mod@example.com"))
    applicant = UserFactory(email="applicant@example.com")
    item = make_request(applicant, artist_name="Browser Beats")
    earlier = make_request(UserFactory(), status=BackstageRequest.Status.DENIED)

    # when the handler logs in
    browser.get(f"{live_server.url}/admin/login/?next={CHANGELIST}")
    browser.find_element(By.ID, "id_username").send_keys(handler.email)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    wait_for(browser, By.ID, "result_list")

    # ... filters the pending requests
    unfiltered = browser.find_element(By.ID, "result_list")
    browser.find_element(
        By.CSS_SELECTOR, '#changelist-filter a[href="?status__exact=pending"]'
    ).click()
    # Wait for the old list to go away, not just for the URL: under load the new page may not
    # have rendered yet when the address bar already changed.
    WebDriverWait(browser, WAIT_SECONDS).until(ec.staleness_of(unfiltered))
    wait_for(browser, By.ID, "result_list")
    WebDriverWait(browser, WAIT_SECONDS).until(ec.url_contains("status__exact=pending"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == 1
    assert "applicant@example.com" in rows[0].text
    assert "Browser Beats" in rows[0].text
    assert not browser.find_elements(By.CSS_SELECTOR, f'input.action-select[value="{earlier.pk}"]')

    # ... approves it with notes on the confirmation page
    confirmation = run_action_with_notes(
        browser, request_id=item.pk, action="approve_requests", notes="Welcome to the program"
    )
    assert "Browser Beats" in confirmation

    # then the applicant manages a brand-new artist
    item.refresh_from_db()
    assert item.status == BackstageRequest.Status.APPROVED
    artist = Artist.objects.get(name="Browser Beats")
    assert list(artist.managers.all()) == [applicant]

    # when the handler finds it among the approved ones and revokes it with notes
    browser.get(f"{live_server.url}{CHANGELIST}?status__exact=approved")
    wait_for(browser, By.ID, "result_list")
    confirmation = run_action_with_notes(
        browser, request_id=item.pk, action="revoke_requests", notes="Uploads were not original"
    )
    assert REVOKED_MESSAGE in confirmation
    assert "Revoked 1 request(s)" in browser.find_element(By.CSS_SELECTOR, "ul.messagelist").text

    # then access is gone but the artist stays, and the audit trail tells the story
    item.refresh_from_db()
    assert item.status == BackstageRequest.Status.REVOKED
    assert item.handled_by == handler
    assert item.notes == "Uploads were not original"
    assert (item.granted_manager, item.granted_verification) == (False, False)
    assert Artist.objects.filter(pk=artist.pk).exists()
    assert not artist.managers.exists()
    events = list(item.events.values_list("from_status", "to_status", "actor", "notes"))
    assert events == [
        ("", "pending", applicant.pk, ""),
        ("pending", "approved", handler.pk, "Welcome to the program"),
        ("approved", "revoked", handler.pk, "Uploads were not original"),
    ]

    # and the applicant was told, in-app and by email, with the admin's notes
    revoked = Notification.objects.get(user=applicant, kind="backstage.revoked")
    # the spec's text, its contact path made an absolute link (PUBLIC_BASE_URL)
    contact = f"{settings.PUBLIC_BASE_URL}/contact"
    assert revoked.body.startswith(REVOKED_MESSAGE.replace(" /contact ", f" {contact} "))
    assert "Uploads were not original" in revoked.body
    assert revoked.data["backstage_request_id"] == item.pk
    approved = Notification.objects.get(user=applicant, kind="backstage.approved")
    assert "Welcome to the program" in approved.body
    to_applicant = [m for m in mail.outbox if m.to == [applicant.email]]
    assert [m.subject for m in to_applicant] == [
        "Your producer request was approved",
        "Your producer access was revoked",
    ]

    # and the change page shows the read-only audit trail
    browser.get(f"{live_server.url}{CHANGELIST}{item.pk}/change/")
    trail = wait_for(browser, By.ID, "events-group").text
    assert "Uploads were not original" in trail
    assert "Welcome to the program" in trail
