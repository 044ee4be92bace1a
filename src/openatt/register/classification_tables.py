"""The table of the authority's classifications of goods (issue 15), kept apart from
:mod:`openatt.register.models` like the queue tables; its rows join ``ENTITY_TABLES`` so the
hash-chained log accounts for every one.

A row is one act of the authority on one item of an application: it confirmed the
applicant's proposed entry, changed it (with reasons), or recorded that the item is not
controlled (with reasons). Rows are never updated; a later act on the same item names the
row it supersedes, so the item's history is its chain of rows, and its classification is
the last one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openatt.register.models import Base


class ClassificationRow(Base):
    __tablename__ = "item_classifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    item_index: Mapped[int] = mapped_column(Integer, doc="the item's position, from 0")
    action: Mapped[str] = mapped_column(String(20), doc="confirmed, changed or not_controlled")
    list_id: Mapped[str | None] = mapped_column(String(20))
    entry: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str | None] = mapped_column(String(60))
    proposed: Mapped[str] = mapped_column(String(300), default="", doc="the applicant's entry")
    description: Mapped[str] = mapped_column(Text, doc="the item as described, for precedents")
    reasons: Mapped[str] = mapped_column(Text, default="")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("item_classifications.id"))
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_role: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


CLASSIFICATION_ENTITIES: dict[str, type[Base]] = {"classification": ClassificationRow}
