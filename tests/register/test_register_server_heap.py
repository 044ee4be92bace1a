"""A server process's collector settings (issue 16): the heap frozen once the law is loaded and
the youngest generation collected less often while it serves, both undone at shutdown, and an
app built without ``freeze_heap`` (the tests, the CLI) leaving the collector as it found it."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from openatt.api.app import SERVER_YOUNG_OBJECTS, create_app
from openatt.core.engine import Engine


def test_a_server_freezes_its_heap_and_collects_less_often_until_shutdown(
    tmp_path: Path, engine: Engine
) -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    app = create_app(f"sqlite:///{tmp_path / 'server.db'}", assessor=engine, freeze_heap=True)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_threshold() == (SERVER_YOUNG_OBJECTS, *before[1:])
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_an_app_without_freeze_heap_leaves_the_collector_alone(
    tmp_path: Path, engine: Engine
) -> None:
    before = gc.get_threshold()
    app = create_app(f"sqlite:///{tmp_path / 'plain.db'}", assessor=engine)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0
