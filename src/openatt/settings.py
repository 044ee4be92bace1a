"""Every setting openatt reads from the environment, in one object: :class:`Settings`.

Each field is the variable ``OPENATT_<FIELD>`` (``session_hours`` is ``OPENATT_SESSION_HOURS``);
docs/register.md documents each in one table, and a test holds the two equal. Nothing else in
the package reads ``os.environ`` for openatt's own variables: a module asks
:func:`get_settings` and keeps its own checks (a bad port, a bad number of days) where the
variable's meaning lives, so its message can name the variable.

The object is built once for a given set of ``OPENATT_*`` values (building one costs about
2 ms; comparing the variables, microseconds): a test or a tool that changes a variable sees
the change on its next call, and a server pays for the parse once.

``OPENATT_HOME`` (default ``~/.openatt``) holds the embedded SQLite register and imported
lists; ``OPENATT_DATABASE_URL`` selects another database (PostgreSQL in production). Commands
that take ``--database`` pass it here, so every adapter resolves the same way.

The model lives in :mod:`openatt.settings_model` and is imported on first use: reading the
free-text variables (:func:`home`, :func:`database_url`) needs no validation, and a cold
`openatt screen NAME` would otherwise spend more on importing pydantic-settings than on
screening. :func:`get_settings` stays the one place values are checked; the CLI calls
:func:`check_environment` at start, which validates whenever a variable that could be
refused is set.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openatt.settings_model import Settings

# The variables whose value is free text: no value of theirs can be refused, so reading one
# needs no validation, and a process that sets no other variable never imports the model
# (pydantic-settings: a tenth of a second or more of a cold `openatt screen NAME`). A test
# holds this equal to the model's unconstrained ``str`` fields.
FREE_TEXT = frozenset(
    {
        "OPENATT_HOME",
        "OPENATT_DATABASE_URL",
        "OPENATT_OVERLAYS",
        "OPENATT_TOTP",
        "OPENATT_EXTRA_PASSWORD_LIST",
        "OPENATT_AUTHORITY",
        "OPENATT_PUBLIC_URL",
        "OPENATT_DOCUMENT_STORE",
        "OPENATT_DOCUMENTS_DIR",
        "OPENATT_DOCUMENT_MAX_MB",
        "OPENATT_SMTP_HOST",
        "OPENATT_SMTP_PORT",
        "OPENATT_SMTP_TLS",
        "OPENATT_SMTP_FROM",
        "OPENATT_SMTP_USER",
        "OPENATT_SMTP_PASSWORD",
        "OPENATT_SIGNING_KEY",
        "OPENATT_SIGNING_KEY_FILE",
        "OPENATT_CHECKPOINTS",
        "OPENATT_CASEWORK_CONFIG",
        "OPENATT_COMPILED",
        "OPENATT_ADVICE_POLICY",
        "OPENATT_APPEAL_DAYS",
        "OPENATT_QUERY_DAYS",
        "OPENATT_NEW_PASSWORD",
    }
)


def __getattr__(name: str) -> Any:
    """``settings.Settings``, the model, imported on first use (see :data:`FREE_TEXT`)."""
    if name == "Settings":
        from openatt.settings_model import Settings

        return Settings
    raise AttributeError(f"module 'openatt.settings' has no attribute {name!r}")


def env_name(field: str) -> str:
    """The environment variable of a :class:`Settings` field."""
    return f"OPENATT_{field.upper()}"


_BUILT: dict[tuple[str | None, ...], Settings] = {}


@functools.cache
def _names() -> tuple[str, ...]:
    from openatt.settings_model import Settings

    return tuple(env_name(field) for field in Settings.model_fields)


def markdown() -> str:
    """The variables as the Markdown table docs/register.md shows (a test compares the two)."""
    from openatt.settings_model import Settings

    lines = ["| variable | default | what it sets |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = "" if field.default in ("", None) else f"`{field.default}`"
        lines.append(f"| `{env_name(name)}` | {default} | {field.description} |")
    return "\n".join(lines) + "\n"


def get_settings() -> Settings:
    """The settings as the environment holds them now (built once per set of values)."""
    from pydantic import ValidationError

    from openatt.settings_model import Settings

    ours = tuple(map(os.environ.get, _names()))
    found = _BUILT.get(ours)
    if found is None:
        if len(_BUILT) > 64:  # a test suite's many environments: keep memory bounded
            _BUILT.clear()
        try:
            found = _BUILT[ours] = Settings()
        except ValidationError as error:  # a bad value in the environment: name the variable
            from openatt.errors import OpenattError

            problem = error.errors()[0]
            name = env_name(str(problem["loc"][0])) if problem["loc"] else "OPENATT_*"
            given = os.environ.get(name)
            raise OpenattError(
                f"{problem['msg']}" + (f" (given {given!r})" if given is not None else ""),
                field=name,
            ) from None
    return found


def check_environment() -> None:
    """Validate the environment's ``OPENATT_*`` values when one of them could be refused
    (raises :func:`get_settings`'s one-line error); a process that sets only free-text
    variables (:data:`FREE_TEXT`) skips the model, which would accept them all."""
    if any(
        name.startswith("OPENATT_") and value and name not in FREE_TEXT
        for name, value in os.environ.items()
    ):
        get_settings()


def _text(name: str) -> str:
    """A free-text variable as :class:`Settings` reads it (unset and empty are ""), without
    the model: no value of such a variable can be refused."""
    assert name in FREE_TEXT, name
    return os.environ.get(name) or ""


def home() -> Path:
    """The folder for openatt's own files; created on first use."""
    path = Path(_text("OPENATT_HOME") or Path.home() / ".openatt").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(explicit: str | None = None) -> str:
    """``--database`` if given, else ``OPENATT_DATABASE_URL``, else the SQLite default."""
    if explicit:
        return explicit
    from_env = _text("OPENATT_DATABASE_URL")
    if from_env:
        return from_env
    return f"sqlite:///{home() / 'openatt.sqlite'}"
