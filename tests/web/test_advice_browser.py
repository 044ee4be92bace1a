"""Advice in a real browser (Debian's chromium via Playwright): the officer asks two teams,
each adviser gives advice from their own list, the conflict shows on the case, the officer
writes the final advice, a colleague countersigns it, and only then is the case decided."""

from __future__ import annotations

from typing import Any

import pytest

Pages = Any
Server = Any

pytestmark = pytest.mark.browser


def _advise(pages: Pages, user: str, reference: str, advice: str, **fields: str) -> None:
    adviser = pages.as_user(user, home="**/ui/advice")
    adviser.get_by_role("link", name=reference).click()
    adviser.get_by_label("Subject").select_option("party:end_user")
    adviser.locator("select#type").select_option(advice)
    if "criteria" in fields:
        adviser.get_by_label("Criteria relied on").fill(fields["criteria"])
    adviser.get_by_label("Reasons").fill(fields["reasons"])
    adviser.get_by_role("button", name="Save the draft").click()
    assert "Other teams do not see drafts" in adviser.locator("[role=status]").inner_text()
    adviser.get_by_role("button", name="Give the advice").click()
    assert "given to the case officer" in adviser.locator("[role=status]").inner_text()


def test_advice_conflict_final_advice_and_countersign(pages: Pages, server: Server) -> None:
    app_id = server.register.case_id("assessed")
    url = f"{server.base}/ui/applications/{app_id}"
    officer = pages.as_user("officer")
    officer.goto(url)
    reference = officer.locator("h1").inner_text().split()[0]
    panel = officer.locator("#advice")
    panel.get_by_text("Ask teams for advice").click()
    panel.get_by_label("Ministry of Defence").check()
    panel.get_by_label("Ministry of Foreign Affairs").check()
    panel.get_by_label("What are they asked to advise on?").fill("Advise on the end user.")
    panel.get_by_role("button", name="Ask for advice").click()
    assert "The teams are asked" in officer.locator("#advice [role=status]").inner_text()

    _advise(pages, "adviser", reference, "approve", reasons="A long-standing partner.")
    _advise(
        pages,
        "adviser2",
        reference,
        "refuse",
        criteria="eu.2",
        reasons="Units of this end user repressed protests.",
    )

    officer.goto(url)
    assert "conflicting advice" in officer.locator("#advice").inner_text()
    # The officer settles the conflict in the final advice (the decision waits for it).
    panel = officer.locator("#advice")
    panel.get_by_text("Write the final advice on a subject").click()
    panel.get_by_label("Subject").select_option("party:end_user")
    panel.locator("select#type").select_option("proviso")
    panel.get_by_label("Proviso").fill("Delivery verification by the embassy")
    panel.get_by_label("Reasons").fill("Approve with a verified delivery to the regular army.")
    panel.get_by_role("button", name="Record the final advice").click()
    assert "Awaiting level 1" in officer.locator("#advice-signoff").inner_text()

    signer = pages.as_user("officer2")
    signer.goto(f"{server.base}/ui/advice")
    signer.get_by_role("link", name=reference).first.click()
    signer.get_by_label("I agree with the final advice").check()
    signer.get_by_label("Your reasons").fill("The proviso answers foreign affairs' concern.")
    signer.get_by_role("button", name="Countersign").click()
    assert signer.locator("#advice-signoff").inner_text() == "Countersigned"

    officer.goto(url)
    officer.get_by_role("link", name="Decide…").click()
    officer.get_by_label("Approve with conditions").check()
    officer.get_by_label("Reasons").fill("As the countersigned final advice.")
    officer.locator("#conditions").fill("Delivery verification by the embassy")
    officer.get_by_role("button", name="Continue…").click()
    officer.get_by_role("button", name="Record the decision").click()
    assert "Assessed" not in officer.locator("h1 .badge").inner_text()
