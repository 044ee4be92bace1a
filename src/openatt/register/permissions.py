"""Who may do what: one table, read by the services and by the API's role x endpoint test.

Applicants are further limited to their own company's applications (see ``scope``).
"""

from __future__ import annotations

from enum import StrEnum

from openatt.register.errors import Forbidden
from openatt.register.models import Role
from openatt.register.users import Actor


class Permission(StrEnum):
    application_create = "application.create"
    application_read = "application.read"
    application_update = "application.update"
    application_submit = "application.submit"
    application_screen = "application.screen"
    application_assess = "application.assess"
    application_decide = "application.decide"
    application_countersign = "application.countersign"
    licence_issue = "licence.issue"
    shipment_record = "shipment.record"
    delivery_verify = "delivery.verify"
    licence_suspend = "licence.suspend"
    licence_revoke = "licence.revoke"
    licence_expire = "licence.expire"
    denial_read = "denial.read"
    denial_record = "denial.record"
    consultation_record = "consultation.record"
    register_export = "register.export"
    audit_read = "audit.read"
    case_history = "case.history"
    users_manage = "users.manage"
    preview_assess = "preview.assess"
    report_read = "report.read"
    report_submit = "report.submit"
    screening_run = "screening.run"
    screening_false_positive = "screening.false_positive"
    monitoring_read = "monitoring.read"
    monitoring_run = "monitoring.run"
    case_internal = "case.internal"
    indicator_rejections = "indicator.rejections"
    document_add = "document.add"
    letter_issue = "letter.issue"
    query_read = "query.read"
    query_raise = "query.raise"
    query_answer = "query.answer"
    note_read = "note.read"
    note_write = "note.write"
    application_withdraw = "application.withdraw"
    application_amend = "application.amend"
    appeal_lodge = "appeal.lodge"
    appeal_decide = "appeal.decide"
    notify_run = "notify.run"
    team_read = "team.read"
    team_manage = "team.manage"
    advice_request = "advice.request"
    advice_give = "advice.give"
    advice_read = "advice.read"
    advice_final = "advice.final"
    advice_countersign = "advice.countersign"
    casework_read = "casework.read"
    casework_configure = "casework.configure"
    case_assign = "case.assign"
    case_route = "case.route"
    flag_set = "flag.set"
    flag_clear = "flag.clear"
    classification_read = "classification.read"
    classification_record = "classification.record"


