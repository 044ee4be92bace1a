"""The dialogue with the exporter in a real browser (Debian's chromium via Playwright): the
officer asks, the exporter finds it under "Asked of you" and answers, the officer reads the
answer; then the exporter appeals a refusal and another officer decides it."""

from __future__ import annotations

from typing import Any

import pytest

Pages = Any
Server = Any

pytestmark = pytest.mark.browser


def test_question_answer_and_appeal_in_the_browser(pages: Pages, server: Server) -> None:
    screened = server.register.case_id("screened")  # Meridian's pistols for Kenya
    officer = pages.as_user("officer")
    officer.goto(f"{server.base}/ui/applications/{screened}")
    officer.get_by_role("button", name="Send the question").click()
    assert officer.locator("#question-error").is_visible()  # nothing typed: refused, named
    officer.get_by_label("Ask the exporter").fill("Which police unit will carry the pistols?")
    officer.get_by_role("button", name="Send the question").click()
    assert "sent to the exporter" in officer.locator("[role=status]").inner_text()

    exporter = pages.as_user("meridian")
    exporter.get_by_role("link", name="Asked of you").click()
    exporter.get_by_role("link", name=officer_reference(officer)).click()
    asked = exporter.locator("#dialogue")
    assert "Which police unit" in asked.inner_text() and "officer" not in asked.inner_text()
    asked.get_by_label("Your answer").fill("The Rapid Deployment Unit of the Kenya Police")
    asked.get_by_role("button", name="Send the answer").click()
    assert "Your answer is sent" in exporter.locator("[role=status]").inner_text()

    officer.reload()
    officer.get_by_text("Earlier questions").click()
    assert "Rapid Deployment Unit" in officer.locator("#dialogue").inner_text()

    denied = server.register.case_id("denied")
    exporter.goto(f"{server.base}/ui/applications/{denied}")
    exporter.get_by_label("Grounds of the appeal").fill("The rifles are for demobilisation")
    exporter.get_by_role("button", name="Lodge the appeal").click()
    assert exporter.locator("h1 .badge").inner_text() == "Appealed"
    second = pages.as_user("officer2")
    second.goto(f"{server.base}/ui/applications/{denied}")
    second.get_by_label("Outcome").select_option("dismissed")
    second.get_by_label("Reasons").fill("The UN arms embargo applies")
    second.get_by_role("button", name="Decide the appeal").click()
    assert second.locator("h1 .badge").inner_text() == "Appeal dismissed"


def officer_reference(page: Any) -> str:
    return str(page.locator("h1").inner_text().split()[0])
