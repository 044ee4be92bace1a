"""Helpers shared by the register tests: the seeded-register builder, a client wrapper and
example applications. Fixtures that use them are in ``conftest.py``."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine as Engine_
from sqlalchemy import create_engine, false, text
from sqlalchemy.engine import URL, make_url

from openatt.api import create_app
from openatt.core.engine import Engine
from openatt.register import audit, users
from openatt.register.db import Database, normalise_url
from openatt.register.models import Role, User

PG_ENV = "OPENATT_TEST_DATABASE_URL"

PASSWORD = "correct horse battery"
USERS: dict[str, tuple[Role, str | None]] = {
    "admin": (Role.admin, None),
    "officer": (Role.officer, None),
    "officer2": (Role.officer, None),
    "senior": (Role.senior_reviewer, None),
    "auditor": (Role.auditor, None),
    "monitor": (Role.monitor, None),
    "applicant": (Role.applicant, "Meridian Ordnance Ltd"),
    "other_applicant": (Role.applicant, "Rival Arms SA"),
    "adviser": (Role.adviser, None),
    "adviser2": (Role.adviser, None),
}


def _postgres_database() -> Iterator[str]:
    url = _pg_base()
    name = f"openatt_t_{secrets.token_hex(6)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Api:
    """A TestClient on a fresh register with one logged-in user per role."""

    client: TestClient
    db: Database
    tokens: dict[str, str]
    url: str

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, path: str, user: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(user), **kwargs)

    def post(self, path: str, user: str, body: Any = None, **kwargs: Any) -> Any:
        return self.client.post(path, headers=self.headers(user), json=body, **kwargs)

    def put(self, path: str, user: str, body: Any = None) -> Any:
        return self.client.put(path, headers=self.headers(user), json=body)


def seed(url: str, engine: Engine) -> dict[str, str]:
    """Create one user per role (argon2 hashes) and log each in; returns their tokens."""
    app = create_app(url, assessor=engine)
    db: Database = app.state.db
    with db.write() as session:
        for name, (role, company) in USERS.items():
            users.add_user(session, username=name, password=PASSWORD, role=role, company=company)
    tokens = {}
    with TestClient(app) as client:
        for name in USERS:
            response = client.post("/auth/token", json={"username": name, "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[name] = response.json()["access_token"]
    db.dispose()
    return tokens


class Templates:
    """A seeded register per backend, built once per test session and copied for each test
    (argon2 is deliberately slow; hashing seven passwords for every test is not needed)."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        self.engine = engine
        self.folder = folder
        self.sqlite: tuple[Path, dict[str, str]] | None = None
        self.postgres: tuple[str, dict[str, str]] | None = None
        self.cleanup: list[str] = []

    def sqlite_copy(self, target: Path) -> tuple[str, dict[str, str]]:
        if self.sqlite is None:
            path = self.folder / "template.sqlite"
            self.sqlite = (path, seed(f"sqlite:///{path}", self.engine))
        source = sqlite3.connect(self.sqlite[0])
        copy = sqlite3.connect(target)
        source.backup(copy)
        source.close()
        copy.close()
        return f"sqlite:///{target}", self.sqlite[1]

    def postgres_copy(self, admin: Engine_, url: URL, name: str) -> dict[str, str]:
        if self.postgres is None:
            template = f"openatt_tpl_{secrets.token_hex(6)}"
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{template}"'))
            self.cleanup.append(template)
            tokens = seed(
                url.set(database=template).render_as_string(hide_password=False), self.engine
            )
            self.postgres = (template, tokens)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.postgres[0]}"'))
        return self.postgres[1]


def _pg_base() -> URL:
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(
                f"{PG_ENV} is not set: CI must run the register tests on PostgreSQL "
                "(bash .ci/postgres.sh prints the URL)"
            )
        pytest.skip(f"{PG_ENV} not set (bash .ci/postgres.sh starts a PostgreSQL)")
    return make_url(normalise_url(base))


def _serve(url: str, tokens: dict[str, str], engine: Engine) -> Iterator[Api]:
    app = create_app(url, assessor=engine)
    db: Database = app.state.db
    with TestClient(app) as client:
        yield Api(client=client, db=db, tokens=tokens, url=url)
    db.dispose()


