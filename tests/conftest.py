"""Shared fixtures.

Strategy: the engine and the law are real (loaded once per session from the package data);
applications are built from small YAML bases in ``openatt/law/case_bases.yaml`` so that each test
states only what it changes. Real public data lives in ``../shared/data`` beside the
checkout; tests that need it use ``shared_data``, which skips only outside CI.

The register's fixtures (a database per backend, a seeded API, the session's templates), the
monitoring data's and the reports' seeded register live in ``register/register_fixtures.py``,
``monitoring/monitoring_fixtures.py`` and ``reports/report_fixtures.py`` and are declared below
as plugins, once for the suite (the security tests share the register's): no test module
imports a fixture. Test folders: a folder with its own ``conftest.py`` is a package (an
``__init__.py``, so that conftest is not a second top-level ``conftest`` module); the others are
not, and import their helpers (``register_helpers``) by name from the folder.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The suite tests the sources as they are: a build of the screening modules compiled by
# `openatt lists compile` on this machine is not used here, unless OPENATT_TEST_COMPILED
# names a builds folder (tests/screening/test_compiled_build.py compiles its own and runs
# the screening tests against it so).
os.environ["OPENATT_COMPILED"] = os.environ.get("OPENATT_TEST_COMPILED") or "off"

from openatt.core.engine import Engine
from openatt.law.cases import build_application as build_application
from openatt.law.cases import deep_merge as deep_merge
from openatt.law.cases import default_bases

# Refused logins are held a second in deployments (api/login_flood.py); tests that step
# through throttling windows must not spend them waiting. test_login_flood.py sets its own.
os.environ.setdefault("OPENATT_LOGIN_TARPIT_SECONDS", "0")

TESTS = Path(__file__).resolve().parent


def pytest_sessionstart(session: pytest.Session) -> None:
    """A run asked to test the compiled build runs on it, or not at all."""
    if os.environ.get("OPENATT_TEST_COMPILED"):
        from openatt.screening import compiled

        if compiled.active() is None:
            raise pytest.UsageError("OPENATT_TEST_COMPILED: no build of these sources there")


ROOT = TESTS.parent
for _folder in ("register", "monitoring", "reports"):
    if str(TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(TESTS / _folder))
pytest_plugins = ["register_fixtures", "monitoring_fixtures", "report_fixtures"]
# The case builder lives in the package (openatt.law.cases) so authorities test their overlays
# the same way; the tests keep these names.
BASES = default_bases()


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.default()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = (ROOT / ".." / "shared" / "data").resolve()
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared data folder missing in CI: {path}")
        pytest.skip("../shared/data is not beside this checkout")
    return path


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """OPENATT_HOME in a temporary folder for the whole run, so lists or a register in the
    developer's own ~/.openatt never reach a test (tests that need a home set their own)."""
    saved = os.environ.get("OPENATT_HOME")
    os.environ["OPENATT_HOME"] = str(tmp_path_factory.mktemp("openatt-home"))
    yield
    if saved is None:
        os.environ.pop("OPENATT_HOME", None)
    else:
        os.environ["OPENATT_HOME"] = saved


# What was skipped and why, in one line at the end of the run (issue 17: a newcomer's path).
SKIP_CAUSES = (
    ("shared/data", "../shared/data is absent (public data not redistributed: see README)"),
    ("OPENATT_TEST_DATABASE_URL", "no PostgreSQL (bash .ci/postgres.sh starts one)"),
    ("chromium", "Debian's chromium is not installed"),
    ("Java", "no Java runtime for Spark"),
)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        terminalreporter.write_line("skipped: nothing")
        return
    counts: dict[str, int] = {}
    for report in skipped:
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
        reason = reason.removeprefix("Skipped: ")
        # A reason no known cause names is printed as it stands, so no skip hides behind "other".
        cause = next(
            (text for key, text in SKIP_CAUSES if key in reason), reason or "no reason given"
        )
        counts[cause] = counts.get(cause, 0) + 1
    parts = [f"{n} because {cause}" for cause, n in sorted(counts.items(), key=lambda c: -c[1])]
    terminalreporter.write_line(f"skipped {len(skipped)}: " + "; ".join(parts))


def wrong_when_run_at_once(expected: dict[str, object], compute: Any, rounds: int) -> list[str]:
    """Run ``compute(key)`` for every key of ``expected`` in threads of their own, all at
    once, ``rounds`` times each; what came out other than expected (or raised), per key. For
    the tests of shared state between threads (a server's requests)."""
    import threading

    wrong: list[str] = []

    def run(key: str) -> None:
        for _ in range(rounds):
            try:
                if compute(key) != expected[key]:
                    wrong.append(f"{key}: another result")
            except Exception as error:  # reported, whatever it is
                wrong.append(f"{key}: {type(error).__name__}")

    threads = [threading.Thread(target=run, args=(key,)) for key in expected]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return wrong


_FORK_WATCHES: list[tuple[list[list[str]], set[int]]] = []


def _other_threads_at_fork() -> None:
    import threading

    running = [t for t in threading.enumerate() if t is not threading.main_thread()]
    for seen, before in _FORK_WATCHES:
        seen.append([t.name for t in running if t.ident not in before])


@contextlib.contextmanager
def threads_at_forks() -> Iterator[list[list[str]]]:
    """The names of the threads started while inside (other tests' threads, a test client's
    portal, are left out) that were running at each fork of this process: a fork copies the
    locks those threads hold (a terminal's, a stream's) into the child, held by no one."""
    import threading

    if not _FORK_HOOKED:
        os.register_at_fork(before=_other_threads_at_fork)
        _FORK_HOOKED.append(True)
    seen: list[list[str]] = []
    watch = (seen, {t.ident for t in threading.enumerate() if t.ident is not None})
    _FORK_WATCHES.append(watch)
    try:
        yield seen
    finally:
        _FORK_WATCHES.remove(watch)


_FORK_HOOKED: list[bool] = []
