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
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """openatt's environment variables, by field (the variable is ``OPENATT_`` + the name)."""

    model_config = SettingsConfigDict(
        env_prefix="OPENATT_", extra="ignore", frozen=True, env_ignore_empty=True
    )

    home: str = Field("", description="folder for openatt's own files (default ~/.openatt)")
    database_url: str = Field(
        "", description="the register's database (default: a SQLite file under home)"
    )
    overlays: str = Field(
        "",
        description="national overlay files the server applies beside the shipped regimes, "
        "separated by the path separator (':' on Linux)",
    )
    session_hours: float = Field(8, description="hours an API or web login lasts")
    idle_minutes: float = Field(30, description="minutes of inactivity that end a web session")
    login_checks: int = Field(1, ge=1, description="password checks run at the same time")
    login_check_nice: int = Field(
        19,
        ge=0,
        le=19,
        description="CPU priority (nice) of the password checks: 19 yields to every request",
    )
    login_tarpit_seconds: float = Field(
        1, ge=0, description="how long a refused login (429) is held before its answer"
    )
    totp: str = Field("", description="'required': every staff login needs a one-time code")
    extra_password_list: str = Field(
        "", description="a file of further passwords to refuse, one a line"
    )
    max_body_mb: float = Field(10, description="largest request body accepted, in MB")
    authority: str = Field("", description="the licensing authority's name on letters")
    public_url: str = Field("", description="public address of the letter verification page")
    document_store: str = Field("", description="where documents are kept: disk or database")
    documents_dir: str = Field("", description="folder of the disk store (default home/documents)")
    document_max_mb: str = Field("", description="largest document accepted, in MB (default 20)")
    smtp_host: str = Field(
        "", description="SMTP server for notices (unset: notices wait in the outbox)"
    )
    smtp_port: str = Field("", description="its port (default by TLS mode)")
    smtp_tls: str = Field("", description="none, starttls or ssl")
    smtp_from: str = Field("", description="the sender's address")
    smtp_user: str = Field("", description="SMTP login")
    smtp_password: str = Field("", description="SMTP password")
    signing_key: str = Field("", description="key that signs the chain's checkpoints")
    signing_key_file: str = Field("", description="file holding that key instead")
    checkpoints: str = Field(
        "", description="file of signed checkpoints (default home/checkpoints.jsonl)"
    )
    checkpoint_seconds: float = Field(300, description="seconds between checkpoints (daemon)")
    casework_config: str = Field(
        "", description="the authority's casework configuration (default: the packaged example)"
    )
    advice_policy: str = Field(
        "", description="the authority's advice policy (default: the packaged one)"
    )
    appeal_days: str = Field("", description="days an applicant has to appeal (default 28)")
    query_days: str = Field("", description="days an applicant has to answer a query (default 20)")
    new_password: str = Field("", description="password for 'openatt users add' (else asked)")

    @property
    def overlay_paths(self) -> list[Path]:
        """The configured overlay files, in the order given."""
        return [Path(part).expanduser() for part in self.overlays.split(os.pathsep) if part]


def env_name(field: str) -> str:
    """The environment variable of a :class:`Settings` field."""
    return f"OPENATT_{field.upper()}"


_NAMES = tuple(env_name(field) for field in Settings.model_fields)
_BUILT: dict[tuple[str | None, ...], Settings] = {}


def markdown() -> str:
    """The variables as the Markdown table docs/register.md shows (a test compares the two)."""
    lines = ["| variable | default | what it sets |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = "" if field.default in ("", None) else f"`{field.default}`"
        lines.append(f"| `{env_name(name)}` | {default} | {field.description} |")
    return "\n".join(lines) + "\n"


def get_settings() -> Settings:
    """The settings as the environment holds them now (built once per set of values)."""
    ours = tuple(map(os.environ.get, _NAMES))
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


def home() -> Path:
    """The folder for openatt's own files; created on first use."""
    path = Path(get_settings().home or Path.home() / ".openatt").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(explicit: str | None = None) -> str:
    """``--database`` if given, else ``OPENATT_DATABASE_URL``, else the SQLite default."""
    if explicit:
        return explicit
    from_env = get_settings().database_url
    if from_env:
        return from_env
    return f"sqlite:///{home() / 'openatt.sqlite'}"
