"""One report per party across lists, and the index written once and mapped from disk."""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np
import pytest

from openatt.screening import ListStore, Matcher, Query
from openatt.screening.matcher import ListIndex, load_or_build, rules_fingerprint
from openatt.screening.model import ListEntity, Name, NameKind, Schema
from openatt.screening.service import forget_matchers, matcher_for


def test_a_party_on_two_lists_is_reported_once_with_both_listings(matcher: Matcher) -> None:
    plain = matcher.screen(Query("Emraan Ali"))
    assert {h.list_id for h in plain} >= {"un-sc-consolidated", "ofac-sdn"}
    grouped = matcher.screen(Query("Emraan Ali"), group=True)
    party = [h for h in grouped if ("un-sc-consolidated", "QDi.430") in h.listings]
    assert len(party) == 1
    assert ("ofac-sdn", "25060") in party[0].listings
    assert party[0].to_json()["also_listed"][0]["list"] in {"ofac-sdn", "un-sc-consolidated"}
    assert sum(len(h.listings) for h in grouped) == len(plain)  # nothing hidden


def test_spelling_differences_between_lists_still_group(matcher: Matcher) -> None:
    grouped = matcher.screen(Query("Viktor Vasilyevich ZOLOTOV"), group=True)
    zolotov = [h for h in grouped if "ZOLOTOV" in h.matched_name.upper()]
    assert len(zolotov) == 1 and {lid for lid, _ in zolotov[0].listings} == {"ca-sema", "ofac-sdn"}


def test_different_birth_years_are_different_parties() -> None:
    from openatt.screening.matcher import same_party

    one = ListEntity("1", Schema.person, [Name("Ivan Petrov")], birth_dates=["1960-01-01"])
    other = ListEntity("2", Schema.person, [Name("PETROV, Ivan")], birth_dates=["1975"])
    undated = ListEntity("3", Schema.person, [Name("Ivan PETROV")])
    company = ListEntity("4", Schema.organization, [Name("Ivan Petrov")])
    assert not same_party(one, other)
    assert same_party(one, undated) and same_party(other, undated)
    assert not same_party(one, company)


def test_index_is_written_once_and_mapped_by_a_new_process(tmp_path: Path, lists_dir: Path) -> None:
    store = ListStore(tmp_path)
    report = store.import_file(lists_dir / "canada-sema/sema-lmes.xml")
    folder = store.version_folder("ca-sema", report.metadata.version)
    target = folder / f"index-{rules_fingerprint()}"
    built = load_or_build(folder, report.metadata, target)
    written = {p.name: p.stat().st_mtime_ns for p in target.iterdir()}
    assert "post_ids.npy" in written and "entity_offsets.npy" in written
    mapped = load_or_build(folder, report.metadata, target)  # as a new process would
    assert {p.name: p.stat().st_mtime_ns for p in target.iterdir()} == written  # not rebuilt
    assert isinstance(mapped.index.vocab.data, mmap.mmap)
    assert not mapped.index.post_ids.flags.owndata  # a view of the mapped file
    in_memory = ListIndex.of(store.load("ca-sema"))
    for name in ("Viktor Vasilyevich ZOLOTOV", "Wiktor Wassiljewitsch Solotow", "Elena LENSKAYA"):
        expected = Matcher([in_memory]).screen(Query(name))
        for index in (built, mapped):
            got = Matcher([index]).screen(Query(name))
            assert [(h.entity_id, h.score, h.matched_name) for h in got] == [
                (h.entity_id, h.score, h.matched_name) for h in expected
            ]
            assert got, name
    np.testing.assert_array_equal(mapped.index.del_hash, in_memory.index.del_hash)


def test_an_index_of_another_version_is_rebuilt(tmp_path: Path, lists_dir: Path) -> None:
    store = ListStore(tmp_path)
    old = store.import_file(lists_dir / "un-sc-consolidated/history/consolidated-2024-09-26.xml")
    new = store.import_file(lists_dir / "un-sc-consolidated/consolidated.xml")
    stale = store.version_folder("un-sc-consolidated", old.metadata.version) / "index-x"
    load_or_build(
        store.version_folder("un-sc-consolidated", old.metadata.version), old.metadata, stale
    )
    fresh = load_or_build(
        store.version_folder("un-sc-consolidated", new.metadata.version), new.metadata, stale
    )
    assert fresh.metadata.version == new.metadata.version
    assert fresh.index.entity_count == new.metadata.entity_count
    forget_matchers()
    assert matcher_for(store).list_versions == {"un-sc-consolidated": new.metadata.version}


