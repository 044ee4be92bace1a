"""Issue 12's day of casework, end to end in a real browser (Debian's chromium via
Playwright), through the web UI only and as the real people:

the exporter submits an application with its end-user certificate (a PDF it uploads); the
officer asks it a question and it answers; two advisers of different teams advise; the
officer records judgements and the engine re-runs; a blocking flag set by the routing rules
holds the decision until a senior reviewer clears it; the final advice is countersigned; the
decision is recorded and signed off where four-eyes is required; the licence is issued and its
PDF letter verified on the public page by someone not logged in; a shipment is recorded and
its delivery verified. All along, the exporter never sees the authority's internal work.

Screenshots of each step go to ``test-artifacts/casework-day-*.png``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from openatt.register.demo_documents import certificate_pdf

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
Pages = Any
Server = Any

pytestmark = pytest.mark.browser

END_USER = "Kenya Defence Forces"
NOTE = "@officer2 the brigade served in Somalia (AMISOM): read the embassy cable"
QUESTION = "Which units of the Kenya Defence Forces will carry the pistols?"
ANSWER = "The Kenya Army's 1st Infantry Brigade, for officers' sidearms"
# Words only the authority's side writes: the applicant's pages must never show them.
INTERNAL = (
    "A long-standing partner",  # the first adviser's reasons
    "peacekeeping deployments",  # the second adviser's reasons
    "Defence attaché's report",  # the officer's sources
    "Destination under review",  # the blocking flag
    "blocking",
    "embassy cable",  # the case note
    "Findings by topic",  # the workspace
    "Final advice",
    "countersign",
    "recommend",
    "officer2",
    "senior",
    "adviser",
)


def _shot(page: Any, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"casework-day-{step}.png"), full_page=True)


def _badge(page: Any) -> str:
    return str(page.locator("h1 .badge").inner_text())


def _status(page: Any) -> str:
    return " ".join(page.locator("[role=status]").all_inner_texts())


def _wall(page: Any, url: str, step: str) -> str:
    """The applicant's case page, checked for the authority's internal work."""
    page.goto(url)
    text = str(page.locator("main").inner_text())
    for word in INTERNAL:
        assert word.lower() not in text.lower(), f"{step}: the applicant sees {word!r}"
    for panel in ("#workspace", "#advice", "#notes", "#assessment", "#casework"):
        assert page.locator(panel).count() == 0, f"{step}: the applicant sees {panel}"
    _shot(page, f"applicant-{step}")
    return text


def _list_wall(page: Any, base: str, reference: str) -> None:
    """The applicant's list of applications shows its case without queues or flags."""
    page.goto(f"{base}/ui/applications")
    row = str(page.locator("table.queue tbody tr", has_text=reference).inner_text())
    for word in INTERNAL:
        assert word.lower() not in row.lower(), f"the applicant's list shows {word!r}"


def _advise(pages: Pages, user: str, reference: str, advice: str, reasons: str) -> str:
    """Gives the advice from the adviser's own list; returns the adviser's team."""
    adviser = pages.as_user(user, home="**/ui/advice")
    adviser.get_by_role("link", name=reference).click()
    adviser.get_by_label("Subject").select_option("party:end_user")
    adviser.locator("select#type").select_option(advice)
    adviser.get_by_label("Reasons").fill(reasons)
    adviser.get_by_role("button", name="Save the draft").click()
    adviser.get_by_role("button", name="Give the advice").click()
    assert "given to the case officer" in _status(adviser)
    _shot(adviser, f"advice-{user}")
    return str(adviser.locator("h1 .badge").inner_text())


