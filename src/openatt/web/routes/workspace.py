"""The officer's assessment workspace on the case page: recording judgements and
mitigations (one form, the engine re-run at once), and accepting or rejecting the indicator
evidence offered on the case."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from openatt.core.model import Credibility, Mitigation
from openatt.register import offers, workspace
from openatt.register.errors import Conflict, Invalid
from openatt.register.permissions import Permission
from openatt.web.rendering import assessor_of, expected_version, posted
from openatt.web.routes.casework import case_url, load_case, monitoring_store, show_case
from openatt.web.security import Page, Viewer, database

router = APIRouter()

Assessor = Annotated[Viewer, Page(Permission.application_assess)]
ALL_TOPICS = "*"  # the form's choice "every topic of this row, in every regime"
JUDGEMENT_FIELDS = ("likelihood", "severity", "source", "date", "reasons", "not_relevant")


def _date(text: str, name: str, errors: dict[str, str]) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = "Give a date as YYYY-MM-DD."
        return None


def read_form(
    fields: dict[str, str],
    errors: dict[str, str],
    decision_date: dt.date | None = None,
    today: dt.date | None = None,
) -> tuple[list[workspace.Judgement], list[Mitigation]]:
    """The judgements and the mitigation of the workspace form; problems go into ``errors``
    under the form field's name. A topic left empty is not judged.

    ``decision_date``: the case's. The engine assesses a case as of that day and sets
    evidence dated after it aside, so a judgement dated later (by default it is dated
    today, and cases wait for days) would be recorded and then ignored: it is refused here,
    with the day to give instead."""
    known = frozenset(workspace.rule_index())
    day_of_form = today or dt.date.today()
    judgements: list[workspace.Judgement] = []
    for row in workspace.JUDGED_ROWS:
        prefix = f"j-{row.key}-"
        values = {n: fields.get(prefix + n, "").strip() for n in JUDGEMENT_FIELDS}
        if not any(
            values[n] for n in ("likelihood", "severity", "source", "reasons", "not_relevant")
        ):
            continue
        day = _date(values["date"], prefix + "date", errors)
        when = day or day_of_form
        # after the decision date, yet not in the future (refused as such by the service)
        late = decision_date is not None and decision_date < when <= day_of_form
        chosen = fields.get(prefix + "criterion", "") or ALL_TOPICS
        criteria = row.topics if chosen == ALL_TOPICS else (chosen,)
        try:  # the row's other fields are checked even when its date is refused
            made = [
                workspace.judgement(
                    criterion=criterion,
                    likelihood=values["likelihood"],
                    severity=values["severity"],
                    source=values["source"],
                    reasons=values["reasons"],
                    date=when,
                    not_relevant=values["not_relevant"],
                    known_rules=known,
                    today=day_of_form,
                )
                for criterion in criteria
            ]
        except Invalid as error:
            name = str(error.field[-1]) if error.field else "criterion"
            errors[prefix + name] = error.message[:1].upper() + error.message[1:] + "."
            made = []
        if late and decision_date is not None:
            errors.setdefault(
                prefix + "date",
                f"The case is assessed as of its decision date, {decision_date.isoformat()}, "
                "and evidence dated after it is set aside: give the date of your sources, "
                f"on or before {decision_date.isoformat()}.",
            )
            continue
        judgements.extend(made)
    mitigations: list[Mitigation] = []
    description = fields.get("m-description", "").strip()
    if description:
        addresses = fields.get("m-addresses", "")
        credibility = fields.get("m-credibility", "")
        if not addresses:
            errors["m-addresses"] = "Choose the topic the measure addresses."
        if credibility not in Credibility.__members__:
            errors["m-credibility"] = "Judge the measure's credibility."
        if addresses and credibility in Credibility.__members__:
            try:
                mitigations.append(
                    Mitigation(
                        description=description,
                        addresses=(addresses,),
                        credibility=Credibility(credibility),
                    )
                )
            except ValidationError:
                errors["m-addresses"] = "Choose a topic from the list."
    if not judgements and not mitigations and not errors:
        errors["form"] = "Judge at least one topic, or give a mitigation."
    return judgements, mitigations


@router.post("/applications/{application_id}/judgements", response_model=None)
async def record_judgements(request: Request, application_id: int, viewer: Assessor) -> Response:
    """The officer's judgements per topic (or rule) and a mitigation: officer evidence by the
    logged-in user, then the engine again at once (ATT 7.7's reassessment)."""
    fields = await posted(request)
    case = load_case(request, viewer, application_id)
    if not case.reopenable:
        raise Conflict(f"{case.row.reference} is {case.row.state}: assess it first")
    errors: dict[str, str] = {}
    judgements, mitigations = read_form(fields, errors, case.application.date)
    if errors:
        return show_case(
            request, viewer, case, 422, judgement_values=fields, judgement_errors=errors
        )
    with database(request).write() as session:
        workspace.record(
            session,
            viewer.actor,
            application_id,
            assessor_of(request),
            judgements,
            mitigations,
            expected_version=expected_version(fields.get("version", "")),
        )
    return RedirectResponse(case_url(application_id, "judged") + "#workspace", status_code=303)


@router.post("/applications/{application_id}/offers/accept", response_model=None)
async def accept_offer(request: Request, application_id: int, viewer: Assessor) -> Response:
    """The offered indicator evidence joins the case, supplied by this officer; re-assessed."""
    fields = await posted(request)
    case = load_case(request, viewer, application_id)
    offered = offers.offers_for(
        case.application, offers.indicator_tables(monitoring_store(request))
    )
    offer = offers.offer_or_missing(offered, fields.get("key", ""))
    with database(request).write() as session:
        offers.accept(
            session,
            viewer.actor,
            application_id,
            assessor_of(request),
            offer,
            expected_version=expected_version(fields.get("version", "")),
        )
    return RedirectResponse(case_url(application_id, "offer-accepted") + "#offers", status_code=303)


@router.post("/applications/{application_id}/offers/reject", response_model=None)
async def reject_offer(request: Request, application_id: int, viewer: Assessor) -> Response:
    """Reject an offer with the officer's reasons (kept for the next mapping version)."""
    fields = await posted(request)
    case = load_case(request, viewer, application_id)
    offered = offers.offers_for(
        case.application, offers.indicator_tables(monitoring_store(request))
    )
    offer = offers.offer_or_missing(offered, fields.get("key", ""))
    index = fields.get("index", "")
    reasons = fields.get(f"reasons-{index}", fields.get("reasons", "")).strip()
    if not reasons:
        return show_case(
            request,
            viewer,
            case,
            422,
            offer_errors={f"reasons-{index}": "Say why the indicator does not hold for this case."},
        )
    with database(request).write() as session:
        offers.reject(session, viewer.actor, application_id, offer, reasons)
    return RedirectResponse(case_url(application_id, "offer-rejected") + "#offers", status_code=303)
