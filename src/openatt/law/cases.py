"""Law cases: small, lawyer-readable applications with the outcome each rule must give.

A case file names a regime and lists cases; each case starts from a *base* application
(``case_bases.yaml`` beside this module, or bases the file adds) and states only what it is
about, then what it expects: a rule's outcome (``att.6.1: prohibited``), the recommendation,
whether the regime binds, a condition, or the measure a finding rests on. The project's own
law is tested with these files (``tests/law_cases``); an authority tests its national overlay
the same way with ``openatt law test CASES.yaml --overlay OVERLAY.yaml``, as openfisca's test
runner does for tax rules. Building a case is pure; running one needs the engine
(:mod:`openatt.core.case_check`).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openatt import yaml_data
from openatt.core.model import Application
from openatt.errors import OpenattError

# Keys of ``expect`` that are not rule ids.
SPECIAL_EXPECTATIONS = frozenset(
    {"recommendation", "binding", "condition", "measure", "not_measure"}
)


class CaseError(OpenattError, ValueError):
    """A case file that does not parse or a case that builds no valid application."""


class LawCase(BaseModel):
    """One case: what the application is, on which day, and what each rule must find."""

    model_config = ConfigDict(extra="forbid")

    name: str
    application: dict[str, Any] = Field(default_factory=dict)
    as_of: dt.date | None = None
    expect: dict[str, Any]

    def rules(self) -> set[str]:
        """The rule ids this case states an outcome for."""
        return {key for key in self.expect if key not in SPECIAL_EXPECTATIONS}


class CaseFile(BaseModel):
    """A file of cases under one regime, with any bases of its own."""

    model_config = ConfigDict(extra="forbid")

    regime: str
    bases: dict[str, dict[str, Any]] = Field(default_factory=dict)
    cases: list[LawCase]


@functools.cache
def default_bases() -> dict[str, dict[str, Any]]:
    """The base applications shipped with openatt (an export from France to Norway, ...)."""
    text = resources.files("openatt.law").joinpath("case_bases.yaml").read_text("utf-8")
    loaded: dict[str, dict[str, Any]] = yaml_data.load(text)
    return loaded


def parse_case_file(text: str, name: str) -> CaseFile:
    """Read a case file; errors name the file and the field."""
    return yaml_data.parse_model(text, name, CaseFile, CaseError, untrusted=True)


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` laid over it, mapping by mapping."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def build_application(
    spec: dict[str, Any], bases: dict[str, dict[str, Any]] | None = None
) -> Application:
    """The application a case describes: its base (``base: export``) with the case's changes.

    ``evidence`` in a case replaces the base's evidence on the same criteria and keeps the
    rest; ``remove_evidence`` lists criteria whose evidence the case drops.
    """
    known = {**default_bases(), **(bases or {})}
    spec = dict(spec)
    base_name = spec.pop("base", "export")
    if base_name not in known:
        raise CaseError(f"base: unknown base {base_name!r} (known: {', '.join(sorted(known))})")
    base = copy.deepcopy(known[base_name])
    removed = set(spec.pop("remove_evidence", []))
    if "evidence" in spec:
        changed = {e["criterion"] for e in spec["evidence"]}
        kept = [e for e in base.get("evidence", []) if e["criterion"] not in changed]
        spec["evidence"] = kept + spec["evidence"]
    merged = deep_merge(base, spec)
    merged["evidence"] = [e for e in merged.get("evidence", []) if e["criterion"] not in removed]
    try:
        return Application.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CaseError(f"application.{where}: {first['msg']}") from exc
