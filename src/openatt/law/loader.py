"""Load the shipped regimes and a user's overlays into :class:`Law`, once per process."""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from openatt import yaml_data
from openatt.errors import OpenattError
from openatt.law.schema import Overlay, Regime, Rule, RuleKind

BUILTIN_REGIMES = ("att", "eu", "us", "uk")
"""The regimes openatt ships, in the order they are shown and assessed: the one list of them.
A new regime is a ``law/data/<id>.yaml`` file and its id here; an authority adds its own
without touching the code, as an overlay (``OPENATT_OVERLAYS``, ``--overlay``)."""


class LawError(OpenattError, ValueError):
    """A regime or overlay that does not load; the message names the file and the field."""


def _parse(text: str, name: str, untrusted: bool = False) -> dict[str, object]:
    try:
        raw = yaml_data.load_untrusted(text) if untrusted else yaml_data.load(text)
    except yaml.YAMLError as exc:
        raise LawError(f"{name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise LawError(f"{name}: expected a mapping at the top level")
    return raw


def _error(name: str, exc: ValidationError) -> LawError:
    return LawError(f"{name}: {yaml_data.first_problem(exc)}")


def parse_regime(text: str, name: str) -> Regime:
    try:
        return Regime.model_validate(_parse(text, name))
    except ValidationError as exc:
        raise _error(name, exc) from exc


def parse_overlay(text: str, name: str) -> Overlay:
    try:
        return Overlay.model_validate(_parse(text, name, untrusted=True))
    except ValidationError as exc:
        raise _error(name, exc) from exc


def apply_overlay(base: Regime, overlay: Overlay) -> Regime:
    """The base regime made stricter by ``overlay``; removing a prohibition is refused."""
    for rule_id in overlay.remove_rules:
        try:
            rule = base.rule(rule_id)
        except KeyError as exc:
            raise LawError(
                f"{overlay.id}: remove_rules: {rule_id!r} is not a rule of {base.id}"
            ) from exc
        if rule.kind is RuleKind.prohibition:
            raise LawError(
                f"{overlay.id}: remove_rules: {rule_id} is a prohibition of {base.id}; "
                "a national overlay may be stricter, not looser"
            )
    rules = tuple(r for r in base.rules if r.id not in overlay.remove_rules)
    clash = {r.id for r in rules} & {r.id for r in overlay.add_rules}
    if clash:
        raise LawError(f"{overlay.id}: add_rules: {sorted(clash)} already exist in {base.id}")
    replaced = {t.id for t in overlay.thresholds}
    thresholds = tuple(t for t in base.thresholds if t.id not in replaced) + overlay.thresholds
    try:
        return Regime(
            id=overlay.id,
            title=overlay.title,
            citations=overlay.citations + base.citations,
            valid_from=overlay.valid_from,
            binding=overlay.binding,
            scope=overlay.scope or base.scope,
            mitigation=base.mitigation,
            default_threshold=overlay.default_threshold or base.default_threshold,
            thresholds=thresholds,
            rules=rules + overlay.add_rules,
            embargoes=base.embargoes + overlay.embargoes,
            advisory_note=base.advisory_note,
        )
    except ValidationError as exc:
        raise _error(overlay.id, exc) from exc


@dataclass(frozen=True)
class Law:
    """The regimes an engine can apply, and a digest of the texts they were loaded from."""

    regimes: dict[str, Regime]
    digest: str

    def regime(self, regime_id: str) -> Regime:
        try:
            return self.regimes[regime_id]
        except KeyError:
            known = ", ".join(sorted(self.regimes))
            raise LawError(f"unknown regime {regime_id!r}; known: {known}") from None

    @property
    def ids(self) -> tuple[str, ...]:
        """The regimes' ids, in load order (shipped first, then overlays)."""
        return tuple(self.regimes)

    def find_rule(self, rule_id: str) -> tuple[Regime, Rule]:
        """The first regime (in load order) with a rule of that id, and the rule."""
        for regime in self.regimes.values():
            for rule in regime.rules:
                if rule.id == rule_id:
                    return regime, rule
        raise LawError(f"unknown rule {rule_id!r}")

    def with_overlays(self, paths: list[Path]) -> Law:
        regimes = dict(self.regimes)
        digest = hashlib.sha256(self.digest.encode())
        for path in paths:
            try:
                text = path.read_text("utf-8")
            except OSError as exc:
                raise LawError(f"{path}: cannot read overlay: {exc.strerror}") from exc
            overlay = parse_overlay(text, str(path.name))
            if overlay.base not in regimes:
                raise LawError(f"{path.name}: base: unknown regime {overlay.base!r}")
            if overlay.id in regimes:
                raise LawError(f"{path.name}: id: {overlay.id!r} is already a regime")
            regimes[overlay.id] = apply_overlay(regimes[overlay.base], overlay)
            digest.update(text.encode())
        return Law(regimes=regimes, digest=digest.hexdigest()[:16])


def load_law() -> Law:
    regimes: dict[str, Regime] = {}
    digest = hashlib.sha256()
    for regime_id in BUILTIN_REGIMES:
        name = f"{regime_id}.yaml"
        text = resources.files("openatt.law").joinpath("data", name).read_text("utf-8")
        digest.update(name.encode() + b"\0" + text.encode())
        regime = parse_regime(text, name)
        if regime.id != regime_id:
            raise LawError(f"{name}: id: expected {regime_id!r}, found {regime.id!r}")
        regimes[regime_id] = regime
    return Law(regimes=regimes, digest=digest.hexdigest()[:16])


def default_law() -> Law:
    """The shipped regimes and the overlays this installation is configured with
    (``OPENATT_OVERLAYS``): the law every adapter lists, validates against and applies.
    Loaded once per set of overlays. The variable is a field of ``openatt.settings.Settings``
    (documented there); it is read here without building that object, so that ``openatt law``
    and ``openatt assess`` do not pay for importing pydantic-settings."""
    listed = os.environ.get("OPENATT_OVERLAYS", "")
    return _law_with(tuple(Path(p).expanduser() for p in listed.split(os.pathsep) if p))


@functools.cache
def _law_with(overlays: tuple[Path, ...]) -> Law:
    law = _shipped_law()
    return law.with_overlays(list(overlays)) if overlays else law


@functools.cache
def _shipped_law() -> Law:
    return load_law()
