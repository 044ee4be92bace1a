"""screen_parties: the entry point the register and the engine call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openatt.core.model import Application
from openatt.screening import ListStore, Query, matcher_for, screen_parties
from openatt.screening.service import forget_matchers


def _application(end_user: str) -> Application:
    return Application.model_validate(
        {
            "kind": "export",
            "date": "2026-03-01",
            "exporting_state": "FRA",
            "importing_state": "TTO",
            "exporter": {"name": "Manufacture Exemple SA", "country": "FRA"},
            "consignee": {"name": "Caribbean Logistics Ltd", "country": "TTO"},
            "end_user": {"name": end_user, "country": "TTO", "kind": "private"},
            "end_use": "personal protection",
            "items": [{"description": "pistol", "category": "VIII", "quantity": 2}],
        }
    )


def test_listed_end_user_gives_a_un_hit(loaded_store: ListStore) -> None:
    hits = screen_parties(_application("Emraan Ali"), loaded_store)
    un = [h for h in hits if h.list_id == "un-sc-consolidated"]
    assert len(un) == 1
    hit = un[0]
    assert hit.party_role == "end_user" and hit.party_name == "Emraan Ali"
    assert hit.authority == "UN" and hit.entity_id == "QDi.430"
    assert hit.algorithm == "openatt-match-v3"
    assert hit.list_version == loaded_store.current_version("un-sc-consolidated")
    assert hit.listed_on == dt.date(2021, 11, 23) and hit.programme == "Al-Qaida"
    assert {h.authority for h in hits} >= {"UN", "US"}
    assert all(h.party_role == "end_user" for h in hits)


def test_clean_application_has_no_hits(loaded_store: ListStore) -> None:
    assert screen_parties(_application("Ramona Quigley-Fenwick"), loaded_store) == []


def test_ftm_hits_carry_the_authority_of_their_dataset(loaded_store: ListStore) -> None:
    hits = screen_parties(_application("Svetlana Pavlovna POKHODOVA"), loaded_store)
    eu = [h for h in hits if h.list_id == "opensanctions-eu_fsf-sample"]
    assert eu and eu[0].authority == "EU"
    assert eu[0].explanation["list_version"] == eu[0].list_version


def test_index_is_cached_beside_the_list_version(tmp_path: Path, lists_dir: Path) -> None:
    store = ListStore(tmp_path)
    version = store.import_file(lists_dir / "un-sc-consolidated/consolidated.xml").metadata.version
    first = matcher_for(store).screen(Query("EMRAAN ALI"))
    caches = list((tmp_path / "un-sc-consolidated" / version).glob("index-*"))
    assert len(caches) == 1
    forget_matchers()
    again = ListStore(tmp_path)
    second = matcher_for(again).screen(Query("EMRAAN ALI"))
    assert [(h.entity_id, h.score) for h in second] == [(h.entity_id, h.score) for h in first]


def test_a_un_hit_becomes_a_blocking_att_finding(loaded_store: ListStore, engine) -> None:  # type: ignore[no-untyped-def]
    """End to end: a real UN-listed end user, screened, then assessed: ATT Art. 6.1 blocks."""
    application = _application("Emraan ALI")
    hits = screen_parties(application, loaded_store)
    screened = application.model_copy(update={"screening": tuple(hits)})

    def blocking(app: Application) -> list[object]:
        return [
            f
            for a in engine.assess(app, regimes=("att",))
            for f in a.findings
            if f.criterion == "att.6.1"
            and f.outcome.value == "prohibited"
            and "QDi.430" in str(f.facts.get("why_covered", f.facts.get("entity_id", "")))
        ]

    assert blocking(screened)
    assert not blocking(application)


def test_a_store_at_another_folder_never_gets_another_stores_matcher(
    tmp_path: Path, lists_dir: Path
) -> None:
    """Found in review (2026-12-06): matchers were kept by the store object's ``id``, which a
    store made after another was freed can take over; it then screened with the first
    store's index, whose entities were read from a folder since deleted."""
    import shutil

    from openatt.screening import service

    un = lists_dir / "un-sc-consolidated/consolidated.xml"
    first = ListStore(tmp_path / "a")
    first.import_file(un)
    assert matcher_for(first).screen(Query("Abdul Ghani Baradar"))
    shutil.rmtree(tmp_path / "a")
    del first
    second = ListStore(tmp_path / "b")
    second.import_file(un)
    matcher = matcher_for(second)
    assert matcher.screen(Query("Abdul Ghani Baradar"))
    assert all(
        key[0] != (tmp_path / "b").resolve() or found is matcher
        for key, found in service._MATCHERS.items()
    )
    # the same folder through a new store object: the same matcher, not a second index
    assert matcher_for(ListStore(tmp_path / "b")) is matcher


def test_a_replaced_list_version_leaves_the_process_with_its_index(
    tmp_path: Path, lists_dir: Path
) -> None:
    """A server's matchers and indexes over a list version that an update replaced are
    dropped when the store's next matcher is made; one index serves every matcher of a
    version (all lists, or some of them)."""
    from openatt.screening import service

    store = ListStore(tmp_path)
    old = store.import_file(lists_dir / "un-sc-consolidated/history/consolidated-2024-09-26.xml")
    store.import_file(lists_dir / "ofac-sdn-csv-2021/sdn.csv")
    both = matcher_for(store)
    un_only = matcher_for(store, ["un-sc-consolidated"])
    assert un_only.indexes[0] is next(
        item for item in both.indexes if item.metadata.list_id == "un-sc-consolidated"
    )
    new = store.import_file(lists_dir / "un-sc-consolidated/consolidated.xml")
    after = matcher_for(store)
    assert after.list_versions["un-sc-consolidated"] == new.metadata.version
    kept = [key for key in service._MATCHERS if key[0] == tmp_path.resolve()]
    assert kept == [(tmp_path.resolve(), tuple(sorted(after.list_versions.items())))]
    assert all(old.metadata.version not in str(cache) for cache in service._INDEXES), (
        service._INDEXES
    )
    # the OFAC index was not replaced: the new matcher reads the same one
    assert next(i for i in after.indexes if i.metadata.list_id == "ofac-sdn") is next(
        i for i in both.indexes if i.metadata.list_id == "ofac-sdn"
    )
