"""The demo's queues, flags and routing rules, and the casework it does on its cases.

``configure`` runs before the demo's cases are submitted, so its rules route them as they come
in (each application of a rule is in the log). ``work`` then assigns cases, moves one case's
received date back (so it is past its target date) and clears one blocking flag, leaving another
case blocked."""

from __future__ import annotations

import datetime as dt

from openatt.register import flags, queues, routing
from openatt.register.casework_config import FlagSpec
from openatt.register.db import Database
from openatt.register.models import ApplicationRow, Role, State
from openatt.register.users import Actor

QUEUES = (
    ("Licensing", "Licensing casework", "Every application, until a decision"),
    ("Technical assessment", "Technical experts", "Major platforms and their parts"),
    ("Sanctions and denials", "Sanctions", "Screening hits and notified denials"),
)
FLAGS = (
    FlagSpec(
        name="Destination under review",
        level="destination",
        colour="red",
        blocking=True,
        cleared_by_role=Role.senior_reviewer,
        description="The destination's situation is under review: a senior reviewer clears it.",
    ),
    FlagSpec(
        name="Major platform",
        level="goods",
        colour="purple",
        blocking=False,
        cleared_by_role=Role.officer,
        description="ATT categories I-VII: the technical team looks at the goods.",
    ),
    FlagSpec(
        name="Notified denial",
        level="case",
        colour="orange",
        blocking=False,
        cleared_by_role=Role.officer,
        description="Essentially identical to a denial another state notified.",
    ),
)
RULES = (
    {
        "name": "Every case to Licensing",
        "tier": 10,
        "when": {"kinds": ["export", "import", "transit", "trans-shipment", "brokering"]},
        "then": {"queues": ["Licensing"]},
    },
    {
        "name": "Major platforms",
        "tier": 20,
        "when": {"categories": ["I", "II", "III", "IV", "V", "VI", "VII"]},
        "then": {"queues": ["Technical assessment"], "flags": ["Major platform"]},
    },
    {
        "name": "Destinations under review",
        "tier": 30,
        "description": "Example: destinations the authority has put under review.",
        "when": {"destinations": ["IND", "KEN"]},
        "then": {"flags": ["Destination under review"]},
    },
    {
        "name": "Notified denials and screening hits",
        "tier": 40,
        "when": {"notified_denials": True},
        "then": {"queues": ["Sanctions and denials"], "flags": ["Notified denial"]},
    },
)


def configure(db: Database, senior: Actor) -> None:
    with db.write() as s:
        for name, team, description in QUEUES:
            queues.add_queue(s, senior, name=name, team=team, description=description)
        for spec in FLAGS:
            flags.define(s, senior, spec)
        for rule in RULES:
            routing.save(s, senior, routing.RuleSpec.model_validate(rule))


def work(db: Database, actors: dict[str, Actor], ids: dict[State, int], today: dt.date) -> None:
    officer, second, senior = actors["officer"], actors["officer2"], actors["senior"]
    with db.write() as s:
        queues.assign(s, senior, ids[State.screened], officer.username)
        queues.assign(s, senior, ids[State.submitted], second.username)
        queues.assign(s, senior, ids[State.assessed], officer.username)
        queues.assign(s, senior, ids[State.awaiting_countersign], second.username)
        queues.set_received(
            s,
            officer,
            ids[State.submitted],
            today - dt.timedelta(days=42),
            "Received on paper by post; registered when the scanned copy arrived",
        )
    with db.write() as s:
        row = s.get(ApplicationRow, ids[State.assessed])
        assert row is not None
        held = [f for f in flags.on_case(s, row) if f.active and f.definition.blocking]
        for flag in held:
            flags.clear(
                s,
                senior,
                row.id,
                flag.row.id,
                "Reviewed with the desk officer: the end user is not implicated.",
            )