def test_a_name_listed_twice_scores_as_its_better_listing(loaded_store: ListStore) -> None:
    """Found in review (2026-12-05): of an entity's names that spell the same, the index kept
    the first, so a weak alias listed before the same name as an alias (OFAC's "RT-AUTO")
    scored 0.9 instead of 1.0, and the order of the names in the file decided a hit."""
    import dataclasses

    from openatt.screening.store import LoadedList

    loaded = loaded_store.load("un-sc-consolidated")
    weak = Name("Emraan ALI", NameKind.weak_alias)

    def screened(first_weak: bool) -> list[tuple[str, float, str]]:
        entities = []
        for entity in loaded.entities:
            if entity.entity_id == "QDi.430":
                names = [weak, *entity.names] if first_weak else [*entity.names, weak]
                entity = dataclasses.replace(entity, names=names)
            entities.append(entity)
        matcher = Matcher([LoadedList(loaded.metadata, entities)])
        return [
            (h.entity_id, h.score, h.explanation["matched_name_kind"])
            for h in matcher.screen(Query("EMRAAN ALI"))
            if h.entity_id == "QDi.430"
        ]

    assert screened(True) == screened(False) == [("QDi.430", 1.0, "primary")]


def test_an_undated_listing_does_not_join_two_parties_born_years_apart() -> None:
    """Found in review (2026-12-05): a hit joined a group when it was the same party as any
    listing in it, so Canada's undated "Aleksey KRIVORUCHKO" merged OFAC's and DFAT's two
    parties of that name (born 1975 and 1977) into one. Now it joins only a group whose every
    listing it agrees with."""
    from openatt.screening.matcher import Hit, group_listings, same_party

    def hit(number: str, list_id: str, born: list[str], score: float) -> Hit:
        names = [Name("Aleksey KRIVORUCHKO")]
        entity = ListEntity(number, Schema.person, names, birth_dates=born)
        return Hit(list_id, "v", "x", number, names[0].value, score, None, None, {}, entity)

    older = hit("31124", "ofac", ["1975-06-01"], 1.0)
    undated = hit("ca-1", "ca", [], 0.99)
    younger = hit("15885", "ofac", ["1977-01-01"], 0.98)
    same_age = hit("6309", "dfat", ["1975"], 0.97)
    assert older.entity and younger.entity and not same_party(older.entity, younger.entity)
    groups = group_listings([older, undated, younger, same_age])
    assert [[h.entity_id for h in (g, *g.also_listed)] for g in groups] == [
        ["31124", "ca-1", "6309"],
        ["15885"],
    ]


def test_an_index_built_with_other_text_libraries_is_not_reused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stored index's folder is named by the fingerprint: another anyascii or iuliia
    (which spell the tokens the index holds) gives another folder, so the index is rebuilt."""
    import importlib.metadata

    before = rules_fingerprint()
    real = importlib.metadata.version
    for package in ("anyascii", "iuliia"):
        with monkeypatch.context() as patched:
            patched.setattr(
                importlib.metadata,
                "version",
                lambda name, package=package: "0.0.0" if name == package else real(name),
            )
            assert rules_fingerprint() != before, package
    assert rules_fingerprint() == before


def test_an_index_built_by_other_code_is_not_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found in review (2026-12-06): a change to how names are normalised, with no new index
    format, reused the indexes built by the earlier code. The fingerprint reads the code of
    the modules that decide what an index holds."""
    from openatt.screening import index, matcher, normalise

    assert matcher.code_of("normalise.py") == Path(normalise.__file__).read_bytes()
    assert matcher.code_of("index.py") == Path(index.__file__).read_bytes()
    before = rules_fingerprint()
    real = matcher.code_of
    for changed in matcher.INDEX_CODE:
        with monkeypatch.context() as patched:
            patched.setattr(
                matcher,
                "code_of",
                lambda name, changed=changed: real(name) + (b"#" if name == changed else b""),
            )
            assert rules_fingerprint() != before, changed
    assert rules_fingerprint() == before


def test_an_index_goes_into_place_with_its_entity_offsets(
    tmp_path: Path, lists_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in review (2026-12-06): the entities' offsets were written after the index was
    renamed into place, so a process opening it in between found no offsets and built the
    index again."""
    import os

    from openatt.screening import index as index_module

    store = ListStore(tmp_path)
    report = store.import_file(lists_dir / "canada-sema/sema-lmes.xml")
    folder = store.version_folder("ca-sema", report.metadata.version)
    staged: list[set[str]] = []
    real = os.rename

    def rename(source: str | Path, target: str | Path) -> None:
        staged.append({path.name for path in Path(source).iterdir()})
        real(source, target)

    monkeypatch.setattr(index_module.os, "rename", rename)
    load_or_build(folder, report.metadata, folder / f"index-{rules_fingerprint()}")
    assert len(staged) == 1 and {"meta.json", "entity_offsets.npy"} <= staged[0], staged
