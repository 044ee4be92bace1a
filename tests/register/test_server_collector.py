"""A server process's heap and collector (issue 16): ``openatt serve`` freezes what it loaded
at start and collects its youngest generation less often than the interpreter's default;
both are undone when the app stops, and an app built without ``freeze_heap`` (the tests', a
script's) leaves the collector alone."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openatt.api import create_app
from openatt.api.app import SERVER_YOUNG_OBJECTS
from openatt.core.engine import Engine


def test_a_server_app_collects_its_young_objects_less_often(tmp_path: Path, engine: Engine) -> None:
    before = gc.get_threshold()
    assert before[0] < SERVER_YOUNG_OBJECTS
    app = create_app(f"sqlite:///{tmp_path / 'server.sqlite'}", assessor=engine, freeze_heap=True)
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
    app = create_app(f"sqlite:///{tmp_path / 'plain.sqlite'}", assessor=engine)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0


def test_a_server_app_loads_the_letters_renderer_before_its_first_request(tmp_path: Path) -> None:
    """Issue 16, seventh round: WeasyPrint is imported (and its fonts loaded) while a server
    starts, not by the first licence or refusal (a second or more, the worker's every request
    waiting). In a fresh interpreter, where nothing imported it before."""
    import subprocess
    import sys

    pytest.importorskip("weasyprint", reason="letters need WeasyPrint and Pango")
    script = (
        "import sys\n"
        "from fastapi.testclient import TestClient\n"
        "from openatt.api import create_app\n"
        "from openatt.core.engine import Engine\n"
        f"url = 'sqlite:///{tmp_path / 'letters.sqlite'}'\n"
        "plain = create_app(url, assessor=Engine.default())\n"
        "with TestClient(plain):\n"
        "    print('plain', 'weasyprint' in sys.modules)\n"
        "server = create_app(url, assessor=Engine.default(), freeze_heap=True)\n"
        "with TestClient(server):\n"
        "    print('server', 'weasyprint' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:2] == ["plain False", "server True"]


def test_the_letters_warm_up_never_stops_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without WeasyPrint, or with a WeasyPrint that cannot render, a server still starts:
    the first letter meets the failure and records why it could not be made."""
    import sys

    from openatt.register import letters

    weasyprint = pytest.importorskip("weasyprint", reason="letters need WeasyPrint and Pango")

    class Broken:
        def __init__(self, **_kwargs: object) -> None:
            pass

        def write_pdf(self) -> bytes:
            raise RuntimeError("no fonts")

    monkeypatch.setattr(weasyprint, "HTML", Broken)
    letters.preload()
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails, as when not installed
    letters.preload()