def application(**overrides: Any) -> dict[str, Any]:
    """A realistic export: small arms from the UK to New Zealand's defence force."""
    body: dict[str, Any] = {
        "kind": "export",
        "date": dt.date.today().isoformat(),
        "exporting_state": "GBR",
        "importing_state": "NZL",
        "exporter": {"name": "Meridian Ordnance Ltd", "country": "GBR"},
        "consignee": {"name": "NZDF Logistics Command", "country": "NZL"},
        "end_user": {"name": "New Zealand Defence Force", "country": "NZL", "kind": "armed_forces"},
        "end_use": "Infantry rifle replacement",
        "items": [
            {
                "description": "5.56 mm rifles",
                "category": "VIII",
                "control_entry": "ML1",
                "quantity": 100,
                "value": {"amount": 120000, "currency": "EUR"},
            },
            {
                "description": "5.56 mm ammunition",
                "category": "ammunition",
                "control_entry": "ML3",
                "quantity": 5000,
            },
        ],
        "documents": [{"kind": "end_user_certificate", "reference": "EUC-1"}],
    }
    body.update(overrides)
    return body


# What an officer records when the lists could not be used here (issue 13: named lists).
NO_MATCHES: dict[str, Any] = {"hits": [], "lists_used": "UN SC consolidated list, checked today"}


def to_assessed(api: Api, body: dict[str, Any] | None = None, user: str = "applicant") -> int:
    """Create, submit, screen and assess a case; returns its id."""
    created = api.post("/applications", user, body or application())
    assert created.status_code == 201, created.text
    app_id = int(created.json()["id"])
    assert api.post(f"/applications/{app_id}/submit", user, {}).status_code == 200
    screened = api.post(f"/applications/{app_id}/screen", "officer", NO_MATCHES)
    assert screened.status_code == 200, screened.text
    assessed = api.post(f"/applications/{app_id}/assess", "officer", {})
    assert assessed.status_code == 200, assessed.text
    return app_id


def version(api: Api, app_id: int) -> int:
    return int(api.get(f"/applications/{app_id}", "officer").json()["version"])


def as_before_casework(monkeypatch: Any) -> None:
    """Make ``demo.fill`` and the services behave as before the casework tables (revision 0003):
    no letters, uploads, dialogue, advice, queues or flags. The migration tests build an
    existing register that way and upgrade it; each casework part registers its hooks here."""
    from openatt.register import (
        advice_demo,
        appeals,
        demo,
        demo_dialogue,
        demo_documents,
        demo_queues,
        demo_workspace,
        final_advice,
        flags,
        letters,
        routing,
        search_index,
    )

    def nothing(*_args: Any, **_kwargs: Any) -> None:
        return None

    monkeypatch.setattr(letters, "after_licence", lambda *_args: None)
    monkeypatch.setattr(letters, "after_refusal", lambda *_args: None)
    monkeypatch.setattr(demo_documents, "add_documents", lambda *_args: None)
    monkeypatch.setattr(demo_dialogue, "fill_dialogue", lambda *_args: None)
    monkeypatch.setattr(advice_demo, "add_advice_cases", lambda *_args: {})
    monkeypatch.setattr(final_advice, "check_before_decision", lambda *_args: None)
    monkeypatch.setattr(appeals, "after_countersign", lambda *_args: False)  # no appeals table
    # the wall (0004): no released reasons, no workspace cases
    monkeypatch.setattr(demo, "RELEASED_REFUSAL", "")
    monkeypatch.setattr(demo_workspace, "fill", nothing)
    before_classification(monkeypatch)
    for module, name in (
        (routing, "on_submission"),
        (routing, "route"),
        (search_index, "refresh"),
        (demo_queues, "configure"),
        (demo_queues, "work"),
        (flags, "refuse_if_blocked"),
    ):
        monkeypatch.setattr(module, name, nothing)
    monkeypatch.setattr(flags, "blocking_column", false)  # no flags table to ask
    monkeypatch.setattr(final_advice, "consulted_column", false)  # nor advice requests
    before_denial_withdrawals(monkeypatch)


def before_classification(monkeypatch: Any) -> None:
    """The code before 0010: no classification of goods read or written (and what came later)."""
    from openatt.register import classification, demo_classification

    monkeypatch.setattr(classification, "current", lambda *_args: {})
    monkeypatch.setattr(classification, "classified_column", false)  # no table to ask
    monkeypatch.setattr(classification, "current_for", lambda *_args, **_kwargs: {})
    monkeypatch.setattr(demo_classification, "fill", lambda *_args, **_kwargs: None)
    before_denial_withdrawals(monkeypatch)


def before_denial_withdrawals(monkeypatch: Any) -> None:
    """The code before 0013: no withdrawal of denial notifications (every one is in force)."""
    from openatt.register import denials

    monkeypatch.setattr(denials, "in_force", lambda query: query)
    monkeypatch.setattr(denials, "withdraw_own", lambda *_args, **_kwargs: [])


def user_row(session: Any, name: str, payload: dict[str, Any] | None = None) -> User:
    """A user row written straight into the register with its ``user.create`` event (no
    password hashing: for tests of the log itself, not of accounts)."""
    user = User(
        username=name,
        password_hash="not a hash",
        role="officer",
        company=None,
        active=True,
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor="tester", action="user.create", row=user, payload=payload)
    return user
