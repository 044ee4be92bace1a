"""The web UI's pages on PostgreSQL: the demo register, the queue's joins and counts, every
case page, and one decision, on the server CI starts (``OPENATT_TEST_DATABASE_URL``)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from openatt.api import create_app
from openatt.core.engine import Engine
from openatt.register import demo
from openatt.register.db import Database, normalise_url

PG_ENV = "OPENATT_TEST_DATABASE_URL"


@pytest.fixture
def pg_demo(engine: Engine) -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{PG_ENV} is not set: CI must run the web tests on PostgreSQL too")
        pytest.skip(f"{PG_ENV} not set (bash .ci/postgres.sh starts a PostgreSQL)")
    url = make_url(normalise_url(base))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"openatt_web_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    target = url.set(database=name).render_as_string(hide_password=False)
    try:
        db = Database(target)
        demo.fill(db, engine)
        db.dispose()
        yield target
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _cases(url: str) -> int:
    from sqlalchemy import func, select

    from openatt.register.models import ApplicationRow

    db = Database(url)
    try:
        with db.read() as s:
            return int(s.execute(select(func.count()).select_from(ApplicationRow)).scalar_one())
    finally:
        db.dispose()


def test_pages_and_a_decision_on_postgresql(pg_demo: str, engine: Engine, new_browser: Any) -> None:
    with TestClient(create_app(pg_demo, assessor=engine)) as client:
        web = new_browser(client)
        web.login("officer")
        queue = web.get("/ui/applications?sort=oldest").text
        total = len(re.findall(r'href="/ui/applications/(\d+)"', queue))
        assert 13 <= total <= 25  # the demo's cases, on one page
        assert f"Showing 1\u2013{total} of {total} applications" in queue
        assert re.search(r"Awaiting sign-off <span class=\"count\">1</span>", queue)
        assert "officer2" in web.get("/ui/applications?handler=officer2").text
        ids = re.findall(r'href="/ui/applications/(\d+)"', queue)
        assert len(ids) == total
        for app_id in ids:
            assert web.get(f"/ui/applications/{app_id}").status_code == 200
            assert web.get(f"/ui/applications/{app_id}/history").status_code == 200
        row = next(r for r in queue.split("<tr>") if "state-assessed" in r)
        assessed = re.search(r'href="/ui/applications/(\d+)"', row).group(1)  # type: ignore[union-attr]
        page = web.get(f"/ui/applications/{assessed}/decide").text
        version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
        done = web.post(
            f"/ui/applications/{assessed}/decide",
            {
                "outcome": "denied",
                "reasons": "Diversion risk in the new embassy report.",
                "conditions": "",
                "version": version,
                "step": "confirm",
            },
        )
        assert done.status_code == 303
        assert "Awaiting sign-off" in web.get(f"/ui/applications/{assessed}").text
