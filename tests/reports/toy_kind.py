"""A toy report kind for the registry tests: registered, it must appear in the CLI, the REST
API and the web form without any of them being edited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openatt.register.models import LicenceRow
from openatt.reports import kinds


@dataclass(frozen=True)
class Count:
    year: int
    licences: int

    def checksum(self) -> str:
        return f"toy-{self.year}-{self.licences}"


def _figures(session: Session, request: kinds.ReportRequest) -> Count:
    number = session.execute(select(func.count()).select_from(LicenceRow)).scalar_one()
    return Count(request.year, int(number))


TOY = kinds.ReportKind(
    name="toy-licence-count",
    title="Toy licence count",
    formats=("json",),
    bases=("all",),
    figures=_figures,
    writers={"json": lambda c, w: json.dumps({"licences": c.licences, "v": w.version}).encode()},
    options=(kinds.Option("shout", "bool", False, "a toy option"),),
    first_year=2020,
)


@contextmanager
def toy_registered() -> Iterator[kinds.ReportKind]:
    kinds.register_kind(TOY)
    try:
        yield TOY
    finally:
        kinds.unregister_kind(TOY.name)
