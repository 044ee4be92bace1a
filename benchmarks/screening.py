# ruff: noqa: E501  (a report script: its long lines are table and message formats)
"""Screening benchmark: openatt-match-v1 against nomenklatura logic-v2 and a rapidfuzz brute force.

A script, not a test (speed is never asserted in the test suite). The nomenklatura peer needs
duckdb < 2 while openatt pins duckdb 2.0.0 (monitoring), so it runs in its own virtualenv
with openatt's screening dependencies only:

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install nomenklatura==4.17.4 rapidfuzz==3.14.6 anyascii==0.3.3 \
        openpyxl==3.1.5 numpy==2.4.6 pydantic==2.14.3 pyyaml==6.0.3 pycountry==26.2.16 \
        typer==0.29.1 rich==15.0.0
    .venv-bench/bin/pip install --no-deps -e .
    .venv-bench/bin/python benchmarks/screening.py                # 300,000 entities, full run
    .venv-bench/bin/python benchmarks/screening.py --size 30000 --negatives 5000 --peer-queries 300
    .venv/bin/python benchmarks/screening.py --skip-nomenklatura   # openatt and rapidfuzz only

The list: every entity of the real lists in ../shared/data/lists, padded with generated people
and companies whose names are drawn from the Wikidata transliteration pairs (Latin, Cyrillic,
Arabic, Hebrew, Korean, Japanese, Chinese) up to --size entities.

The queries, each labelled:
  * UN positives as listed and perturbed (name-matching-yente-screening, row-aligned pairs);
    the expected entity is the UN entry whose name the as-listed row carries;
  * variants generated from real listed names: one-edit typos, token swaps, dropped middle
    names, legal-form changes, romanisations of original-script names;
  * negatives: 100,000 synthetic people and 1,254 US Congress members (must hit nothing).
Transliteration pairs (Wikidata, Google ar2en) are scored pairwise: positives and shuffled
negatives, at each matcher's threshold.

Metrics per matcher: recall on labelled positives, precision of reported hits (a hit is right
when it is the expected entity or carries the same normalised name, i.e. the same listing on
another list), false-hit rate on negatives, names screened per second, index build time and
peak memory (each matcher runs in a forked child; peak RSS minus the parent's RSS at fork).
nomenklatura and the brute force are timed on a random --peer-queries sample of the same
queries (they are too slow for all of them); openatt on that sample and on all queries.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "lists"
sys.path.insert(0, str(ROOT / "src"))

from openatt.screening.importers import read_list  # noqa: E402
from openatt.screening.matcher import Matcher, default_threshold  # noqa: E402
from openatt.screening.model import ListEntity, Name, NameKind, Schema  # noqa: E402
from openatt.screening.normalise import ascii_fold, name_tokens  # noqa: E402
from openatt.screening.scoring import Query, name_similarity  # noqa: E402
from openatt.screening.service import screen_queries  # noqa: E402
from openatt.screening.store import ListMetadata, LoadedList  # noqa: E402

REAL_LISTS = (
    "un-sc-consolidated/consolidated.xml",
    "ofac-sdn-csv-2021/sdn.csv",
    "ofac-sdn-csv-2024-primary-only/sdn.csv",
    "ofac-consolidated-non-sdn/consolidated.xml",
    "us-bis-denied-persons/dpl.txt",
    "us-csl-partial/csl.csv",
    "canada-sema/sema-lmes.xml",
    "australia-dfat/regulation8_consolidated.xlsx",
    "opensanctions-ftm/zala-cluster.entities.ftm.json",
    "opensanctions-ftm/eu_fsf-sample.entities.ftm.json",
)
SCRIPTS = ("russian", "arabic", "hebrew", "korean", "katakana", "chinese")
LEGAL_FORMS = ("LLC", "Ltd", "GmbH", "OOO", "JSC", "S.A.", "Inc", "Co., Ltd", "PJSC", "B.V.")
COMPANY_WORDS = (
    "Trading", "Industrial", "Engineering", "Logistics", "Shipping", "Energy", "Holding",
    "Technologies", "Systems", "Aero", "Marine", "Petroleum", "Metals", "Defence", "Electronics",
)  # fmt: skip


# -- the list ----------------------------------------------------------------------------------
def real_entities() -> list[ListEntity]:
    entities: list[ListEntity] = []
    for relative in REAL_LISTS:
        result = read_list(DATA / relative)
        prefix = result.list_id + ("-2024" if "2024-primary" in relative else "")
        for entity in result.entities:
            entity.entity_id = f"{prefix}:{entity.entity_id}"
            entities.append(entity)
    return entities


def name_pools() -> tuple[list[str], dict[str, list[tuple[str, str]]]]:
    latin: list[str] = []
    pairs: dict[str, list[tuple[str, str]]] = {}
    for script in SCRIPTS:
        rows = []
        with (DATA / f"name-transliteration-wikidata/wd_{script}_20.tsv").open(
            encoding="utf-8"
        ) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 2 and parts[0].isalpha():
                    rows.append((parts[0], parts[1].replace(" ", "")))
        pairs[script] = rows
        latin.extend(r[0] for r in rows)
    return sorted(set(latin)), pairs


def padding(count: int, rng: random.Random) -> list[ListEntity]:
    latin, pairs = name_pools()
    generated: list[ListEntity] = []
    for number in range(count):
        if rng.random() < 0.75:
            if rng.random() < 0.55:
                parts = [rng.choice(latin).title() for _ in range(rng.choice((2, 2, 3, 3, 4)))]
                script = "Latin"
            else:
                script = rng.choice(SCRIPTS)
                chosen = [rng.choice(pairs[script]) for _ in range(rng.choice((2, 3)))]
                parts = [target for _, target in chosen]
            names = [Name(" ".join(parts), NameKind.primary, script)]
            birth = f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            generated.append(ListEntity(f"pad:{number}", Schema.person, names, birth_dates=[birth]))
        else:
            words = [rng.choice(latin).title(), *rng.sample(COMPANY_WORDS, rng.choice((1, 2)))]
            value = " ".join(words) + " " + rng.choice(LEGAL_FORMS)
            generated.append(
                ListEntity(f"pad:{number}", Schema.organization, [Name(value, NameKind.primary)])
            )
    return generated


# -- the queries -------------------------------------------------------------------------------
@dataclass(slots=True)
class Labelled:
    query: Query
    expected: str | None  # entity id, or None for a negative
    group: str


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA / "name-matching-yente-screening" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _key(name: str) -> tuple[str, ...]:
    return tuple(sorted(name_tokens(name)))


def positives(entities: list[ListEntity]) -> tuple[list[Labelled], int]:
    un = [e for e in entities if e.entity_id.startswith("un-sc-consolidated:")]
    by_name: dict[tuple[str, ...], str] = {}
    for entity in un:
        for name in entity.names:
            by_name.setdefault(_key(name.value), entity.entity_id)
    found: list[Labelled] = []
    unmapped = 0
    for plain, treated in zip(
        _csv("positives_un_untreated.csv"), _csv("positives_un_treated.csv"), strict=True
    ):
        expected = by_name.get(_key(plain["full_name"]))
        if expected is None:
            unmapped += 1
            continue
        for row, group in ((plain, "UN as listed"), (treated, "UN perturbed")):
            found.append(
                Labelled(
                    Query(
                        row["full_name"],
                        row["date_of_birth"] or None,
                        row["nationality"] or None,
                        "person",
                    ),
                    expected,
                    group,
                )
            )
    return found, unmapped


def _typo(token: str, rng: random.Random) -> str:
    if len(token) < 4:
        return token
    i = rng.randrange(1, len(token))
    op = rng.choice(("drop", "double", "swap", "replace"))
    if op == "drop":
        return token[:i] + token[i + 1 :]
    if op == "double":
        return token[:i] + token[i] + token[i:]
    if op == "swap" and i < len(token) - 1:
        return token[:i] + token[i + 1] + token[i] + token[i + 2 :]
    return token[:i] + rng.choice("aeiounrst") + token[i + 1 :]


def variants(entities: list[ListEntity], count: int, rng: random.Random) -> list[Labelled]:
    real = [e for e in entities if not e.entity_id.startswith("pad:") and e.names]
    out: list[Labelled] = []
    while len(out) < count:
        entity = rng.choice(real)
        latin = [
            n.value
            for n in entity.names
            if n.script == "Latin" and n.kind is not NameKind.weak_alias
        ]
        other = [n.value for n in entity.names if n.script != "Latin"]
        if not latin:
            continue
        tokens = latin[0].replace(",", " ").split()
        kind = rng.choice(("typo", "swap", "drop", "legal", "translit"))
        if kind == "typo":
            i = rng.randrange(len(tokens))
            tokens[i] = _typo(tokens[i], rng)
            text = " ".join(tokens)
        elif kind == "swap" and len(tokens) >= 2:
            text = " ".join(tokens[1:] + tokens[:1])
        elif (
            kind == "drop"
            and "," not in latin[0]
            and len(tokens) >= 3
            and entity.schema is Schema.person
        ):
            middle = rng.randrange(1, len(tokens) - 1)  # a middle name, never the first or last
            text = " ".join(tokens[:middle] + tokens[middle + 1 :])
        elif kind == "legal" and entity.schema is Schema.organization:
            text = (
                " ".join(
                    t for t in tokens if ascii_fold(t) not in {"llc", "ltd", "ooo", "co", "inc"}
                )
                + " "
                + rng.choice(LEGAL_FORMS)
            )
        elif kind == "translit" and other:
            text = ascii_fold(rng.choice(other)).title()
        else:
            continue
        if len(name_tokens(text)) < 2:
            continue
        out.append(Labelled(Query(text), entity.entity_id, f"variant: {kind}"))
    return out


def negatives(count: int, rng: random.Random) -> list[Labelled]:
    rows = _csv("negatives_global.csv") + _csv("negatives_us.csv")
    rng.shuffle(rows)
    out = [
        Labelled(
            Query(r["full_name"], r["date_of_birth"] or None, None, "person"),
            None,
            "negatives (synthetic)",
        )
        for r in rows[:count]
    ]
    out += [
        Labelled(
            Query(r["full_name"], r["date_of_birth"] or None, None, "person"), None, "US Congress"
        )
        for r in _csv("positives_us_congress_untreated.csv")
    ]
    return out


def transliteration_pairs(per_script: int, rng: random.Random) -> list[tuple[str, str, bool]]:
    _, pairs = name_pools()
    out: list[tuple[str, str, bool]] = []
    for rows in pairs.values():
        sample = rng.sample(rows, min(per_script, len(rows)))
        out += [(target, latin, True) for latin, target in sample]
        shuffled = rng.sample(rows, len(sample))
        out += [
            (t, latin, False) for (latin, _), (_, t) in zip(sample, shuffled, strict=True) if t != _
        ]
    with (DATA / "name-transliteration-google-ar2en/ar2en-test.tsv").open(encoding="utf-8") as f:
        rows = [tuple(line.rstrip("\n").split("\t")[:2]) for line in f if "\t" in line]
    sample = rng.sample(rows, min(per_script, len(rows)))
    out += [(a, e, True) for a, e in sample]
    out += [
        (a, e, False) for (a, _), (_, e) in zip(sample, rng.sample(rows, len(sample)), strict=True)
    ]
    return out


# -- the matchers ------------------------------------------------------------------------------
Screener = Callable[
    [list[Query]], list[list[tuple[str, str]]]
]  # -> per query [(entity_id, matched name)]


def build_openatt(entities: list[ListEntity], workers: int, threshold: float) -> Screener:
    meta = ListMetadata(
        list_id="bench", title="bench", authority="bench", format="bench", version="bench",
        version_date=None, imported_at=dt.datetime.now(dt.UTC), sha256="", source_files=[],
        entity_count=len(entities), name_count=0, alias_count=0, skipped_count=0,
    )  # fmt: skip
    matcher = Matcher([LoadedList(meta, entities)])

    def run(queries: list[Query]) -> list[list[tuple[str, str]]]:
        results = screen_queries(matcher, queries, threshold, workers=workers, chunk_size=512)
        return [[(h.entity_id, h.matched_name) for h in hits] for hits in results]

    return run


def build_rapidfuzz(entities: list[ListEntity], workers: int, threshold: float) -> Screener:
    from rapidfuzz import fuzz, process

    choices: list[str] = []
    owners: list[tuple[str, str]] = []
    for entity in entities:
        for name in entity.names:
            choices.append(" ".join(sorted(ascii_fold(name.value).split())))
            owners.append((entity.entity_id, name.value))

    def run(queries: list[Query]) -> list[list[tuple[str, str]]]:
        texts = [" ".join(sorted(ascii_fold(q.name).split())) for q in queries]
        out: list[list[tuple[str, str]]] = []
        for start in range(0, len(texts), 64):
            matrix = process.cdist(
                texts[start : start + 64], choices, scorer=fuzz.token_sort_ratio,
                score_cutoff=threshold * 100, workers=workers, dtype="uint8",
            )  # fmt: skip
            for row in matrix:
                seen: dict[str, tuple[str, str]] = {}
                for index in row.nonzero()[0]:
                    owner = owners[int(index)]
                    seen.setdefault(owner[0], owner)
                out.append(list(seen.values()))
        return out

    return run


_FTM_SCHEMA = {Schema.person: "Person", Schema.organization: "Organization", Schema.vessel: "Vessel", Schema.aircraft: "Airplane", Schema.unknown: "LegalEntity"}  # fmt: skip


def _alpha2(code: str) -> str | None:
    import pycountry

    country = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    return country.alpha_2.lower() if country else None


def build_nomenklatura(entities: list[ListEntity], workers: int, threshold: float) -> Screener:
    from followthemoney import Dataset, StatementEntity
    from nomenklatura.blocker.index import Index
    from nomenklatura.matching import LogicV2
    from nomenklatura.matching.types import ScoringConfig
    from nomenklatura.resolver import Linker
    from nomenklatura.store import MemoryStore

    del workers  # nomenklatura's matcher runs in one process
    dataset = Dataset.make({"name": "bench", "title": "bench"})
    store: Any = MemoryStore(dataset, Linker({}))
    with store.writer() as writer:
        for entity in entities:
            props: dict[str, list[str]] = {"name": [entity.names[0].value]}
            props["alias"] = [
                n.value for n in entity.names[1:] if n.kind is not NameKind.weak_alias
            ]
            props["weakAlias"] = [
                n.value for n in entity.names[1:] if n.kind is NameKind.weak_alias
            ]
            if entity.schema is Schema.person and entity.birth_dates:
                props["birthDate"] = entity.birth_dates
            codes = [c for c in (_alpha2(x) for x in entity.countries) if c]
            if codes:
                props["nationality" if entity.schema is Schema.person else "country"] = codes
            data = {
                "id": entity.entity_id.replace(":", "-"),
                "schema": _FTM_SCHEMA[entity.schema],
                "properties": props,
            }
            writer.add_entity(StatementEntity.from_data(dataset, data))
    view = store.view(dataset)
    folder = Path(tempfile.mkdtemp(prefix="nk-index-"))
    index = Index(view, folder)
    index.build()
    config = ScoringConfig.defaults()
    ids = {e.entity_id.replace(":", "-"): e.entity_id for e in entities}

    def run(queries: list[Query]) -> list[list[tuple[str, str]]]:
        subjects = []
        for number, query in enumerate(queries):
            props: dict[str, list[str]] = {"name": [query.name]}
            if query.birth_date:
                props["birthDate"] = [query.birth_date]
            schema = "Person" if query.kind == "person" else "LegalEntity"
            subjects.append(
                StatementEntity.from_data(
                    dataset, {"id": f"q{number}", "schema": schema, "properties": props}
                )
            )
        by_id = {s.id: s for s in subjects}
        out: dict[str, list[tuple[str, str]]] = {s.id: [] for s in subjects}
        for subject_id, candidates in index.match_entities(subjects):
            subject = by_id[subject_id.id]
            for candidate_id, _ in candidates:
                candidate = view.get_entity(candidate_id.id)
                if candidate is None:
                    continue
                result = LogicV2.compare(subject, candidate, config)
                if result.score >= threshold:
                    out[subject.id].append((ids[candidate.id], candidate.caption))
        return [out[s.id] for s in subjects]

    return run


# -- measuring ---------------------------------------------------------------------------------
def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Outcome:
    name: str
    threshold: float
    build_s: float = 0.0
    peak_mb: float = 0.0
    timings: dict[str, tuple[int, float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    results: dict[str, list[list[tuple[str, str]]]] = field(default_factory=dict)


def _child(builder: Screener, name: str, threshold: float, entities: list[ListEntity], workers: int,
           query_sets: dict[str, list[Query]], base_rss: float, pipe: Any) -> None:  # fmt: skip
    started = time.perf_counter()
    screen = builder(entities, workers, threshold)  # type: ignore[call-arg]
    outcome = Outcome(name, threshold, build_s=time.perf_counter() - started)
    for label, queries in query_sets.items():
        began = time.perf_counter()
        cpu_began = time.process_time() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        outcome.results[label] = screen(queries)
        outcome.timings[label] = (len(queries), time.perf_counter() - began)
        # CPU seconds of this process and of any worker processes it ran: a throughput figure
        # that does not depend on what else the machine is doing.
        cpu_done = time.process_time() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        outcome.cpu[label] = cpu_done - cpu_began
    outcome.peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base_rss
    pipe.send(outcome)
    pipe.close()


def run_isolated(builder: Any, name: str, threshold: float, entities: list[ListEntity], workers: int,
                 query_sets: dict[str, list[Query]]) -> Outcome:  # fmt: skip
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(builder, name, threshold, entities, workers, query_sets, _rss_mb(), sender),
    )
    process.start()
    outcome: Outcome = receiver.recv()
    process.join()
    return outcome


def score(
    labelled: list[Labelled],
    results: list[list[tuple[str, str]]],
    names_of: dict[str, set[tuple[str, ...]]],
) -> dict[str, float]:
    positives_total = found = hits_total = hits_right = negative_total = negative_hit = 0
    for item, hits in zip(labelled, results, strict=True):
        hits_total += len(hits)
        if item.expected is None:
            negative_total += 1
            negative_hit += bool(hits)
            continue
        positives_total += 1
        expected_names = names_of.get(item.expected, set())
        right = [h for h in hits if h[0] == item.expected or _key(h[1]) in expected_names]
        hits_right += len(right)
        found += any(h[0] == item.expected for h in hits) or bool(right)
    return {
        "recall": found / positives_total if positives_total else float("nan"),
        "precision": hits_right / hits_total if hits_total else float("nan"),
        "false_hit_rate": negative_hit / negative_total if negative_total else float("nan"),
        "positives": positives_total,
        "negatives": negative_total,
    }


def pair_scores(
    pairs: list[tuple[str, str, bool]], threshold: float, engine: str
) -> tuple[float, float]:
    """(recall on positive pairs, false-match rate on shuffled pairs) for one engine."""
    if engine == "openatt":

        def similar(a: str, b: str) -> float:
            return name_similarity(name_tokens(a), name_tokens(b), lambda _t: 1.0).score
    elif engine == "rapidfuzz":
        from rapidfuzz import fuzz

        def similar(a: str, b: str) -> float:
            return fuzz.ratio(a.casefold(), b.casefold()) / 100
    else:
        from followthemoney import Dataset, StatementEntity
        from nomenklatura.matching import LogicV2
        from nomenklatura.matching.types import ScoringConfig

        dataset = Dataset.make({"name": "pairs", "title": "pairs"})
        config = ScoringConfig.defaults()

        def similar(a: str, b: str) -> float:
            left = StatementEntity.from_data(
                dataset, {"id": "a", "schema": "Person", "properties": {"name": [a]}}
            )
            right = StatementEntity.from_data(
                dataset, {"id": "b", "schema": "Person", "properties": {"name": [b]}}
            )
            return float(LogicV2.compare(left, right, config).score)

    positive = [similar(a, b) >= threshold for a, b, label in pairs if label]
    negative = [similar(a, b) >= threshold for a, b, label in pairs if not label]
    return sum(positive) / len(positive), sum(negative) / len(negative)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=300_000, help="entities in the padded list")
    parser.add_argument(
        "--negatives", type=int, default=100_000, help="synthetic negatives screened by openatt"
    )
    parser.add_argument(
        "--variants", type=int, default=2_000, help="generated variants of real listed names"
    )
    parser.add_argument(
        "--peer-queries", type=int, default=600, help="queries sampled for all three matchers"
    )
    parser.add_argument("--pairs-per-script", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--skip-nomenklatura", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    entities = real_entities()
    real = len(entities)
    entities += padding(max(0, args.size - real), rng)
    print(
        f"list: {len(entities):,} entities ({real:,} real, {len(entities) - real:,} generated) in {time.perf_counter() - started:.1f}s"
    )
    names_of: dict[str, set[tuple[str, ...]]] = {
        e.entity_id: {_key(n.value) for n in e.names}
        for e in entities
        if not e.entity_id.startswith("pad:")
    }

    pos, unmapped = positives(entities)
    labelled = pos + variants(entities, args.variants, rng) + negatives(args.negatives, rng)
    print(f"queries: {len(labelled):,} ({len(pos)} UN positives, {unmapped} UN rows not mapped to a listed name, "
          f"{args.variants} variants, {len(labelled) - len(pos) - args.variants:,} negatives)")  # fmt: skip
    # The peers' sample is stratified: half labelled positives, half negatives.
    positive_items = [item for item in labelled if item.expected]
    negative_items = [item for item in labelled if not item.expected]
    half = args.peer_queries // 2
    sample = rng.sample(positive_items, min(half, len(positive_items))) + rng.sample(
        negative_items, min(args.peer_queries - half, len(negative_items))
    )
    query_sets = {
        "sample": [item.query for item in sample],
        "all": [item.query for item in labelled],
    }

    engines: list[tuple[str, Any, float, dict[str, list[Query]]]] = [
        ("openatt (openatt-match-v1)", build_openatt, default_threshold(), query_sets),
        (
            "rapidfuzz brute force (token_sort_ratio)",
            build_rapidfuzz,
            0.85,
            {"sample": query_sets["sample"]},
        ),
    ]
    if not args.skip_nomenklatura:
        engines.append(
            (
                "nomenklatura logic-v2 + blocker index",
                build_nomenklatura,
                0.70,
                {"sample": query_sets["sample"]},
            )
        )

    outcomes = []
    for name, builder, threshold, sets in engines:
        print(f"running {name} ...", flush=True)
        outcome = run_isolated(builder, name, threshold, entities, args.workers, sets)
        outcomes.append(outcome)
        for label, (count, seconds) in outcome.timings.items():
            print(
                f"  {label}: {count:,} queries in {seconds:.1f}s wall ({count / seconds:,.0f}/s), {outcome.cpu[label]:.1f} CPU-s "
                f"({count / max(outcome.cpu[label], 1e-9):,.0f}/CPU-s); build {outcome.build_s:.1f}s, peak +{outcome.peak_mb:,.0f} MB",
                flush=True,
            )

    pairs = transliteration_pairs(args.pairs_per_script, rng)
    rows = []
    for outcome in outcomes:
        on_sample = score(sample, outcome.results["sample"], names_of)
        on_all = (
            score(labelled, outcome.results["all"], names_of) if "all" in outcome.results else None
        )
        engine = outcome.name.split()[0]
        translit = pair_scores(pairs, outcome.threshold, engine)
        count, seconds = outcome.timings["sample"]
        rows.append({
            "matcher": outcome.name, "threshold": outcome.threshold,
            "recall": on_sample["recall"], "precision": on_sample["precision"], "false_hit_rate": on_sample["false_hit_rate"],
            "names_per_s": count / seconds, "build_s": outcome.build_s, "peak_mb": outcome.peak_mb,
            "names_per_cpu_s": count / outcome.cpu["sample"] if outcome.cpu["sample"] else float("nan"),
            "all_names_per_cpu_s": (outcome.timings["all"][0] / outcome.cpu["all"]) if "all" in outcome.cpu else None,
            "translit_recall": translit[0], "translit_false": translit[1],
            "all": on_all, "all_names_per_s": (outcome.timings["all"][0] / outcome.timings["all"][1]) if "all" in outcome.timings else None,
        })  # fmt: skip

    print()
    print(f"Sample of {len(sample)} labelled queries ({sum(1 for s in sample if s.expected)} positives, "
          f"{sum(1 for s in sample if not s.expected)} negatives) against {len(entities):,} entities, {args.workers} workers")  # fmt: skip
    header = f"| {'matcher':42} | thr  | recall | precision | false-hit | names/s | names/CPU-s | build s | peak MB | translit recall / false |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for row in rows:
        print(
            f"| {row['matcher']:42} | {row['threshold']:.2f} | {row['recall']:.3f}  | {row['precision']:.3f}     | "
            f"{row['false_hit_rate']:.4f}    | {row['names_per_s']:7,.0f} | {row['names_per_cpu_s']:11,.0f} | {row['build_s']:7.1f} | {row['peak_mb']:7,.0f} | "
            f"{row['translit_recall']:.3f} / {row['translit_false']:.3f}           |"
        )
    base = rows[0]
    for row in rows[1:]:
        print(f"ratios openatt / {row['matcher'].split()[0]}: throughput per CPU-second x{base['all_names_per_cpu_s'] / row['names_per_cpu_s']:.1f} "
              f"(wall, openatt on all queries vs peer on the sample: x{base['all_names_per_s'] / row['names_per_s']:.1f}), recall x{base['recall'] / row['recall']:.2f}, "
              f"precision x{base['precision'] / row['precision']:.2f}, false-hit rate {base['false_hit_rate']:.4f} vs {row['false_hit_rate']:.4f}, "
              f"index build {base['build_s']:.1f}s vs {row['build_s']:.1f}s")  # fmt: skip
    if base["all"]:
        a = base["all"]
        print(f"openatt on all {len(labelled):,} queries: recall {a['recall']:.3f} ({a['positives']} positives), "
              f"precision {a['precision']:.3f}, false-hit rate {a['false_hit_rate']:.4f} ({a['negatives']:,} negatives), "
              f"{base['all_names_per_s']:,.0f} names/s wall with {args.workers} workers, {base['all_names_per_cpu_s']:,.0f} names per CPU-second")  # fmt: skip
        groups: dict[str, list[int]] = {}
        results = next(o for o in outcomes if "all" in o.results).results["all"]
        for item, hits in zip(labelled, results, strict=True):
            if item.expected:
                ok = any(
                    h[0] == item.expected or _key(h[1]) in names_of.get(item.expected, set())
                    for h in hits
                )
                groups.setdefault(item.group, []).append(int(ok))
            else:
                groups.setdefault(item.group, []).append(int(bool(hits)))
        for group, values in sorted(groups.items()):
            measure = (
                "hit rate (false)"
                if group in ("US Congress", "negatives (synthetic)")
                else "recall"
            )
            print(f"  {group:28} {measure:16} {sum(values) / len(values):.3f} (n={len(values):,})")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
