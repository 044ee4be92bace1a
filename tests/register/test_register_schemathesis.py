"""Property-based tests against the OpenAPI spec: no input makes the server fail (5xx).

Runs on SQLite and, when configured, PostgreSQL (which refuses some values SQLite accepts,
e.g. NUL characters and integers beyond 32 bits). Requests are made as a senior reviewer,
the role with the widest access to the lifecycle, against a register holding one case.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from register_helpers import Api, Templates, _pg_base, _serve, application
from schemathesis.checks import not_a_server_error

from openatt.core.engine import Engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(
    request: pytest.FixtureRequest,
    engine: Engine,
    templates: Templates,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Api]:
    import secrets

    from sqlalchemy import create_engine, text

    # The monitoring endpoints read OPENATT_HOME: a temporary one, never the user's store.
    home = pytest.MonkeyPatch()
    home.setenv("OPENATT_HOME", str(tmp_path_factory.mktemp("home")))
    request.addfinalizer(home.undo)
    if request.param == "sqlite":
        url, tokens = templates.sqlite_copy(tmp_path_factory.mktemp("fuzz") / "r.sqlite")
        served = _serve(url, tokens, engine)
        api = next(served)
        api.post("/applications", "applicant", application())
        yield api
        return
    base = _pg_base()
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"openatt_f_{secrets.token_hex(6)}"
    tokens = templates.postgres_copy(admin, base, name)
    served = _serve(base.set(database=name).render_as_string(hide_password=False), tokens, engine)
    api = next(served)
    api.post("/applications", "applicant", application())
    yield api
    api.db.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _operations() -> list[str]:
    """The operations' labels, read from a throwaway app (the spec does not depend on data)."""
    import tempfile

    from openatt.api import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(f"sqlite:///{folder}/spec.sqlite")
        spec = schemathesis.openapi.from_asgi("/openapi.json", app)
        labels = [result.ok().label for result in spec.get_all_operations()]
        app.state.db.dispose()
    return labels


# schemathesis' own pytest plugin does not run under pytest 9, so each operation is a test
# case here and hypothesis is driven directly.
@pytest.mark.parametrize("label", _operations())
def test_no_server_error(fuzzed: Api, label: str) -> None:
    spec = schemathesis.openapi.from_asgi("/openapi.json", fuzzed.client.app)
    operation = spec.find_operation_by_label(label)
    assert operation is not None
    headers = fuzzed.headers("senior")

    @given(case=operation.as_strategy())
    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    run()
