"""Turn YAML or JSON text into applications, with one-line errors that name the field.

This is parsing, not I/O: callers pass the text they read. Adapters (CLI, API, register)
share it so that every entry point rejects bad input the same way.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from pydantic import ValidationError

from openatt.core.model import Application
from openatt.errors import OpenattError


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay text so the schema parses them and a bad
    date is reported against its field, like any other bad value.

    Without aliases, too (issue 13): a 1.7 KB file of nested aliases ("billion laughs")
    expanded until memory ran out. An application never needs one."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class InputError(OpenattError, ValueError):
    """Bad input, described in one line: where, which field, what is wrong."""


def describe_validation_error(exc: ValidationError, where: str) -> str:
    first = exc.errors()[0]
    path = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    extra = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {path}: {message}{extra}"


def parse_documents(text: str, where: str) -> list[dict[str, Any]]:
    """One application, a list of them, or a mapping with an ``applications`` list."""
    try:
        raw = (
            json.loads(text)
            if text.lstrip().startswith(("{", "["))
            else yaml.load(text, Loader=_Loader)
        )
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        detail = str(exc).splitlines()[0]
        raise InputError(f"{where}: not valid YAML or JSON: {detail}") from exc
    except RecursionError:  # 100 KB of "[" (issue 13): a traceback before, now one line
        raise InputError(f"{where}: not valid YAML or JSON: nested too deeply") from None
    if isinstance(raw, dict) and "applications" in raw:
        raw = raw["applications"]
    if isinstance(raw, dict):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(entry, dict) for entry in raw):
        return raw
    raise InputError(f"{where}: expected an application (a mapping) or a list of applications")


def parse_applications(text: str, where: str) -> list[Application]:
    applications = []
    documents = parse_documents(text, where)
    for index, document in enumerate(documents):
        label = where if len(documents) == 1 else f"{where}[{index}]"
        try:
            applications.append(Application.model_validate(document))
        except ValidationError as exc:
            raise InputError(describe_validation_error(exc, label)) from exc
    return applications
