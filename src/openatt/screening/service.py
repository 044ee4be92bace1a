"""Screening as a service the CLI, the register and the engine call.

``screen_parties(application, store, threshold)`` screens every party of an application
against the lists in force and returns :class:`openatt.core.model.ScreeningHit` objects,
each recording the algorithm and the list version that produced it. ``screen_queries``
screens a batch, optionally across worker processes that share the index copy-on-write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from openatt.screening.matcher import Hit, ListIndex, Matcher, load_or_build, rules_fingerprint
from openatt.screening.scoring import Query
from openatt.screening.store import ListStore

if TYPE_CHECKING:  # the core model is imported where a hit becomes one: not by `openatt screen`
    from openatt.core.model import Application, ScreeningHit

# The matchers and the indexes of this process. A matcher is kept per store folder and
# combination of list versions; an index per version folder (and rules), shared by every
# matcher over that version. Keyed by the folder, not by the store object: a store freed and
# another made got the same ``id`` and the first one's matcher (found in review 2026-12-06:
# its index read entities from a folder since deleted). A list updated in a long-lived
# process (the server) leaves the matchers over its old version, which are dropped with
# their indexes when the store's next matcher is made.
_Versions = tuple[tuple[str, str], ...]
_MATCHERS: dict[tuple[Path, _Versions], Matcher] = {}
_INDEXES: dict[Path, ListIndex] = {}
_MADE = threading.Lock()


def matcher_for(store: ListStore, lists: Sequence[str] | None = None) -> Matcher:
    """A matcher over the current version of each list (or of ``lists``), made once per
    store folder and combination of list versions and reused for the life of the process
    (or until a list it reads is replaced)."""
    current = {list_id: store.current_version(list_id) or "" for list_id in store.list_ids()}
    versions = tuple(
        (list_id, version) for list_id, version in current.items() if not lists or list_id in lists
    )
    root = store.root.resolve()
    key = (root, versions)
    matcher = _MATCHERS.get(key)
    if matcher is not None:
        return matcher
    with _MADE:  # one thread builds a missing index; the others then map it
        matcher = _MATCHERS.get(key)
        if matcher is None:
            _drop_replaced(root, set(current.items()))
            fingerprint = rules_fingerprint()
            matcher = Matcher(
                _index(store, list_id, version, fingerprint) for list_id, version in versions
            )
            _MATCHERS[key] = matcher
    return matcher


def _index(store: ListStore, list_id: str, version: str, fingerprint: str) -> ListIndex:
    folder = store.version_folder(list_id, version)
    cache = (folder / f"index-{fingerprint}").resolve()
    index = _INDEXES.get(cache)
    if index is None:
        index = _INDEXES[cache] = load_or_build(folder, store.metadata(list_id, version), cache)
    return index


def _drop_replaced(root: Path, current: set[tuple[str, str]]) -> None:
    """Forget the matchers and indexes of ``root`` that read a list version no longer
    current (a request screening with one goes on with it)."""
    for key in [k for k in _MATCHERS if k[0] == root and not set(k[1]) <= current]:
        del _MATCHERS[key]
    for cache, index in list(_INDEXES.items()):
        replaced = (index.metadata.list_id, index.metadata.version) not in current
        if replaced and cache.is_relative_to(root):
            del _INDEXES[cache]


def forget_matchers() -> None:
    """Forget every matcher and index of this process: the next ones are mapped from disk."""
    with _MADE:
        _MATCHERS.clear()
        _INDEXES.clear()


def _listed_on(value: str | None) -> dt.date | None:
    if value and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def to_screening_hits(hits: Sequence[Hit], party_role: str, party_name: str) -> list[ScreeningHit]:
    """The core model's view of matcher hits on one party."""
    from openatt.core.model import ScreeningHit

    return [
        ScreeningHit(
            party_role=party_role,
            party_name=party_name,
            list_id=hit.list_id,
            authority=hit.authority,
            entity_id=hit.entity_id,
            matched_name=hit.matched_name,
            score=hit.score,
            programme=hit.programme,
            listed_on=_listed_on(hit.listed_on),
            explanation=hit.explanation,
            algorithm=Matcher.algorithm,
            list_version=hit.list_version,
        )
        for hit in hits
    ]