_A, _O, _S, _U, _D, _M = (
    Role.applicant,
    Role.officer,
    Role.senior_reviewer,
    Role.auditor,
    Role.admin,
    Role.monitor,
)
_V = Role.adviser
_STAFF = frozenset({_O, _S})

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.application_create: frozenset({_A, _O, _S}),
    Permission.application_read: frozenset({_A, _O, _S, _U, _D}),
    Permission.application_update: frozenset({_A, _O, _S}),
    Permission.application_submit: frozenset({_A, _O, _S}),
    Permission.application_screen: _STAFF,
    Permission.application_assess: _STAFF,
    Permission.application_decide: _STAFF,
    Permission.application_countersign: _STAFF,
    Permission.licence_issue: _STAFF,
    Permission.shipment_record: _STAFF,
    Permission.delivery_verify: _STAFF,
    Permission.licence_suspend: _STAFF,
    Permission.licence_revoke: frozenset({_S}),
    Permission.licence_expire: _STAFF,
    Permission.denial_read: frozenset({_O, _S, _U, _D}),
    Permission.denial_record: _STAFF,
    Permission.consultation_record: _STAFF,
    Permission.register_export: frozenset({_O, _S, _U, _D}),
    Permission.audit_read: frozenset({_S, _U, _D}),
    Permission.case_history: frozenset({_O, _S, _U, _D}),
    Permission.users_manage: frozenset({_D}),
    Permission.preview_assess: frozenset({_A, _O, _S, _U}),
    # Reports: officers and auditors only (issue 7); submitting and withholding are staff acts.
    Permission.report_read: frozenset({_O, _S, _U}),
    Permission.report_submit: _STAFF,
    # Screening names (single and batch), re-screening the register, judging false positives.
    Permission.screening_run: _STAFF,
    Permission.screening_false_positive: _STAFF,
    # Monitoring world transfers (issue 8): the monitor role only reads the stored results;
    # importing and assessing (which replace them) are staff acts.
    Permission.monitoring_read: frozenset({_M, _O, _S, _U, _D}),
    Permission.monitoring_run: _STAFF,
    # The authority's own work on a case (assessment, findings, evidence, screening, offers,
    # decisions as recorded): never an applicant's (issue 12, see register/audience.py).
    Permission.case_internal: frozenset({_O, _S, _U, _D}),
    # The officers' rejections of indicator evidence: the next mapping's evidence (issue 18).
    Permission.indicator_rejections: frozenset({_O, _S, _U, _D}),
    # Documents (issue 12): applicants add to their own cases, staff to any; letters are the
    # authority's. Reading and downloading follow application.read and the audience's view.
    Permission.document_add: frozenset({_A, _O, _S}),
    Permission.letter_issue: _STAFF,
    # The dialogue with the exporter (issue 12, part 5): staff ask, the applicant answers;
    # notes are internal; an appeal is decided by staff other than the first deciders.
    Permission.query_read: frozenset({_A, _O, _S}),
    Permission.query_raise: _STAFF,
    Permission.query_answer: frozenset({_A}),
    Permission.note_read: _STAFF,
    Permission.note_write: _STAFF,
    Permission.application_withdraw: frozenset({_A, _O, _S}),
    Permission.application_amend: frozenset({_A, _O, _S}),
    Permission.appeal_lodge: frozenset({_A, _O, _S}),
    Permission.appeal_decide: _STAFF,
    Permission.notify_run: frozenset({_O, _S, _D}),
    # Advice (issue 12): admins keep the advising teams; officers ask teams for advice and
    # consolidate it; advisers (and officers on a team) advise on the cases they are asked
    # about, which the services check; the policy narrows who countersigns which level.
    Permission.team_read: frozenset({_O, _S, _D, _V}),
    Permission.team_manage: frozenset({_S, _D}),
    Permission.advice_request: _STAFF,
    Permission.advice_give: frozenset({_O, _S, _V}),
    Permission.advice_read: frozenset({_O, _S, _V}),
    Permission.advice_final: _STAFF,
    Permission.advice_countersign: _STAFF,
    # Queues, assignment, flags and routing (issue 12): staff work the queues; queues, flag
    # definitions and routing rules are configured by a senior reviewer or an administrator.
    # Clearing a flag also needs the role its definition names (see register/flags.py).
    Permission.casework_read: frozenset({_O, _S, _U, _D}),
    Permission.casework_configure: frozenset({_S, _D}),
    Permission.case_assign: _STAFF,
    Permission.case_route: _STAFF,
    Permission.flag_set: _STAFF,
    Permission.flag_clear: _STAFF,
    # Classification of goods (issue 15): the applicant proposes (its application) and sees
    # the outcome in its own view of the case (register/audience.py); the officer, or a
    # technical adviser asked about the case, confirms, changes or rules out.
    Permission.classification_read: frozenset({_O, _S, _U, _D, _V}),
    Permission.classification_record: frozenset({_O, _S, _V}),
}


def allowed(role: Role, permission: Permission) -> bool:
    return role in GRANTS[permission]


def require(actor: Actor, permission: Permission) -> None:
    if not allowed(actor.role, permission):
        raise Forbidden(f"role {actor.role.value} may not {permission.value}")


def sees_company(actor: Actor, company: str) -> bool:
    """Applicants see their own company's applications; every other role sees all."""
    return actor.role != Role.applicant or actor.company == company
