"""Fixtures for the web UI tests: a demo register on a temp SQLite file, served by uvicorn
on 127.0.0.1 (browser tests) or through a TestClient (page tests).

The register is filled by the register's own demo service (users of every role, and cases
in every state of the lifecycle), through the same services the pages call.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openatt.api import create_app
from openatt.core.engine import Engine
from openatt.core.model import Application
from openatt.register import applications, demo, users
from openatt.register.db import Database

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORDS = {username: password for username, password, _r, _c in demo.DEMO_USERS}


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.default()


@pytest.fixture(scope="session")
def demo_template(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo register per session; each test copies the file."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    db = Database(f"sqlite:///{path}")
    with pytest.MonkeyPatch.context() as patch:
        # Documents and letters in the database file, so that each test's copy has them.
        patch.setenv("OPENATT_DOCUMENT_STORE", "database")
        demo.fill(db, engine)
    db.dispose()
    return path


def militia_case(day: dt.date) -> Application:
    """A transfer the engine recommends denying: rifles to a non-state armed group."""
    return Application.model_validate(
        {
            "kind": "export",
            "date": day.isoformat(),
            "exporting_state": "GBR",
            "importing_state": "SSD",
            "exporter": {"name": demo.MERI, "country": "GBR"},
            "consignee": {"name": "Upper Nile Trading Co", "country": "SSD"},
            "end_user": {"name": "White Army militia", "country": "SSD", "kind": "non_state"},
            "end_use": "Armed patrols",
            "items": [
                {
                    "description": "7.62 mm rifles",
                    "category": "VIII",
                    "control_entry": "ML1",
                    "quantity": 150,
                }
            ],
        }
    )


@dataclass
class Register:
    url: str
    path: Path

    def database(self) -> Database:
        return Database(self.url)

    def case_id(self, state: str) -> int:
        """The id of the demo case in ``state``."""
        from sqlalchemy import select

        from openatt.register.models import ApplicationRow

        db = self.database()
        try:
            with db.read() as s:
                found = (
                    s.execute(select(ApplicationRow.id).where(ApplicationRow.state == state))
                    .scalars()
                    .first()
                )
            assert found is not None, f"the demo has no case in state {state}"
            return int(found)
        finally:
            db.dispose()

    def screened(self, application: Application, applicant: str = "meridian") -> int:
        """A case taken through submission and screening by the services, as in real life
        before it reaches an officer's desk."""
        db = self.database()
        try:
            with db.read() as s:
                by_name = {u.username: users.actor_of(u) for u in users.list_users(s)}
            with db.write() as s:
                app_id = applications.create(s, by_name[applicant], application).id
            with db.write() as s:
                applications.submit(s, by_name[applicant], app_id, None)
            with db.write() as s:
                applications.screen(
                    s, by_name["officer"], app_id, [], None, "UN SC list, screened elsewhere"
                )
            return app_id
        finally:
            db.dispose()


@pytest.fixture
def register(demo_template: Path, tmp_path: Path) -> Register:
    path = tmp_path / "register.sqlite"
    shutil.copy(demo_template, path)
    return Register(url=f"sqlite:///{path}", path=path)


# ---------------------------------------------------------------- page tests (TestClient)


class Browser:
    """A TestClient that logs in through the login form and posts forms with their token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def login(self, username: str, password: str | None = None) -> Any:
        page = self.client.get("/ui/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token, page.text
        return self.client.post(
            "/ui/login",
            data={
                "username": username,
                "password": password or PASSWORDS[username],
                "csrf": token.group(1),
                "next": "/ui/",
            },
            follow_redirects=False,
        )

    def csrf(self) -> str:
        page = self.client.get("/ui/reference")
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, "not logged in"
        return found.group(1)

    def post(self, path: str, data: dict[str, str] | None = None, *, token: bool = True) -> Any:
        body = dict(data or {})
        if token:
            body["csrf"] = self.csrf()
        return self.client.post(path, data=body, follow_redirects=False)

    def get(self, path: str) -> Any:
        return self.client.get(path, follow_redirects=False)


@pytest.fixture
def app_client(
    register: Register, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("OPENATT_HOME", str(tmp_path / "home"))  # no monitoring store of the user's
    app = create_app(register.url, assessor=engine)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def web(app_client: TestClient) -> Browser:
    return Browser(app_client)


@pytest.fixture
def new_browser() -> type[Browser]:
    """For tests that need several logged-in clients at once."""
    return Browser


@pytest.fixture
def militia() -> Application:
    return militia_case(dt.date.today())


# ---------------------------------------------------------------- browser tests (Playwright)

BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _need_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: /usr/bin/chromium is missing")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base: str
    register: Register


@pytest.fixture
def serve() -> Iterator[Callable[[Any, Register], Server]]:
    """Serves an app with uvicorn on a free port of 127.0.0.1 (stopped after the test); a test
    module that needs another app (e.g. with a monitoring store) overrides ``server`` with it."""
    import uvicorn

    _need_chromium()
    running: list[tuple[Any, threading.Thread]] = []

    def start(app: Any, register: Register) -> Server:
        port = _free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        instance = uvicorn.Server(config)
        thread = threading.Thread(target=instance.run, daemon=True)
        thread.start()
        running.append((instance, thread))
        deadline = time.monotonic() + 20
        while not instance.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return Server(base=f"http://127.0.0.1:{port}", register=register)

    try:
        yield start
    finally:
        for instance, thread in running:
            instance.should_exit = True
            thread.join(timeout=10)


@pytest.fixture
def server(register: Register, engine: Engine, serve: Callable[[Any, Register], Server]) -> Server:
    """uvicorn on a free port of 127.0.0.1, serving the API and the web UI."""
    return serve(create_app(register.url, assessor=engine), register)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class Pages:
    """Browser contexts (one per user) opened by a test; screenshots them if it fails."""

    def __init__(self, chromium: Any, server: Server) -> None:
        self.chromium = chromium
        self.server = server
        self.opened: list[tuple[str, Any]] = []

    def as_user(
        self,
        username: str,
        *,
        width: int = 1366,
        height: int = 900,
        home: str = "**/ui/applications",
    ) -> Any:
        """A logged-in page of a fresh context; ``home``: the URL the login lands on."""
        context = self.chromium.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        page = context.new_page()
        self.opened.append((username, page))
        page.goto(self.server.base + "/ui/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORDS[username])
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(home)
        return page

    def screenshot_all(self, test_name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        for index, (username, page) in enumerate(self.opened):
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", test_name)
            page.screenshot(path=str(ARTIFACTS / f"{safe}-{index}-{username}.png"), full_page=True)

    def close(self) -> None:
        for _username, page in self.opened:
            page.context.close()


@pytest.fixture
def pages(request: pytest.FixtureRequest, chromium: Any, server: Server) -> Iterator[Pages]:
    opened = Pages(chromium, server)
    yield opened
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        opened.screenshot_all(request.node.name)
    opened.close()
