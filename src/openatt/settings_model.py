"""The pydantic model of openatt's settings: every ``OPENATT_*`` variable, typed and checked.

Imported only where validated settings are needed (:func:`openatt.settings.get_settings`):
pydantic-settings costs a tenth of a second or more to import, which `openatt screen NAME`
from a cold start, needing only ``OPENATT_HOME``, does not pay (see :mod:`openatt.settings`).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
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
    # read by openatt.screening.compiled itself, when the package is imported (before the
    # settings are): listed here so that it is documented and checked with the others
    compiled: str = Field(
        "",
        description="screening's compiled build: 'off', or an absolute folder of builds "
        "(default ~/.cache/openatt/compiled; made by the first `openatt lists import` or by "
        "`openatt lists compile`)",
    )

    @property
    def overlay_paths(self) -> list[Path]:
        """The configured overlay files, in the order given."""
        return [Path(part).expanduser() for part in self.overlays.split(os.pathsep) if part]
