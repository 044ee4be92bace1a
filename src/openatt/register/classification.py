"""Classification of goods in the casework (issue 15): the applicant proposes a control-list
entry (and item kind) per item; the officer, or a technical adviser asked about the case,
confirms it, changes it with reasons, or records with reasons that the item is not
controlled. Each act is a row of ``item_classifications`` and an event in the hash chain.

What reads the classification: :func:`confirmed_placement` (the reports place an item by
it), :func:`classified` (the application as the engine and the denial matching read it: the
confirmed entry and its ATT category in place of the applicant's), :func:`precedents`
(earlier confirmed classifications of similar goods) and :func:`items_of` (the page and the
API). Nothing here guesses from a description: the suggestion ranking is shown as advice.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, bindparam, exists, select
from sqlalchemy.orm import Session

from openatt.core.model import Application, Category, Item
from openatt.reference.control_lists import (
    ControlListError,
    EntryRef,
    Placement,
    default_control_lists,
    parse_reference,
)
from openatt.reference.control_suggest import Suggestion, suggest
from openatt.register import audit
from openatt.register.applications import get, payload_of
from openatt.register.classification_tables import ClassificationRow
from openatt.register.errors import Invalid, NotFound
from openatt.register.models import AdviceRequestRow, ApplicationRow, Role, State
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor

MAX_REASONS = 4000
NOT_CONTROLLED = "not-controlled"
# The authority classifies once the applicant has submitted; a decided case keeps its record.
OPEN_STATES = frozenset(
    {State.submitted, State.screened, State.assessed, State.awaiting_countersign}
)


class Action(StrEnum):
    confirm = "confirm"
    change = "change"
    not_controlled = "not_controlled"


def check_proposals(application: Application, on: dt.date | None = None) -> None:
    """Each item's ``control_entry`` must name an entry (and kind) of a list, else Invalid."""
    lists = default_control_lists()
    for index, item in enumerate(application.items):
        if not item.control_entry:
            continue
        try:
            lists.resolve(item.control_entry, on)
        except ControlListError as exc:
            raise Invalid(
                f"item {index + 1}: {exc}", field=("items", index, "control_entry")
            ) from exc


def _proposal(text: str | None) -> EntryRef | None:
    if not text:
        return None
    try:
        return default_control_lists().resolve(text)
    except ControlListError:
        return None  # an entry stored before proposals were checked


def _refines(proposed: EntryRef | None, ref: EntryRef) -> bool:
    """The same entry as proposed, or a sub-entry of it (ML1 -> ML1.a), on the same list:
    the officer confirms the proposal and makes it precise."""
    if proposed is None or proposed.list_id != ref.list_id:
        return False
    sub = ref.entry.startswith((f"{proposed.entry}.", f"{proposed.entry}("))
    return ref.entry == proposed.entry or sub


def _case(session: Session, actor: Actor, application_id: int) -> ApplicationRow:
    """The case, for staff as ``get`` finds it; for an adviser, one their team was asked about."""
    if actor.role != Role.adviser:
        return get(session, actor, application_id)
    from openatt.register.advice_teams import team_ids_of

    teams = team_ids_of(session, actor.id)
    asked = session.execute(
        select(AdviceRequestRow.id).where(
            AdviceRequestRow.application_id == application_id,
            AdviceRequestRow.team_id.in_(teams or {-1}),
        )
    ).first()
    row = session.get(ApplicationRow, application_id) if asked else None
    if row is None:
        raise NotFound(f"application {application_id} not found")
    return row


# Built once, the case bound per call: every assessment reads it twice (issue 16).
_HISTORY = (
    select(ClassificationRow)
    .where(ClassificationRow.application_id == bindparam("application"))
    .order_by(ClassificationRow.id)
)


def classified_column() -> ColumnElement[bool]:
    """Whether any item of the case bound as ``application`` was classified, as a column: a
    write asks it beside its other questions in one statement, and reads the history only
    when there is one (issue 16, fifth round)."""
    return exists(ClassificationRow.id).where(
        ClassificationRow.application_id == bindparam("application")
    )


def history(session: Session, application_id: int) -> list[ClassificationRow]:
    return list(session.execute(_HISTORY, {"application": application_id}).scalars())


def current(session: Session, application_id: int) -> dict[int, ClassificationRow]:
    """The latest act on each item of the application, by item index."""
    return {row.item_index: row for row in history(session, application_id)}


