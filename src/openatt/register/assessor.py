"""The port through which the register asks for an assessment: the core engine by default.

The register stores what the engine returns, whole; it does not interpret findings beyond
the recommendation (to know whether a decision goes against it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from openatt.core.findings import Assessment, Recommendation
from openatt.core.model import Application


def default_regimes() -> tuple[str, ...]:
    """Every regime of the law this installation applies (shipped and configured overlays)."""
    from openatt.law.loader import default_law

    return default_law().ids


class Assessor(Protocol):
    def assess(
        self,
        application: Application,
        regimes: Sequence[str] | None = None,
        as_of: dt.date | None = None,
    ) -> list[Assessment]: ...


def default_assessor() -> Assessor:
    """The core engine, loaded once (law and reference data)."""
    from openatt.core.engine import Engine

    engine: Assessor = Engine.default()
    return engine


def overall_recommendation(assessments: Sequence[Assessment]) -> Recommendation:
    """The strictest recommendation among the binding regimes (all regimes if none binds)."""
    binding = [a for a in assessments if a.binding] or list(assessments)
    if not binding:
        return Recommendation.refer
    return max((a.recommendation for a in binding), key=lambda r: r.severity)


def stored_text(assessments: Sequence[Assessment]) -> str:
    """The engine's output as the register stores it: canonical JSON of every regime's
    assessment (written once per assessment, and served as it is)."""
    from openatt.register.canonical import dumps_json_ready

    return dumps_json_ready([a.model_dump(mode="json") for a in assessments])
