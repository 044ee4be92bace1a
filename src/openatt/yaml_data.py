"""Reading the package's own YAML data fast.

The law and the reference data are some 7,000 lines of YAML read at every start of the CLI.
PyYAML's pure-Python parser spends about two seconds on them and its libyaml binding about
half a second, so two things keep ``openatt law list`` quick:

* the C loader when the installed PyYAML has it (the same safe constructor, the same values);
* a cache of parsed documents keyed by the SHA-256 of their text, switched on by an adapter
  (the CLI) with :func:`cache_in`. A changed file has a new digest, so the cache can never
  serve stale law. The cache is JSON, not pickle: whoever can write the cache folder can
  change what the law says, but cannot run code.

Only trusted package data and an authority's own overlays go through here; untrusted input
(applications, uploads) keeps its own bounded loader in :mod:`openatt.core.loading`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError
_FORMAT = "openatt-yaml-cache-1"
_cache_dir: Path | None = None


def cache_in(folder: Path | None) -> None:
    """Keep parsed documents in ``folder`` (None switches the cache off)."""
    global _cache_dir
    _cache_dir = folder


def _encode(value: object) -> object:
    """JSON for what YAML builds; dates and non-string keys (YAML 1.1 reads ``on:`` as True) tagged."""
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _encode(item) for key, item in value.items()}
        return {"$map": [[_encode(key), _encode(item)] for key, item in value.items()]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> object:
    if len(obj) == 1:
        if "$date" in obj:
            return dt.date.fromisoformat(obj["$date"])
        if "$datetime" in obj:
            return dt.datetime.fromisoformat(obj["$datetime"])
        if "$map" in obj:
            return {_hashable(key): item for key, item in obj["$map"]}
    return obj


def _hashable(key: object) -> object:
    return tuple(key) if isinstance(key, list) else key


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader refusing aliases (issue 13): a 1.7 KB file of nested aliases
    ("billion laughs") expands until memory runs out. The pure-Python loader, because the C
    one composes nodes where this check cannot see them; user files are small."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)


def load_untrusted(text: str) -> Any:
    """Parse YAML a user supplied (an overlay, a case file, a configuration): safe
    constructor, no aliases, no nesting deeper than Python's stack, never cached."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)
    except RecursionError:  # 100 KB of "[" (issue 13): one line, like any bad YAML
        raise yaml.YAMLError("nested too deeply") from None


def _parse(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)  # a safe loader, C or Python


def load(text: str) -> Any:
    """Parse one YAML document with the safe constructor, from the cache when it has it."""
    folder = _cache_dir
    if folder is None:
        return _parse(text)
    digest = hashlib.sha256(f"{_FORMAT}\n{text}".encode()).hexdigest()
    path = folder / f"{digest}.json"
    try:
        return json.loads(path.read_text("utf-8"), object_hook=_decode)
    except (OSError, ValueError):
        pass
    value = _parse(text)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_text(json.dumps(_encode(value)), "utf-8")
        os.replace(scratch, path)
    except (OSError, TypeError):
        pass  # a cache that cannot be written only costs time
    return value


def first_problem(exc: ValidationError) -> str:
    """The first schema violation as ``field.path: message`` (the top level named so)."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"{where}: {first['msg']}"


def parse_model(
    text: str,
    name: str,
    model: type[M],
    error: Callable[[str], Exception],
    *,
    untrusted: bool = False,
) -> M:
    """A YAML document read into ``model``; ``error`` (naming the file and the field) when it
    does not parse or breaks the schema. ``untrusted`` for what a user supplied."""
    try:
        raw = load_untrusted(text) if untrusted else load(text)
    except yaml.YAMLError as exc:
        raise error(f"{name}: not valid YAML: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(f"{name}: {first_problem(exc)}") from exc