def record(
    session: Session,
    actor: Actor,
    application_id: int,
    item_index: int,
    *,
    action: Action,
    entry: str | None = None,
    reasons: str = "",
) -> ClassificationRow:
    """Confirm the applicant's entry, change it, or rule the item not controlled."""
    require(actor, Permission.classification_record)
    row = _case(session, actor, application_id)
    if State(row.state) not in OPEN_STATES:
        raise Invalid(
            f"a {row.state} case is not open to classification (submit it first)", field=("action",)
        )
    application = payload_of(row)
    if not 0 <= item_index < len(application.items):
        raise Invalid(f"the application has {len(application.items)} items", field=("item",))
    item = application.items[item_index]
    why = reasons.strip()
    if len(why) > MAX_REASONS:
        raise Invalid(f"at most {MAX_REASONS} characters", field=("reasons",))
    proposed = _proposal(item.control_entry)
    lists = default_control_lists()
    ref: EntryRef | None = None
    if action is Action.not_controlled:
        if entry:
            raise Invalid("an item ruled not controlled has no entry", field=("entry",))
    else:
        text = entry or (str(proposed) if action is Action.confirm and proposed else "")
        if not text:
            raise Invalid("name the entry (e.g. ML4.b:atgm-launcher)", field=("entry",))
        try:
            ref = lists.resolve(text)
            lists.placement(ref.list_id, ref.entry, ref.kind)
        except ControlListError as exc:
            raise Invalid(str(exc), field=("entry",)) from exc
        same = _refines(proposed, ref)
        if action is Action.confirm and not same:
            raise Invalid(
                f"{ref} is not the applicant's entry ({item.control_entry or 'none'}): "
                "change it, with reasons",
                field=("entry",),
            )
        if action is Action.change and proposed == ref:
            raise Invalid("that is the applicant's entry: confirm it", field=("entry",))
    if action is not Action.confirm and not why:
        raise Invalid("give the reasons for the change", field=("reasons",))
    before = current(session, row.id).get(item_index)
    stored = ClassificationRow(
        application_id=row.id,
        item_index=item_index,
        action={"confirm": "confirmed", "change": "changed"}.get(action.value, action.value),
        list_id=ref.list_id if ref else None,
        entry=ref.entry if ref else None,
        kind=ref.kind if ref else None,
        proposed=item.control_entry or "",
        description=item.description,
        reasons=why,
        supersedes_id=before.id if before else None,
        decided_by=actor.label,
        decided_role=actor.role.value,
        decided_at=dt.datetime.now(dt.UTC),
    )
    session.add(stored)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action=f"classification.{action.value}",
        row=stored,
        payload={
            "application": row.reference,
            "item": item_index,
            "proposed": stored.proposed,
            "entry": str(ref) if ref else NOT_CONTROLLED,
            "reasons": why,
            "supersedes": stored.supersedes_id,
        },
    )
    return stored


def placement_of(stored: ClassificationRow, on: dt.date | None = None) -> Placement:
    """Where a classified item lands; an item ruled not controlled is in no category."""
    if stored.list_id is None or stored.entry is None:
        return Placement(
            list_id="none",
            entry=NOT_CONTROLLED,
            kind=None,
            att_category=Category.other,
            att_subcategory=None,
            unroca_category=None,
            unroca_subcategory=None,
            art3_4=None,
            article=None,
            citation=f"ruled not controlled by {stored.decided_by}: {stored.reasons}",
            note="not on the control list",
        )
    return default_control_lists().placement(stored.list_id, stored.entry, stored.kind, on)


def confirmed_placement(
    session: Session, application_id: int, item_index: int, on: dt.date | None = None
) -> Placement | None:
    """The placement of the item's confirmed (or changed) classification; None while the
    authority has not classified it. What the reports read, never a guess."""
    stored = current(session, application_id).get(item_index)
    if stored is None:
        return None
    try:
        return placement_of(stored, on)
    except ControlListError:
        return placement_of(stored)  # ``on`` before the list version held: the newest


def classified(session: Session, row: ApplicationRow) -> Application:
    """The application as the engine and the denial matching read it: each item the
    authority classified carries the confirmed entry and its ATT category."""
    return classified_application(session, row.id, payload_of(row))


def classified_application(
    session: Session, application_id: int, application: Application
) -> Application:
    """``application`` (the case's, perhaps with new information) as the engine reads it."""
    acts = current(session, application_id)
    if not acts:
        return application
    return application.model_copy(update={"items": with_classification(application.items, acts)})


def with_classification(
    items: Sequence[Item], acts: Mapping[int, ClassificationRow]
) -> tuple[Item, ...]:
    """The items with the authority's classification in place of the applicant's proposal."""
    found = list(items)
    for index, stored in acts.items():
        if index >= len(found):
            continue
        where = placement_of(stored)
        entry = (
            None
            if stored.entry is None
            else str(EntryRef(stored.list_id or "", stored.entry, stored.kind))
        )
        found[index] = found[index].model_copy(
            update={"control_entry": entry, "category": where.att_category}
        )
    return tuple(found)


def current_for(
    session: Session, application_ids: Collection[int], until: dt.datetime | None = None
) -> dict[int, dict[int, ClassificationRow]]:
    """The latest act on each item of several applications (one query), as it stood at
    ``until``: what a report as of a moment reads."""
    if not application_ids:
        return {}
    query = select(ClassificationRow).where(
        ClassificationRow.application_id.in_(list(application_ids))
    )
    if until is not None:
        query = query.where(ClassificationRow.decided_at <= until)
    acts: dict[int, dict[int, ClassificationRow]] = {}
    for row in session.execute(query.order_by(ClassificationRow.id)).scalars():
        acts.setdefault(row.application_id, {})[row.item_index] = row
    return acts


