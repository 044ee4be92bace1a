"""The engine run before the write transaction, where that saves the other writers' time.

On SQLite every write holds the register's one writer lock from its first statement to its
commit, so whatever runs inside a write is paid by every other writer in the queue.
Assessing under four regimes is the longest part of an assessment (about 8 ms of CPU, more
under load). It is a pure function of the application, the regimes and the date, so it can
run on a read snapshot first; the write then uses that output only if the application it
reads under the lock is the very one the engine saw, and runs the engine again otherwise (a
change in between is never lost).

On PostgreSQL a write locks only its case's row until the commit (the chain head is locked
just before it: :func:`openatt.register.audit.link_pending`), so the engine inside the write
holds up nobody but a second writer on the same case; the read ahead there cost a
transaction, the case and its classification read twice, and parsing the payload twice, for
no writer's benefit (issue 16, fifth round). :func:`before_the_write` says which applies.

Each process also keeps the last outputs it computed (:class:`Outputs`), keyed by every
input the engine reads: the assessor (its law and reference data, fixed for its life, and
their version), the application as the engine sees it (its facts, classification, evidence
and mitigations, as canonical JSON), the regimes and the as-of date. A reassessment that
brings no new information assesses the same inputs again: it gets the same output, and its
stored text, without running the engine or serialising its output again (issue 16, fourth
round); any change to an input is a different key, and the engine runs. The write uses it
too when nothing was prepared ahead.

What is kept is :class:`Output`: the stored text and the three things the assessment row
records besides it, not the engine's result objects. Those are some 250 objects the cyclic
garbage collector tracks per output; 512 of them kept, and replaced one by one by new facts,
filled the youngest generation without raising its count (each output dropped from the cache
lowers it as much as the new one raises it), so its rare collections walked 100,000 objects
or more and stopped every request of the worker for 80 to 130 ms (issue 16, seventeenth
round).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from openatt.core.findings import Assessment, Recommendation
from openatt.core.model import LIST_MAX, Application, Evidence, Mitigation
from openatt.register.applications import get, payload_of
from openatt.register.assessor import (
    Assessor,
    default_regimes,
    overall_recommendation,
    stored_text,
)
from openatt.register.db import Database
from openatt.register.errors import Invalid, RegisterError
from openatt.register.users import Actor


def before_the_write(db: Database) -> bool:
    """Whether to run the engine on a read snapshot before the write (SQLite: one writer at
    a time from ``BEGIN``), rather than inside it (PostgreSQL: see the module's docstring)."""
    return db.is_sqlite


@dataclass(frozen=True, slots=True)
class Output:
    """What a write stores of the engine's output for one application, regimes and date:
    the output as stored (:func:`stored_text`) and what the assessment row records besides
    it. ``regimes_assessed`` is 0 when the engine returned nothing (the write refuses it)."""

    text: str
    recommendation: Recommendation
    law_version: str
    engine_version: str
    regimes_assessed: int

    @classmethod
    def of(cls, results: Sequence[Assessment]) -> Output:
        return cls(
            text=stored_text(results),
            recommendation=overall_recommendation(results),
            law_version=",".join(sorted({a.law_version for a in results})),
            engine_version=",".join(sorted({a.engine_version for a in results})),
            regimes_assessed=len(results),
        )


@dataclass(frozen=True)
class Prepared:
    """The engine's output for one application, regimes and date, computed ahead."""

    application: Application
    regimes: tuple[str, ...]
    as_of: dt.date | None
    output: Output  # its text written before the lock too

    def output_for(
        self, application: Application, regimes: Sequence[str], as_of: dt.date | None
    ) -> Output | None:
        """The output, if it was computed for exactly these inputs; else ``None``."""
        if (tuple(regimes), as_of) != (self.regimes, self.as_of):
            return None
        if application != self.application:
            return None
        return self.output


Key = tuple[int, str, tuple[str, ...], dt.date | None, str]


class Outputs:
    """The engine's last outputs in this process, by every input they depend on (bounded,
    least recently used first out; shared by the server's threads)."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._found: OrderedDict[Key, tuple[Assessor, Output]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(
        assessor: Assessor,
        application: Application,
        regimes: tuple[str, ...],
        as_of: dt.date | None,
    ) -> Key:
        version = str(getattr(assessor, "law_version", ""))
        return (id(assessor), version, regimes, as_of, application.model_dump_json())

    def get(self, key: Key, assessor: Assessor) -> Output | None:
        with self._lock:
            found = self._found.get(key)
            if found is None or found[0] is not assessor:  # an id reused by another object
                self.misses += 1
                return None
            self._found.move_to_end(key)
            self.hits += 1
            return found[1]

    def put(self, key: Key, assessor: Assessor, output: Output) -> None:
        with self._lock:
            self._found[key] = (assessor, output)
            self._found.move_to_end(key)
            while len(self._found) > self.size:
                self._found.popitem(last=False)


OUTPUTS = Outputs()


def assess_once(
    assessor: Assessor,
    application: Application,
    regimes: tuple[str, ...],
    as_of: dt.date | None,
) -> Output:
    """The engine's output for these inputs as a write stores it, from :data:`OUTPUTS` when
    this process computed it before, else computed (and kept)."""
    key = Outputs.key(assessor, application, regimes, as_of)
    found = OUTPUTS.get(key, assessor)
    if found is not None:
        return found
    output = Output.of(assessor.assess(application, regimes, as_of))
    OUTPUTS.put(key, assessor, output)
    return output


def with_new_information(
    application: Application,
    actor: Actor,
    evidence: Sequence[Evidence] = (),
    mitigations: Sequence[Mitigation] = (),
) -> Application:
    """The application as a reassessment stores it: the new evidence (its author the login,
    issue 13) and mitigations appended. More than a case may hold is refused (found in
    review, twelfth round: a reassessment that brought the case to 501 pieces of evidence
    failed with a server error when the write read the case back)."""
    if not evidence and not mitigations:
        return application
    authored = [e.model_copy(update={"author": actor.label}) for e in evidence]
    added: dict[str, Sequence[object]] = {"evidence": authored, "mitigations": mitigations}
    merged = {name: (*getattr(application, name), *new) for name, new in added.items()}
    for name, new in added.items():
        if len(merged[name]) > LIST_MAX:
            what = "pieces of evidence" if name == "evidence" else name
            raise Invalid(
                f"a case holds at most {LIST_MAX} {what}: it has {len(merged[name]) - len(new)}"
                f" and this adds {len(new)}",
                field=(name,),
            )
    return application.model_copy(update=merged)


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
        output = assess_once(assessor, application, chosen, as_of)
    except RegisterError:
        return None
    return Prepared(application, chosen, as_of, output)
