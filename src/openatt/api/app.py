"""The FastAPI application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from openatt import __version__
from openatt.api import errors
from openatt.api.assess_fast import AssessFast
from openatt.api.limits import BodyLimit
from openatt.api.login_flood import LoginTarpit
from openatt.api.read_cache import ReadCache
from openatt.api.routers import accounts as accounts_router
from openatt.api.routers import advice as advice_router
from openatt.api.routers import (
    applications,
    auth,
    dialogue,
    documents,
    monitoring,
    queues,
    register,
    reports,
    screening,
    workspace,
)
from openatt.api.routers import catalogue as catalogue_router
from openatt.api.routers import trust as trust_router
from openatt.register.assessor import Assessor, default_assessor
from openatt.register.db import Database
from openatt.register.token_check_async import AsyncTokenCheck
from openatt.web import mount as mount_web

if TYPE_CHECKING:
    from openatt.screening.store import ListStore

# issue 16, seventh round: a server process collects its youngest generation every this many
# net allocations of container objects instead of the interpreter's 700. A reassessment that
# brings a new fact keeps much of what it makes (the engine's output, kept per process); at
# 700 the collector ran more than once per such write, and about every hundredth collection
# was a full one walking every object made since the heap was frozen (the kept outputs, the
# read cache, SQLAlchemy's caches): 130-150 ms each on a slow 2-core machine with the
# worker's other requests waiting, 0.78 of that write's 18 ms of CPU on average. None of
# those collections found any garbage (rows and findings are freed by reference counting).
# ``benchmarks/write_api_cpu.py --as-server`` prints the collector's time per request.
SERVER_YOUNG_OBJECTS = 20_000


def create_app(
    database_url: str | None = None,
    *,
    assessor: Assessor | None = None,
    lists: ListStore | None = None,
    monitoring_db: Path | None = None,
    freeze_heap: bool = False,
) -> FastAPI:
    """The API over the register at ``database_url`` (else the settings' URL), migrated to
    the latest schema on start. ``assessor`` replaces the core engine (tests use the engine);
    ``lists`` the sanctions lists under ``$OPENATT_HOME/lists``; ``monitoring_db`` the
    monitoring store (default: under OPENATT_HOME). ``freeze_heap``: a server process
    (``openatt serve``) freezes its heap once the law is loaded; a process that builds many
    apps (the tests) must not, since each start would run a full collection of all it holds;
    a frozen server also collects its youngest generation less often
    (:data:`SERVER_YOUNG_OBJECTS`)."""
    db = Database(database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Load the law and reference data before the first request, not in the middle of
        # the first burst of them.
        if app.state.assessor is None:
            app.state.assessor = await run_in_threadpool(default_assessor)
        # issue 16: the law, the reference data and the modules live as long as the process;
        # frozen, the collector's full collections no longer walk them (about 175,000
        # objects, 150 ms a collection on this class of machine, every request of the
        # worker waiting meanwhile).
        thresholds = gc.get_threshold()
        if freeze_heap:
            from openatt.register import letters

            await run_in_threadpool(letters.preload)  # before the first letter, not in it
            gc.collect()
            gc.freeze()
            gc.set_threshold(SERVER_YOUNG_OBJECTS, *thresholds[1:])
        yield
        if freeze_heap:
            gc.set_threshold(*thresholds)
            gc.unfreeze()
        if app.state.async_token_check is not None:
            app.state.async_token_check.close()
        db.dispose()

    app = FastAPI(
        title="openatt register",
        version=__version__,
        description="The licensing register: applications, assessments, decisions, licences, "
        "shipments and a hash-chained audit log. Log in with POST /auth/token, then use "
        "'Authorize' with the token.",
        lifespan=lifespan,
    )
    app.state.db = db
    # issue 16: on PostgreSQL the pre-check's token check is awaited on the event loop
    app.state.async_token_check = None if db.is_sqlite else AsyncTokenCheck(db)
    app.state.assessor = assessor
    app.state.lists = lists
    app.state.monitoring_db = monitoring_db
    errors.install(app)
    app.add_middleware(AssessFast)  # issue 16: POST /assess without the framework; innermost
    app.add_middleware(BodyLimit)  # issue 13: no unbounded request bodies
    app.add_middleware(LoginTarpit)  # issue 13: a login flood costs the writers nothing
    app.add_middleware(ReadCache)  # issue 16: repeated reads from memory; outermost
    app.include_router(auth.router)
    app.include_router(applications.router)
    app.include_router(register.router)
    app.include_router(reports.router)
    app.include_router(screening.router)
    app.include_router(monitoring.router)
    app.include_router(workspace.router)
    app.include_router(documents.router)
    app.include_router(dialogue.router)
    app.include_router(advice_router.router)
    app.include_router(queues.router)
    app.include_router(trust_router.router)
    app.include_router(accounts_router.router)
    app.include_router(accounts_router.own_router)
    app.include_router(catalogue_router.router)
    from openatt.api.routers import classification as classification_router

    app.include_router(classification_router.router)

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    mount_web(app)  # the web UI at /ui (a mounted sub-application; / redirects there)
    return app


def serve_app() -> FastAPI:
    """The app of one ``openatt serve --workers N`` worker process: the settings' database,
    the heap frozen once the law is loaded, keep-alive connections spread evenly over the
    workers (:mod:`openatt.api.worker_balance`)."""
    from openatt.api import worker_balance

    app = create_app(freeze_heap=True)
    worker_balance.install(app)  # outermost: it counts every request, cached reads too
    return app