def test_a_day_of_casework(pages: Pages, server: Server, tmp_path: Path) -> None:
    base = server.base
    certificate = tmp_path / "EUC-KE-2026-114.pdf"
    certificate.write_bytes(certificate_pdf("EUC-KE-2026-114", END_USER, "Ministry of Defence"))

    # ------------------------------------------------ the exporter applies, with its EUC
    applicant = pages.as_user("meridian")
    applicant.get_by_role("link", name="New application").first.click()
    form = applicant.locator("form[action='/ui/applications/new']")
    form.get_by_label("Exporting state").fill("GBR")
    form.get_by_label("Importing state").fill("KEN")
    form.get_by_label("Exporter's country").fill("GBR")
    form.locator("#consignee_name").fill("Ministry of Defence of Kenya")
    form.get_by_label("Consignee's country").fill("KEN")
    form.locator("#end_user_name").fill(END_USER)
    form.get_by_label("End user's country").fill("KEN")
    form.get_by_label("Stated end use").fill("Sidearms for army officers")
    form.locator("#item-0-description").fill("9 mm pistols")
    form.locator("#item-0-category").select_option("VIII")
    form.locator("#item-0-control_entry").fill("ML1")
    form.locator("#item-0-quantity").fill("200")
    form.get_by_label("End user certificate").check()
    form.get_by_role("button", name="Save draft").click()
    assert "The draft is saved." in _status(applicant)
    found = re.search(r"/ui/applications/(\d+)", applicant.url)
    assert found, applicant.url
    case_url = f"{base}/ui/applications/{found.group(1)}"
    reference = str(applicant.locator("h1").inner_text().split()[0])

    upload = applicant.locator("form[action$='/documents']")
    upload.get_by_label("Kind of document").select_option("end_user_certificate")
    upload.get_by_label("Reference on the document").fill("EUC-KE-2026-114")
    upload.locator("input[type=file]").set_input_files(str(certificate))
    upload.get_by_role("button", name="Upload").click()
    assert "The document is added to the case." in applicant.locator("#documents").inner_text()
    assert applicant.locator("#documents a", has_text="EUC-KE-2026-114.pdf").count() == 1
    applicant.get_by_role("button", name="Submit…").click()
    applicant.get_by_role("button", name="Submit the application").click()
    assert _badge(applicant) == "Submitted"
    _shot(applicant, "01-submitted")

    # ------------------------------------------------ the officer screens and asks a question
    officer = pages.as_user("officer")
    officer.goto(case_url)
    officer.fill("#lists-used", "UN SC consolidated list and OFAC SDN, checked by hand today")
    officer.get_by_role("button", name="Record screening: no matches").click()
    assert _badge(officer) == "Screened"
    officer.goto(f"{base}/ui/applications")
    row = officer.locator("table.queue tbody tr", has_text=reference).inner_text()
    assert "Destination under review" in row and "blocking" in row, row
    officer.goto(case_url)
    casework = officer.locator("#casework").inner_text()
    assert "Destination under review" in casework and "blocks a decision" in casework
    assert "EUC-KE-2026-114.pdf" in officer.locator("#documents").inner_text()
    officer.get_by_label("Ask the exporter").fill(QUESTION)
    officer.get_by_role("button", name="Send the question").click()
    assert "sent to the exporter" in _status(officer)
    officer.get_by_label("Add a note").fill(NOTE)
    officer.get_by_role("button", name="Add the note").click()
    assert NOTE in officer.locator("#notes").inner_text()
    _shot(officer, "02-question")

    # ------------------------------------------------ the exporter answers
    applicant.get_by_role("link", name="Asked of you").click()
    applicant.get_by_role("link", name=reference).click()
    asked = applicant.locator("#dialogue")
    assert QUESTION in asked.inner_text()
    asked.get_by_label("Your answer").fill(ANSWER)
    asked.get_by_role("button", name="Send the answer").click()
    assert "Your answer is sent" in _status(applicant)
    _wall(applicant, case_url, "03-answered")

    officer.reload()
    officer.get_by_text("Earlier questions").click()
    assert ANSWER in officer.locator("#dialogue").inner_text()

    # ------------------------------------------------ assessment and advice from two teams
    officer.get_by_role("button", name="Run the assessment").click()
    assert _badge(officer) == "Assessed"
    first_run = officer.locator(".next-step").inner_text()
    panel = officer.locator("#advice")
    panel.get_by_text("Ask teams for advice").click()
    panel.get_by_label("Ministry of Defence").check()
    panel.get_by_label("Ministry of Foreign Affairs").check()
    panel.get_by_label("What are they asked to advise on?").fill("Advise on the end user.")
    panel.get_by_role("button", name="Ask for advice").click()
    assert "The teams are asked" in officer.locator("#advice [role=status]").inner_text()

    defence = _advise(pages, "adviser", reference, "approve", "A long-standing partner.")
    foreign = _advise(
        pages,
        "adviser2",
        reference,
        "approve",
        "The army's peacekeeping deployments are well documented.",
    )
    assert (defence, foreign) == ("Ministry of Defence", "Ministry of Foreign Affairs")
    officer.goto(case_url)
    advice = officer.locator("#advice").inner_text()
    assert "A long-standing partner" in advice and "peacekeeping deployments" in advice

    # ------------------------------------------------ judgements: the engine re-runs
    judgements = officer.locator("form[action$='/judgements']")
    for field in judgements.locator("input[name$='-not_relevant']").all():
        name = str(field.get_attribute("name"))
        if not name.startswith("j-human_rights"):
            field.fill("pistols for a regular army's officers; no link to this risk")
    judgements.locator("#j-human_rights-likelihood").select_option("remote")
    judgements.locator("#j-human_rights-severity").select_option("serious")
    judgements.locator("#j-human_rights-source").fill("Defence attaché's report of 1 December")
    judgements.locator("#j-human_rights-reasons").fill("The army has no policing role")
    judgements.get_by_role("button", name="Record and re-assess").click()
    assert "Your judgement is recorded" in _status(officer)
    second_run = officer.locator(".next-step").inner_text()
    assert "Refer" in first_run and "Approve with conditions" in second_run, (first_run, second_run)
    assessment = officer.locator("#assessment").inner_text()
    assert "Reassessed on new information: Officer's judgement recorded" in assessment
    assert "1 earlier assessment kept in the record" in assessment
    assert "Defence attaché's report" in officer.locator("main").inner_text()
    _shot(officer, "04-judged")

    # ------------------------------------------------ final advice, countersigned
    panel = officer.locator("#advice")
    panel.get_by_text("Write the final advice on a subject").click()
    panel.get_by_label("Subject").select_option("party:end_user")
    panel.locator("select#type").select_option("approve")
    panel.get_by_label("Reasons").fill("Both teams approve; the risks are judged remote.")
    panel.get_by_role("button", name="Record the final advice").click()
    assert "Awaiting level 1" in officer.locator("#advice-signoff").inner_text()

    signer = pages.as_user("officer2")
    signer.goto(f"{base}/ui/advice")
    signer.get_by_role("link", name=reference).first.click()
    signer.get_by_label("I agree with the final advice").check()
    signer.get_by_label("Your reasons").fill("Agreed: the end user is the regular army.")
    signer.get_by_role("button", name="Countersign").click()
    assert signer.locator("#advice-signoff").inner_text() == "Countersigned"
    # The words the applicant must not see are on the officer's page of the same case.
    officer.goto(case_url)
    staff_view = officer.locator("main").inner_text()
    for word in ("A long-standing partner", "peacekeeping deployments", "embassy cable"):
        assert word in staff_view
    assert "Destination under review" in staff_view and "Findings by topic" in staff_view
    _wall(applicant, case_url, "05-countersigned")
    _list_wall(applicant, base, reference)

    # ------------------------------------------------ the blocking flag holds the decision
    officer.goto(case_url)
    officer.get_by_role("link", name="Decide…").click()
    officer.get_by_label("Approve", exact=True).check()
    officer.get_by_label("Reasons").fill("As the countersigned final advice.")
    officer.get_by_role("button", name="Continue…").click()
    officer.get_by_role("button", name="Record the decision").click()
    refusal = officer.locator("main").inner_text()
    assert "has blocking flags to clear before a decision" in refusal, refusal
    assert "'Destination under review' on destination:KEN" in refusal
    assert "(cleared by a senior reviewer)" in refusal
    _shot(officer, "06-blocked")

    senior = pages.as_user("senior")
    senior.goto(case_url)
    senior.locator("#casework input[name=reasons]").first.fill(
        "Reviewed with the Africa desk: the army is not implicated."
    )
    senior.locator("#casework").get_by_role("button", name="Clear flag").first.click()
    assert "blocks a decision" not in senior.locator("#casework").inner_text()

    # ------------------------------------------------ the decision, four-eyes where required
    officer.goto(case_url)
    officer.get_by_role("link", name="Decide…").click()
    officer.get_by_label("Approve", exact=True).check()
    officer.get_by_label("Reasons").fill("As the countersigned final advice.")
    officer.get_by_role("button", name="Continue…").click()
    officer.get_by_role("button", name="Record the decision").click()
    # Approval without the conditions the engine recommends departs from it: four-eyes.
    assert _badge(officer) == "Awaiting sign-off"
    assert "a different officer must sign it off" in officer.locator("#signoff").inner_text()
    assert officer.get_by_role("button", name="Sign off…").count() == 0
    signer.goto(case_url)
    signer.get_by_label("Your note as second officer").fill("Agree: no condition is needed.")
    signer.get_by_role("button", name="Sign off…").click()
    signer.get_by_role("button", name="Sign off the decision").click()
    officer.goto(case_url)
    assert _badge(officer) == "Approved"
    _shot(officer, "07-approved")
    text = _wall(applicant, case_url, "07-approved")
    assert "Approved" in text

    # ------------------------------------------------ the licence and its letter
    officer.get_by_label("Valid until").fill((dt.date.today() + dt.timedelta(days=365)).isoformat())
    officer.get_by_role("button", name="Issue the licence…").click()
    officer.get_by_role("button", name="Issue the licence").click()
    assert "The licence is issued." in _status(officer)

    applicant.goto(case_url)
    letter = applicant.locator("#documents a", has_text=re.compile(r"\.pdf$"))
    letter_link = [a for a in letter.all() if "EUC" not in a.inner_text()]
    assert letter_link, applicant.locator("#documents").inner_text()
    with applicant.expect_download() as download:
        letter_link[0].click()
    letter_file = tmp_path / "licence-letter.pdf"
    download.value.save_as(letter_file)
    assert letter_file.read_bytes().startswith(b"%PDF")
    _wall(applicant, case_url, "08-licensed")

    customs = pages.chromium.new_context().new_page()
    pages.opened.append(("customs", customs))
    customs.goto(f"{base}/ui/verify")
    customs.locator("input[type=file]").set_input_files(str(letter_file))
    customs.get_by_role("button", name="Verify").click()
    verdict = customs.locator("[role=status]").inner_text()
    assert "Genuine letter" in verdict and "matches the letter as issued" in verdict
    assert "active" in verdict
    # The 64-digit digest and the reference wrap inside the card, not off the page.
    assert customs.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _shot(customs, "09-verified")

    # ------------------------------------------------ shipment and delivery
    officer.goto(case_url + "/licence")
    officer.get_by_label("Quantity").fill("200")
    officer.get_by_label("Transport reference").fill("AWB 176-4432 1190")
    officer.get_by_role("button", name="Record the shipment…").click()
    officer.get_by_role("button", name="Record the shipment").click()
    assert "The shipment is recorded." in _status(officer)
    officer.locator("input[name^=verification-]").fill("Delivery verification certificate KE-DVC-7")
    officer.get_by_role("button", name="Record delivery").click()
    assert "KE-DVC-7" in officer.locator("main").inner_text()
    _shot(officer, "10-delivered")
    officer.goto(case_url)
    assert _badge(officer) == "Delivery verified"
    _wall(applicant, case_url, "10-delivered")