def screen_parties(
    application: Application,
    store: ListStore,
    threshold: float | None = None,
    lists: Sequence[str] | None = None,
) -> list[ScreeningHit]:
    """Screen exporter, consignee, end user and brokers against the lists in force."""
    matcher = matcher_for(store, lists)
    found: list[ScreeningHit] = []
    for role, party in application.parties():
        kind = None
        end_user_kind = getattr(party, "kind", None)
        if end_user_kind is not None:
            kind = "person" if str(end_user_kind) == "private" else "organization"
        query = Query(name=party.name, country=party.country, kind=kind)
        found.extend(to_screening_hits(matcher.screen(query, threshold), role, party.name))
    return found


# -- batches ---------------------------------------------------------------------------------
# What a batch screens with: the matcher, the threshold, the lists and whether to group.
_State = tuple[Matcher, float | None, Sequence[str] | None, bool]
# A forking batch's state and chunks, set before its workers are forked: a worker is sent a
# chunk's number and reads the chunk from the memory it shares with the parent, rather than
# receiving it pickled (25,514 queries cost the parent 0.05 CPU-s to pickle, while the
# workers ran, and the workers as much to read back). One forking batch at a time sets them
# (``_FORKING``); a batch in this process never reads them: it is handed its state, so that
# threads screening at once (a server's requests) each screen with their own threshold and
# lists (found 2026-12-06: they read one module variable, and one request's threshold was
# used for another's queries).
_WORKER: _State | None = None
_CHUNKS: list[list[Query]] = []
_FORKING = threading.Lock()
_Result = TypeVar("_Result")


def _numbered(work: Callable[[_State, list[Query]], _Result], number: int) -> _Result:
    """``work`` on the batch's chunk ``number`` (in a forked worker)."""
    assert _WORKER is not None
    return work(_WORKER, _CHUNKS[number])


def _work(state: _State, chunk: list[Query]) -> list[list[Hit]]:
    matcher, threshold, lists, group = state
    matcher.prefetch(chunk, lists)
    return [matcher.screen(query, threshold, lists, group) for query in chunk]


def _work_in_worker(state: _State, chunk: list[Query]) -> list[list[Hit]]:
    """:func:`_work` in a forked worker: the hits go back to the parent without their full
    list entities (the hit already carries what is reported, and grouping is done here);
    pickling every entity back cost the parent more than screening."""
    results = _work(state, chunk)
    for hits in results:
        for hit in hits:
            hit.entity = None
            for other in hit.also_listed:
                other.entity = None
    return results


def _work_json(state: _State, chunk: list[Query]) -> list[str]:
    """:func:`_work`, each query's result written as JSON where it was screened: one string
    per query crosses back to the parent, not hit objects with their explanations
    (pickling those both ways, then encoding them, cost the parent a tenth of the batch)."""
    from openatt.screening.batch_json import dumps_indented

    return [
        dumps_indented({"query": query.to_json(), "hits": [hit.to_json() for hit in hits]}, 2)
        for query, hits in zip(chunk, _work(state, chunk), strict=True)
    ]


# Objects allocated before a worker's cyclic garbage collector looks at its youngest
# generation (the interpreter's default is 700). Screening a query allocates thousands of
# short-lived lists, tuples and dictionaries, nearly all freed by reference counting: at 700
# the collector ran about 770 times over the 25,514 queries of benchmarks/screening.py.
_YOUNG_OBJECTS = 10_000


def _start_worker() -> None:
    """Set up a forked batch worker: its youngest generation is collected less often."""
    gc.set_threshold(_YOUNG_OBJECTS, *gc.get_threshold()[1:])


