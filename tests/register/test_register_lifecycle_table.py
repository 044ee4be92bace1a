"""The lifecycle table: complete, documented as generated, and obeyed by every event the
demo writes (on SQLite and PostgreSQL); the demo shows the dialogue's every state."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from sqlalchemy import select

from openatt.core.engine import Engine
from openatt.register import assessing, audit, demo, lifecycle
from openatt.register.db import Database
from openatt.register.dialogue_models import (
    AmendmentRow,
    AppealRow,
    CaseNoteRow,
    NotificationRow,
    QueryRow,
)
from openatt.register.models import ApplicationRow, DenialRevocationRow, Event, State
from openatt.register.permissions import GRANTS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "casework.md"


def _between(text: str, name: str) -> str:
    found = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.DOTALL)
    assert found, f"docs/casework.md has no {name} markers"
    return found.group(1)


def test_the_docs_show_the_generated_diagram_and_table() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert _between(text, "lifecycle-diagram") == f"```mermaid\n{lifecycle.mermaid()}```\n"
    assert _between(text, "lifecycle-table") == lifecycle.markdown()


def test_every_state_is_reachable_and_every_row_is_sound() -> None:
    for state in State:
        walk = lifecycle.path(state)
        assert walk[0] == State.draft and walk[-1] == state
        for before, after in itertools.pairwise(walk):
            assert any(lifecycle.allows(t.event, before, after) for t in lifecycle.TRANSITIONS)
    events = [t.event for t in lifecycle.TRANSITIONS]
    assert len(events) == len(set(events))
    for row in lifecycle.TRANSITIONS:
        assert row.targets and row.permission in GRANTS
    assert lifecycle.terminal() == {
        State.withdrawn,
        State.superseded,
        State.expired,
        State.revoked,
        State.appeal_dismissed,
    }
    # The services read their states from the table.
    assert lifecycle.sources("application.reassess") == assessing.REOPENABLE
    assert not lifecycle.allows("application.withdraw", State.denied, State.withdrawn)
    assert lifecycle.allows("application.appeal", State.denied, State.appealed)
    assert lifecycle.allows("application.query", State.assessed, State.assessed)


def test_the_demo_obeys_the_table_and_shows_the_dialogue(database_url: str, engine: Engine) -> None:
    db = Database(database_url)
    try:
        counts = demo.fill(db, engine)
        assert {s.value for s in State} <= set(counts)
        with db.read() as session:
            states: dict[int, State] = {}
            for event in session.execute(
                select(Event).where(Event.entity == "application").order_by(Event.seq)
            ).scalars():
                after = State(json.loads(event.payload)["state"])
                if event.entity_id in states:
                    before = states[event.entity_id]
                    assert lifecycle.allows(event.action, before, after), (
                        f"{event.action}: {before.value} -> {after.value}"
                    )
                states[event.entity_id] = after
            assert audit.verify(session).intact
            asked = list(session.execute(select(QueryRow)).scalars())
            assert {q.status for q in asked} == {"open", "answered"}
            assert session.execute(select(CaseNoteRow.mentions)).scalar() == '["officer2"]'
            amendment = session.execute(select(AmendmentRow)).scalar_one()
            old = session.get(ApplicationRow, amendment.supersedes_id)
            assert old is not None and old.state == "superseded"
            assert "items.0.quantity" in amendment.differences
            outcomes = sorted(str(a.outcome) for a in session.execute(select(AppealRow)).scalars())
            assert outcomes == ["None", "dismissed", "upheld"]
            # the refusal overturned on appeal: our notification of it is withdrawn
            (withdrawn,) = session.execute(select(DenialRevocationRow)).scalars()
            assert "overturned on appeal" in withdrawn.reason
            mailed = list(session.execute(select(NotificationRow)).scalars())
            assert {"query.asked", "query.answered", "note.mention", "decision"} <= {
                n.kind for n in mailed
            }
            assert all(n.status == "queued" and "@" in n.address for n in mailed)
    finally:
        db.dispose()
