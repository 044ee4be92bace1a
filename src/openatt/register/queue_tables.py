"""The tables of queues, assignment, target dates, flags and routing rules (issue 12).

Kept apart from :mod:`openatt.register.models` so that casework features grow in their own
module; they share its ``Base`` and are added to its ``ENTITY_TABLES``, so every row is
accounted for by the hash-chained log like any other. Nothing here is ever deleted: a case
leaves a queue (``removed_at``), a flag is cleared (``cleared_at``), a rule is deactivated or
superseded by its next ``version``; the log keeps each earlier state.

``search_index`` is the one table outside the log: it is derived from each application's
payload (the parties, goods, control entries and document references, lower-cased) and can be
rebuilt from it at any time, so it is a cache, not a record.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openatt.register.models import Base


class QueueRow(Base):
    """A team's work queue. A case may sit in several queues at once."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    team: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CaseQueueRow(Base):
    """A case's place in a queue: who or which rule put it there, and when it left."""

    __tablename__ = "case_queues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), index=True)
    rule: Mapped[str] = mapped_column(String(120), default="", doc="name@version, or ''")
    added_by: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(120))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CaseWorkRow(Base):
    """One per submitted case: when the authority received it, the target date computed from
    it in working days (and the calendar version used), and the officer it is assigned to."""

    __tablename__ = "case_work"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    target_days: Mapped[int] = mapped_column(Integer)
    target_on: Mapped[dt.date] = mapped_column(Date, index=True)
    calendar: Mapped[str] = mapped_column(String(40), doc="version of the casework config")
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class FlagDefinitionRow(Base):
    """What a flag means: its level (case, party, goods, destination), colour, whether it
    blocks a decision, and the role that may clear it."""

    __tablename__ = "flag_definitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    level: Mapped[str] = mapped_column(String(20))
    colour: Mapped[str] = mapped_column(String(20))
    blocking: Mapped[bool] = mapped_column(Boolean)
    cleared_by_role: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CaseFlagRow(Base):
    """A flag set on a case or on one of its parties, goods or destinations (``target``)."""

    __tablename__ = "case_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag_definitions.id"), index=True)
    target: Mapped[str] = mapped_column(String(300), doc="'', party:<role>, item:<n>, ...")
    note: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[str] = mapped_column(String(120), default="", doc="name@version, or ''")
    set_by: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    cleared_by: Mapped[str | None] = mapped_column(String(120))
    cleared_role: Mapped[str | None] = mapped_column(String(32))
    cleared_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    clear_reasons: Mapped[str | None] = mapped_column(Text)


class RoutingRuleRow(Base):
    """A routing rule: conditions on a case and what to do when they all hold. A change is a
    new ``version`` of the same row, with the old one in the log."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    tier: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rule_version: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, doc="canonical JSON")
    actions: Mapped[str] = mapped_column(Text, doc="canonical JSON")
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SearchIndexRow(Base):
    """Searchable text of one application (derived; see the module docstring)."""

    __tablename__ = "search_index"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    parties: Mapped[str] = mapped_column(Text, doc="consignee, end user, brokers")
    goods: Mapped[str] = mapped_column(Text, doc="item descriptions")
    control_entries: Mapped[str] = mapped_column(Text)
    documents: Mapped[str] = mapped_column(Text, doc="document references and issuers")


QUEUE_ENTITIES: dict[str, type[Base]] = {
    "queue": QueueRow,
    "case_queue": CaseQueueRow,
    "case_work": CaseWorkRow,
    "flag_definition": FlagDefinitionRow,
    "case_flag": CaseFlagRow,
    "routing_rule": RoutingRuleRow,
}