@contextlib.contextmanager
def _frozen_for_fork() -> Iterator[None]:
    """Everything allocated so far (modules, the matcher, the queries) frozen while the
    batch's workers are forked and run, as the ``gc`` documentation advises before a fork:
    a worker's collections then neither walk those objects nor write to their pages (each
    such write copies a page the worker shares with this process). Left as it is where
    something is frozen already (a server freezes what it loaded at start).

    Measured in one worker screening half of benchmarks/screening.py's queries at 300,000
    entities, with :func:`_start_worker`: the collector's time fell from 0.23-0.25 to about
    0.08 CPU-s, and its minor page faults by about 2,300 (docs/screening.md, "Batches,
    fifth round"). No hit depends on it."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# The last queries of a batch go out in chunks this many times smaller, so that the workers
# finish together: with whole chunks, one worker sat idle for about half a chunk's time
# (some 50 ms of a five-second batch of benchmarks/screening.py) while the other ended.
_TAIL_SPLIT = 8


def _chunks(distinct: list[Query], size: int, workers: int) -> list[list[Query]]:
    """``distinct`` in chunks of ``size``; for several workers, the last ``workers`` chunks'
    worth in chunks of ``size // _TAIL_SPLIT``. How a batch is cut changes no result."""
    tail = size * workers if workers > 1 else 0
    cut = max(len(distinct) - tail, 0)
    small = max(size // _TAIL_SPLIT, 1)
    head = [distinct[i : min(i + size, cut)] for i in range(0, cut, size)]
    return head + [distinct[i : i + small] for i in range(cut, len(distinct), small)]


def _batch(
    matcher: Matcher,
    queries: Sequence[Query],
    options: tuple[float | None, Sequence[str] | None, bool],
    work: Callable[[_State, list[Query]], list[_Result]],
    local: Callable[[_State, list[Query]], list[_Result]],
    workers: int,
    progress: Callable[[int], None] | None,
    chunk_size: int,
) -> tuple[list[_Result], list[int]]:
    """The result of each distinct query (``work`` in forked workers, ``local`` in this
    process), and where each query's result is among them."""
    # Identical queries (a party on many applications) are screened once: a query's hits
    # depend on nothing but the query, the lists and the options.
    position: dict[Query, int] = {}
    slots = [position.setdefault(query, len(position)) for query in queries]
    distinct = list(position)
    forking = (
        workers > 1
        and len(distinct) > chunk_size
        and "fork" in multiprocessing.get_all_start_methods()
    )
    chunks = _chunks(distinct, chunk_size, workers if forking else 1)
    results: list[_Result] = []
    state: _State = (matcher, *options)
    if not forking:
        for chunk in chunks:
            results.extend(local(state, chunk))
            if progress:
                progress(len(chunk))
    else:
        global _WORKER, _CHUNKS
        context = multiprocessing.get_context("fork")
        with _FORKING:
            _WORKER, _CHUNKS = state, chunks  # before the fork: the workers read them
            try:
                with (
                    _frozen_for_fork(),
                    context.Pool(min(workers, os.cpu_count() or 1), _start_worker) as pool,
                ):
                    stream: Iterator[list[_Result]] = pool.imap(
                        functools.partial(_numbered, work), range(len(chunks))
                    )
                    for chunk, done in zip(chunks, stream, strict=True):
                        results.extend(done)
                        if progress:
                            progress(len(chunk))
            finally:
                _WORKER, _CHUNKS = None, []
    if progress and len(distinct) < len(queries):
        progress(len(queries) - len(distinct))
    return results, slots


def screen_queries(
    matcher: Matcher,
    queries: Sequence[Query],
    threshold: float | None = None,
    lists: Sequence[str] | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 256,
    group: bool = False,
) -> list[list[Hit]]:
    """Hits for each query, in input order. ``workers > 1`` forks processes that share the
    matcher's index copy-on-write (POSIX only; falls back to one process elsewhere). With
    ``group``, a party on several lists is one hit with the others in ``also_listed``."""
    results, slots = _batch(
        matcher,
        queries,
        (threshold, lists, group),
        _work_in_worker,
        _work,
        workers,
        progress,
        chunk_size,
    )
    if len(results) == len(queries):
        return results
    return [list(results[slot]) for slot in slots]


def screen_queries_json(
    matcher: Matcher,
    queries: Sequence[Query],
    threshold: float | None = None,
    lists: Sequence[str] | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 256,
    group: bool = False,
) -> str:
    """What ``openatt screen --format json`` prints for ``queries``: the document
    ``{"results": [{"query": ..., "hits": [...]}, ...]}`` as ``json.dumps(...,
    ensure_ascii=False, indent=2)`` writes it, each query's part written by the process
    that screened it (see :func:`screen_queries` for the arguments)."""
    from openatt.screening.batch_json import join_results

    results, slots = _batch(
        matcher,
        queries,
        (threshold, lists, group),
        _work_json,
        _work_json,
        workers,
        progress,
        chunk_size,
    )
    return join_results([results[slot] for slot in slots])
