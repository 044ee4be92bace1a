"""The engine run before the write transaction, not inside it.

Every write holds the register's one writer lock (SQLite) or the chain head's row lock
(PostgreSQL) from its first statement to its commit, so whatever runs inside a write is
paid by every other writer in the queue. Assessing under four regimes is the longest part
of an assessment (about 8 ms of CPU, more under load). It is a pure function of the
application, the regimes and the date, so it can run on a read snapshot first; the write
then uses that output only if the application it reads under the lock is the very one the
engine saw, and runs the engine again otherwise (a change in between is never lost).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from openatt.core.findings import Assessment
from openatt.core.model import Application, Evidence, Mitigation
from openatt.register.applications import get, payload_of
from openatt.register.assessor import Assessor, default_regimes, stored_text
from openatt.register.errors import RegisterError
from openatt.register.users import Actor


@dataclass(frozen=True)
class Prepared:
    """The engine's output for one application, regimes and date, computed ahead."""

    application: Application
    regimes: tuple[str, ...]
    as_of: dt.date | None
    results: tuple[Assessment, ...]
    text: str  # the results as stored (:func:`stored_text`), written before the lock too

    def results_for(
        self, application: Application, regimes: Sequence[str], as_of: dt.date | None
    ) -> list[Assessment] | None:
        """The output, if it was computed for exactly these inputs; else ``None``."""
        if (tuple(regimes), as_of) != (self.regimes, self.as_of):
            return None
        if application != self.application:
            return None
        return list(self.results)


def with_new_information(
    application: Application,
    actor: Actor,
    evidence: Sequence[Evidence] = (),
    mitigations: Sequence[Mitigation] = (),
) -> Application:
    """The application as a reassessment stores it: the new evidence (its author the login,
    issue 13) and mitigations appended."""
    if not evidence and not mitigations:
        return application
    authored = [e.model_copy(update={"author": actor.label}) for e in evidence]
    return application.model_copy(
        update={
            "evidence": (*application.evidence, *authored),
            "mitigations": (*application.mitigations, *mitigations),
        }
    )


def prepare(
    session: Session,
    actor: Actor,
    application_id: int,
    assessor: Assessor,
    *,
    regimes: Sequence[str] = (),
    as_of: dt.date | None = None,
    evidence: Sequence[Evidence] = (),
    mitigations: Sequence[Mitigation] = (),
) -> Prepared | None:
    """Assess the case as a read snapshot shows it (``None`` when the case cannot be read:
    the write then gives the error itself)."""
    try:
        row = get(session, actor, application_id)  # the wall applies here too
        from openatt.register.classification import classified_application

        application = classified_application(
            session, row.id, with_new_information(payload_of(row), actor, evidence, mitigations)
        )
        chosen = tuple(regimes or default_regimes())
        results = assessor.assess(application, chosen, as_of)
    except RegisterError:
        return None
    return Prepared(application, chosen, as_of, tuple(results), stored_text(results))