def entry_keys(text: str) -> set[str]:
    """What a control entry matches in a denial notice: the entry and its heading, upper
    case, without the item kind (``ML4.b:atgm-launcher`` -> ``ML4.B``, ``ML4``)."""
    base = text.split(":", 1)[0].strip().upper()
    if not base:
        return set()
    keys = {base}
    try:
        ref = parse_reference(base)
    except ControlListError:
        return keys
    heading = re.split(r"[.(]", ref.entry, maxsplit=1)[0].upper()
    keys.add(str(EntryRef(ref.list_id, heading)).upper())
    return keys


@dataclass(frozen=True)
class Precedent:
    """An earlier classification of similar goods on another case."""

    application: str
    item_index: int
    description: str
    action: str
    entry: str
    reasons: str
    decided_at: dt.datetime


_WORD = re.compile(r"[a-z0-9]+")


def precedents(
    session: Session,
    actor: Actor,
    description: str,
    *,
    exclude_application: int | None = None,
    limit: int = 5,
) -> list[Precedent]:
    """Earlier classifications (the latest act on each item) whose goods are described like
    ``description``, best first: BM25 over their descriptions, in an in-memory FTS5 index."""
    require(
        actor, Permission.case_internal if actor.role != Role.adviser else Permission.advice_read
    )
    words = [w for w in _WORD.findall(description.lower()) if len(w) > 1]
    if not words:
        return []
    latest: dict[tuple[int, int], tuple[ClassificationRow, str]] = {}
    for stored, reference in session.execute(
        select(ClassificationRow, ApplicationRow.reference)
        .join(ApplicationRow, ApplicationRow.id == ClassificationRow.application_id)
        .order_by(ClassificationRow.id)
    ).all():
        if stored.application_id != exclude_application:
            latest[(stored.application_id, stored.item_index)] = (stored, reference)
    if not latest:
        return []
    db = sqlite3.connect(":memory:")
    try:
        db.execute(
            "CREATE VIRTUAL TABLE p USING fts5(k UNINDEXED, text, tokenize='porter unicode61')"
        )
        keys = list(latest)
        db.executemany(
            "INSERT INTO p VALUES (?, ?)",
            [(n, latest[key][0].description) for n, key in enumerate(keys)],
        )
        query = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        found = db.execute(
            "SELECT k FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT ?", (query, limit)
        ).fetchall()
    finally:
        db.close()
    result: list[Precedent] = []
    for (n,) in found:
        stored, reference = latest[keys[int(n)]]
        entry = (
            str(EntryRef(stored.list_id or "", stored.entry, stored.kind))
            if stored.entry
            else NOT_CONTROLLED
        )
        result.append(
            Precedent(
                application=reference,
                item_index=stored.item_index,
                description=stored.description,
                action=stored.action,
                entry=entry,
                reasons=stored.reasons,
                decided_at=stored.decided_at,
            )
        )
    return result


@dataclass(frozen=True)
class ItemClassification:
    """One item of a case as the classification panel shows it."""

    index: int
    description: str
    category: str
    proposed: str
    current: ClassificationRow | None
    placement: Placement | None
    suggestions: tuple[Suggestion, ...] = ()
    precedents: tuple[Precedent, ...] = ()

    @property
    def status(self) -> str:
        return self.current.action if self.current else "proposed"

    @property
    def confirmed(self) -> str | None:
        stored = self.current
        if stored is None:
            return None
        if stored.entry is None:
            return NOT_CONTROLLED
        return str(EntryRef(stored.list_id or "", stored.entry, stored.kind))


def items_of(
    session: Session, actor: Actor, application_id: int, *, internal: bool = True
) -> list[ItemClassification]:
    """Every item: proposed against confirmed, and for staff the suggestion ranking and the
    precedents. ``internal=False`` is the applicant's view (its proposal and the outcome)."""
    require(actor, Permission.classification_read)
    row = _case(session, actor, application_id)
    application = payload_of(row)
    acts = current(session, row.id)
    show_internal = internal and actor.role != Role.applicant
    items: list[ItemClassification] = []
    for index, item in enumerate(application.items):
        stored = acts.get(index)
        items.append(
            ItemClassification(
                index=index,
                description=item.description,
                category=item.category.value,
                proposed=item.control_entry or "",
                current=stored,
                placement=placement_of(stored) if stored else None,
                suggestions=tuple(suggest(item.description, limit=3)) if show_internal else (),
                precedents=tuple(
                    precedents(
                        session, actor, item.description, exclude_application=row.id, limit=3
                    )
                )
                if show_internal
                else (),
            )
        )
    return items
