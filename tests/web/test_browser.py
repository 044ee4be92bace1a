"""The officer's and the applicant's day in a real browser (Debian's chromium via Playwright).

Each test starts from a fresh copy of the demo register served by uvicorn on 127.0.0.1.
On failure, every page the test opened is saved under ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

Pages = Any
Server = Any


pytestmark = pytest.mark.browser


def _state(page: Any) -> str:
    return str(page.locator("h1 .badge").inner_text())


def _case_id(page: Any) -> int:
    found = re.search(r"/ui/applications/(\d+)", page.url)
    assert found, page.url
    return int(found.group(1))


def test_submission_to_licence_and_shipment(pages: Pages, server: Server) -> None:
    applicant = pages.as_user("nordarms")
    applicant.get_by_role("link", name="New application").first.click()
    form = applicant.locator("form[action='/ui/applications/new']")
    form.get_by_label("Exporting state").fill("Sweden")
    form.get_by_label("Exporter's country").fill("SWE")
    form.locator("#consignee_name").fill("Norwegian Defence Materiel Agency")
    form.get_by_label("Consignee's country").fill("NOR")
    form.locator("#end_user_name").fill("Norwegian Army")
    form.get_by_label("End user's country").fill("Norway")
    form.get_by_label("Stated end use").fill("Training of the Telemark Battalion")
    form.locator("#item-0-description").fill("Anti-tank recoilless rifles")
    form.locator("#item-0-category").select_option("VIII")
    form.locator("#item-0-control_entry").fill("ML2")
    form.locator("#item-0-quantity").fill("50")
    form.get_by_label("End user certificate").check()
    form.get_by_role("button", name="Save draft").click()

    # The importing state was left out: the message sits next to it, nothing else is lost.
    assert (
        applicant.locator("#importing_state-error").inner_text().endswith("This field is required.")
    )
    assert applicant.locator("#importing_state").get_attribute("aria-invalid") == "true"
    assert applicant.locator("#item-0-description").input_value() == "Anti-tank recoilless rifles"
    assert applicant.locator("#item-0-category").input_value() == "VIII"
    assert applicant.get_by_label("End user certificate").is_checked()
    assert applicant.evaluate("document.activeElement.classList.contains('error-summary')")
    applicant.get_by_label("Importing state").fill("NOR")
    applicant.get_by_role("button", name="Save draft").click()
    assert "The draft is saved." in applicant.locator("[role=status]").inner_text()
    assert _state(applicant) == "Draft"
    app_id = _case_id(applicant)

    applicant.get_by_role("button", name="Submit…").click()
    assert applicant.locator("h1").inner_text().startswith("Submit OA-")
    applicant.get_by_role("button", name="Submit the application").click()
    assert _state(applicant) == "Submitted"

    officer = pages.as_user("officer")
    case_url = f"{server.base}/ui/applications/{app_id}"
    officer.goto(case_url)
    officer.get_by_label("Lists used elsewhere, and when").fill("UN SC list, checked today")
    officer.get_by_role("button", name="Record screening: no matches").click()
    assert _state(officer) == "Screened"
    officer.get_by_role("button", name="Run the assessment").click()
    assert _state(officer) == "Assessed"
    regimes = officer.locator("#assessment section.regime h3").all_inner_texts()
    assert regimes[0] == "Arms Trade Treaty" and len(regimes) == 4
    assert officer.locator("#assessment article.finding").count() > 10

    officer.get_by_role("link", name="Decide…").click()
    officer.get_by_label("Approve", exact=True).check()
    officer.get_by_label("Reasons").fill("End user is a NATO army; EUC verified.")
    officer.get_by_role("button", name="Continue…").click()
    confirm = officer.locator(".confirm").inner_text()
    assert "second officer must sign it off" in confirm
    officer.get_by_role("button", name="Record the decision").click()
    assert _state(officer) == "Awaiting sign-off"
    assert "a different officer must sign it off" in officer.locator("#signoff").inner_text()
    assert officer.get_by_role("button", name="Sign off…").count() == 0

    second = pages.as_user("officer2")
    second.goto(case_url)
    second.get_by_label("Your note as second officer").fill("Agree; NATO end user.")
    second.get_by_role("button", name="Sign off…").click()
    second.get_by_role("button", name="Sign off the decision").click()
    assert _state(second) == "Approved"

    valid_until = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    second.get_by_label("Valid until").fill(valid_until)
    second.get_by_role("button", name="Issue the licence…").click()
    second.get_by_role("button", name="Issue the licence").click()
    assert "The licence is issued." in second.locator("[role=status]").inner_text()

    # More than the licence allows: refused, with the message at the quantity field.
    second.get_by_label("Quantity").fill("60")
    second.get_by_label("Transport reference").fill("AWB 235-0001")
    second.get_by_role("button", name="Record the shipment…").click()
    assert "Only 50 remain" in second.locator("#quantity-error").inner_text()
    assert second.get_by_label("Transport reference").input_value() == "AWB 235-0001"
    second.get_by_label("Quantity").fill("20")
    second.get_by_role("button", name="Record the shipment…").click()
    second.get_by_role("button", name="Record the shipment").click()
    assert "The shipment is recorded." in second.locator("[role=status]").inner_text()
    assert second.locator("[data-remaining='0']").inner_text() == "30"

    # The applicant follows its own licence, and cannot record shipments.
    applicant.goto(case_url + "/licence")
    assert applicant.locator("[data-remaining='0']").inner_text() == "30"
    assert applicant.get_by_role("button", name="Record the shipment…").count() == 0


def test_four_eyes_sign_off_on_category_one(pages: Pages, server: Server) -> None:
    app_id = server.register.case_id("awaiting_countersign")  # tanks (ATT category I)
    url = f"{server.base}/ui/applications/{app_id}"
    officer = pages.as_user("officer")  # assessed and decided this case
    officer.goto(url)
    assert "a different officer must sign it off" in officer.locator("#signoff").inner_text()
    assert officer.get_by_role("button", name="Sign off…").count() == 0

    senior = pages.as_user("senior", width=820, height=1180)  # a tablet
    senior.goto(url)
    assert senior.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    senior.get_by_label("Your note as second officer").fill("Reviewed the findings.")
    senior.get_by_role("button", name="Sign off…").click()
    assert "takes effect under your name" in senior.locator(".confirm").inner_text()
    senior.get_by_role("button", name="Sign off the decision").click()
    assert _state(senior) == "Approved"
    assert "signed off by senior" in senior.locator("#decisions-heading + .decision").inner_text()

    senior.get_by_role("link", name="Audit trail").click()
    trail = senior.locator("table.history").inner_text()
    assert "decision.countersign" in trail and "senior (senior_reviewer)" in trail


def test_denial(pages: Pages, server: Server, militia: Any) -> None:
    app_id = server.register.screened(militia)
    officer = pages.as_user("officer")
    officer.goto(f"{server.base}/ui/applications/{app_id}")
    officer.get_by_role("button", name="Run the assessment").click()
    assert "Deny" in officer.locator(".next-step").inner_text()
    officer.get_by_role("link", name="Decide…").click()
    officer.get_by_label("Deny").check()
    officer.get_by_role("button", name="Continue…").click()
    assert (
        officer.locator("#reasons-error")
        .inner_text()
        .endswith("Write the reasons for the decision.")
    )
    assert officer.get_by_label("Deny").is_checked()
    officer.get_by_label("Reasons").fill("Non-state armed group; ATT 7.3 overriding risk.")
    officer.get_by_role("button", name="Continue…").click()
    assert "It takes effect at once." in officer.locator(".confirm").inner_text()
    officer.get_by_role("button", name="Record the decision").click()
    assert _state(officer) == "Denied"
    assert "in effect" in officer.locator("[role=status]").inner_text()

    officer.get_by_role("link", name="Print view").click()
    assert officer.locator("h1").inner_text().startswith("Assessment of OA-")
    assert "Non-state armed group" in officer.locator("main").inner_text()


def test_applicant_cannot_open_another_company_case(pages: Pages, server: Server) -> None:
    other = server.register.case_id("licensed")  # Nordic Defence Systems' case
    meridian = pages.as_user("meridian")
    listed = meridian.locator("table.queue tbody").inner_text()
    assert "Nordic Defence" not in listed and "Royal Australian Navy" not in listed
    for suffix in ("", "/licence", "/print", "/edit"):
        response = meridian.goto(f"{server.base}/ui/applications/{other}{suffix}")
        assert response is not None and response.status in (403, 404), suffix
        assert "Royal Australian Navy" not in meridian.locator("main").inner_text()
    # Keyboard users land on the skip link first.
    meridian.goto(f"{server.base}/ui/applications")
    meridian.keyboard.press("Tab")
    assert meridian.evaluate("document.activeElement.textContent") == "Skip to main content"


A11Y = """() => {
  const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => !(el.labels && el.labels.length)).map(el => el.name);
  const seen = {};
  for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
  const described = [...document.querySelectorAll('[aria-describedby]')].flatMap(
    el => el.getAttribute('aria-describedby').split(' ').filter(id => !document.getElementById(id)));
  return {unlabelled, duplicate_ids: Object.keys(seen).filter(k => seen[k] > 1),
          described_by_nothing: described, h1: document.querySelectorAll('h1').length,
          main: document.querySelectorAll('main').length,
          overflow: document.documentElement.scrollWidth > window.innerWidth};
}"""


def test_pages_are_labelled_and_fit_a_tablet(pages: Pages, server: Server) -> None:
    reg = server.register
    officer = pages.as_user("officer2", width=800, height=1100)
    paths = ["/ui/applications", "/ui/applications/new", "/ui/reference"]
    for state in ("assessed", "awaiting_countersign", "licensed"):
        app_id = reg.case_id(state)
        paths += [f"/ui/applications/{app_id}", f"/ui/applications/{app_id}/print"]
    paths += [
        f"/ui/applications/{reg.case_id('assessed')}/decide",
        f"/ui/applications/{reg.case_id('licensed')}/licence",
        f"/ui/applications/{reg.case_id('licensed')}/history",
    ]
    for path in paths:
        officer.goto(server.base + path)
        found = officer.evaluate(A11Y)
        assert found == {
            "unlabelled": [],
            "duplicate_ids": [],
            "described_by_nothing": [],
            "h1": 1,
            "main": 1,
            "overflow": False,
        }, path
