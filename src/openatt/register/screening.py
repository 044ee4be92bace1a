"""Screening inside the register: on submission, again after a new list version, and the
officers' false-positive judgements.

Each screening is a :class:`ScreeningRunRow` (algorithm, list versions, hits) written with
an event in the hash-chained log, and its hits become the application's ``screening``, which
the engine reads (a UN-listed end user gets the blocking ATT 6.1 finding). When no list is
loaded the run says ``unavailable`` and the case stays ``submitted``: nothing pretends the
parties were screened.

A false positive is remembered for the party's name (normalised) and the list entry, keyed by
list id, entity id and the SHA-256 of the entry as the list version stores it; a later
screening against an unchanged entry sets ``false_positive=True`` on that hit, a changed entry
(new name, new birth date...) is a new hit for the officer to judge.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.core.model import Application, ScreeningHit
from openatt.register import audit, canonical
from openatt.register.applications import _store, for_change, log, payload_of
from openatt.register.errors import Invalid, NotFound
from openatt.register.models import (
    ApplicationRow,
    FalsePositiveRow,
    ScreeningRunRow,
    State,
)
from openatt.register.permissions import Permission
from openatt.register.users import Actor

if TYPE_CHECKING:  # the screening package (numpy, rapidfuzz) loads only when screening runs
    from openatt.screening.store import ListStore

# Cases whose parties are screened again when a list changes: every case not closed.
OPEN_STATES = (
    State.submitted,
    State.screened,
    State.assessed,
    State.awaiting_countersign,
    State.approved,
    State.approved_with_conditions,
    State.licensed,
    State.suspended,
    State.delivery_verified,
)


@functools.lru_cache(maxsize=8)
def _store_at(root: Path) -> ListStore:
    from openatt.screening.store import ListStore

    return ListStore(root)


def default_store() -> ListStore:
    """The lists under ``$OPENATT_HOME/lists``, one store per folder for the life of the
    process (the matcher built over it is cached with it)."""
    from openatt import settings

    return _store_at((settings.home() / "lists").resolve())


def party_key(name: str) -> str:
    """A party's name as the false-positive memory compares it: normalised by the matcher's
    own rules (case, accents, scripts, legal forms, token order)."""
    from openatt.screening.normalise import name_tokens

    tokens = name_tokens(name)
    return " ".join(sorted(tokens)) if tokens else " ".join(name.casefold().split())


def entry_digest(store: ListStore, list_id: str, version: str | None, entity_id: str) -> str:
    """SHA-256 of a list entry as stored in that list version ("" if it is not there)."""
    entities = _entries(store, list_id, version or store.current_version(list_id) or "")
    entity = entities.get(entity_id)
    return canonical.digest(entity) if entity is not None else ""


def _entries(store: ListStore, list_id: str, version: str) -> dict[str, object]:
    # keyed by the store's folder, not the object's id: a store made after another was
    # freed can take its id (found in review, 2026-12-06); a few versions are kept, each
    # entry of a list version as JSON
    key = (store.root.resolve(), list_id, version)
    with _ENTRIES_LOCK:
        cached = _ENTRIES.get(key)
    if cached is None:
        loaded = store.load(list_id, version)
        cached = {entity.entity_id: entity.to_json() for entity in loaded.entities}
        with _ENTRIES_LOCK:
            while len(_ENTRIES) >= _ENTRIES_KEPT:
                del _ENTRIES[next(iter(_ENTRIES))]
            _ENTRIES[key] = cached
    return cached


_ENTRIES: dict[tuple[Path, str, str], dict[str, object]] = {}
_ENTRIES_KEPT = 4
_ENTRIES_LOCK = threading.Lock()


def _remembered(
    session: Session, store: ListStore, hits: Sequence[ScreeningHit]
) -> list[ScreeningHit]:
    """``hits`` with ``false_positive`` set where an officer judged that party and that
    unchanged entry before."""
    keys = {party_key(hit.party_name) for hit in hits}
    if not keys:
        return list(hits)
    judged = {
        (fp.party_key, fp.list_id, fp.entity_id, fp.entry_sha256)
        for fp in session.execute(
            select(FalsePositiveRow).where(FalsePositiveRow.party_key.in_(keys))
        ).scalars()
    }
    marked = []
    for hit in hits:
        digest = entry_digest(store, hit.list_id, hit.list_version, hit.entity_id)
        if digest and (party_key(hit.party_name), hit.list_id, hit.entity_id, digest) in judged:
            hit = hit.model_copy(update={"false_positive": True})
        marked.append(hit)
    return marked


def _hit_key(hit: ScreeningHit) -> tuple[str, str, str, str]:
    return (hit.party_role, hit.party_name, hit.list_id, hit.entity_id)


def screen_application(
    session: Session,
    actor: Actor,
    row: ApplicationRow,
    store: ListStore | None,
    *,
    trigger: str,
    threshold: float | None = None,
) -> ScreeningRunRow:
    """Screen every party of ``row`` against the lists in force in ``store`` and record it.

    No permission check here: the callers (submission, an officer's request, the re-screening
    after an import) check theirs. A submitted case becomes ``screened``.
    """
    now = dt.datetime.now(dt.UTC)
    list_ids = store.list_ids() if store is not None else []
    if store is None or not list_ids:
        run = ScreeningRunRow(
            application_id=row.id,
            trigger=trigger,
            status="unavailable",
            reason="no sanctions or denied-party list is loaded (openatt lists import FILE): "
            "the parties have not been screened",
            algorithm="",
            lists="{}",
            hits="[]",
            new_hits=0,
            flagged=False,
            run_by=actor.label,
            run_at=now,
        )
        session.add(run)
        session.flush()
        audit.record(
            session,
            actor=actor.label,
            action="screening.unavailable",
            row=run,
            payload={"application": row.reference, "trigger": trigger, "reason": run.reason},
        )
        return run

    from openatt.screening.matcher import Matcher
    from openatt.screening.service import screen_parties

    application = payload_of(row)
    previous = {_hit_key(hit) for hit in application.screening}
    hits = _remembered(session, store, screen_parties(application, store, threshold))
    fresh = [hit for hit in hits if _hit_key(hit) not in previous and not hit.false_positive]
    versions = {list_id: store.current_version(list_id) or "" for list_id in list_ids}
    run = ScreeningRunRow(
        application_id=row.id,
        trigger=trigger,
        status="done",
        reason="",
        algorithm=Matcher.algorithm,
        lists=canonical.dumps(versions),
        hits=canonical.dumps([hit.model_dump(mode="json") for hit in hits]),
        new_hits=len(fresh),
        flagged=trigger == "rescreen" and bool(fresh),
        run_by=actor.label,
        run_at=now,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="screening.run",
        row=run,
        payload={
            "application": row.reference,
            "trigger": trigger,
            "algorithm": run.algorithm,
            "lists": versions,
            "hits": len(hits),
            "new_hits": len(fresh),
            "flagged": run.flagged,
        },
    )
    if tuple(hits) == application.screening and row.state != State.submitted.value:
        return run  # nothing changed on the case: the run and its event say it was screened
    _store(row, application.model_copy(update={"screening": tuple(hits)}), reindex=False)
    if row.state == State.submitted.value:
        row.state = State.screened.value
    log(
        session,
        actor,
        "application.screen",
        row,
        run=run.id,
        algorithm=run.algorithm,
        lists=versions,
        hits=[hit.model_dump(mode="json") for hit in hits],
    )
    return run


def screen_on_request(
    session: Session,
    actor: Actor,
    application_id: int,
    store: ListStore | None,
    expected_version: int | None = None,
    threshold: float | None = None,
) -> ScreeningRunRow:
    """An officer screens a case again against the lists in force."""
    row = for_change(
        session,
        actor,
        application_id,
        Permission.application_screen,
        expected_version,
        OPEN_STATES,
    )
    run = screen_application(session, actor, row, store, trigger="officer", threshold=threshold)
    from openatt.register.routing import route

    route(session, actor, row, "officer")
    return run


def rescreen_register(
    session: Session, actor: Actor, store: ListStore, threshold: float | None = None
) -> list[ScreeningRunRow]:
    """Screen every open application and licence again (after a new list version); returns
    the runs, ``flagged`` on the cases whose parties now hit what they did not before."""
    rows = session.execute(
        select(ApplicationRow)
        .where(ApplicationRow.state.in_([s.value for s in OPEN_STATES]))
        .order_by(ApplicationRow.id)
    ).scalars()
    from openatt.register.routing import route

    runs = []
    for row in list(rows):
        runs.append(
            screen_application(session, actor, row, store, trigger="rescreen", threshold=threshold)
        )
        route(session, actor, row, "rescreen")
    return runs


def runs_of(session: Session, application_id: int) -> list[ScreeningRunRow]:
    """The screenings of a case, newest first (the caller has checked it may read the case)."""
    return list(
        session.execute(
            select(ScreeningRunRow)
            .where(ScreeningRunRow.application_id == application_id)
            .order_by(ScreeningRunRow.id.desc())
        ).scalars()
    )


def false_positives_of(session: Session, application_id: int) -> list[FalsePositiveRow]:
    return list(
        session.execute(
            select(FalsePositiveRow)
            .where(FalsePositiveRow.application_id == application_id)
            .order_by(FalsePositiveRow.id)
        ).scalars()
    )


def mark_false_positive(
    session: Session,
    actor: Actor,
    application_id: int,
    hit_index: int,
    reasons: str,
    store: ListStore,
    expected_version: int | None = None,
) -> FalsePositiveRow:
    """An officer judges hit ``hit_index`` of the case's screening not to be the party.

    Recorded (with reasons) as an event, set on the hit (the engine then ignores it), and
    remembered for that party name and that list entry until the entry changes."""
    if not reasons.strip():
        raise Invalid("say why this hit is not the party", field=("reasons",))
    row = for_change(
        session,
        actor,
        application_id,
        Permission.screening_false_positive,
        expected_version,
        OPEN_STATES,
    )
    application: Application = payload_of(row)
    if not 0 <= hit_index < len(application.screening):
        raise NotFound(f"application {application_id} has no screening hit {hit_index}")
    hit = application.screening[hit_index]
    if hit.false_positive:
        raise Invalid("this hit is already marked as a false positive", field=("hit",))
    version = hit.list_version or store.current_version(hit.list_id) or ""
    digest = entry_digest(store, hit.list_id, version, hit.entity_id)
    if not digest:
        raise Invalid(
            f"list entry {hit.list_id} {hit.entity_id} (version {version}) is not loaded",
            field=("hit",),
        )
    judged = FalsePositiveRow(
        application_id=row.id,
        party_key=party_key(hit.party_name),
        party_name=hit.party_name,
        list_id=hit.list_id,
        entity_id=hit.entity_id,
        entry_sha256=digest,
        list_version=version,
        reasons=reasons.strip(),
        marked_by=actor.id,
        marked_at=dt.datetime.now(dt.UTC),
    )
    session.add(judged)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="screening.false_positive",
        row=judged,
        payload={
            "application": row.reference,
            "party": hit.party_name,
            "list": hit.list_id,
            "entity_id": hit.entity_id,
            "list_version": version,
            "reasons": judged.reasons,
        },
    )
    hits = list(application.screening)
    hits[hit_index] = hit.model_copy(update={"false_positive": True})
    _store(row, application.model_copy(update={"screening": tuple(hits)}), reindex=False)
    log(
        session,
        actor,
        "application.false_positive",
        row,
        false_positive=judged.id,
        hit=hit_index,
        reasons=judged.reasons,
    )
    return judged


def lists_of(run: ScreeningRunRow) -> dict[str, str]:
    value: dict[str, str] = json.loads(run.lists)
    return value
