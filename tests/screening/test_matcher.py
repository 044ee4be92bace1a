"""The matcher on real lists: variants found, explanations complete, unrelated names not hit."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openatt.screening import ListStore, Matcher, Query
from openatt.screening.matcher import default_threshold
from openatt.screening.model import NameKind, Schema


def _ids(hits):  # type: ignore[no-untyped-def]
    return {(h.list_id, h.entity_id) for h in hits}


def test_listed_person_found_with_explanation(matcher: Matcher) -> None:
    hits = matcher.screen(Query("ALI, Emran", birth_date="1967-07-04", country="TT", kind="person"))
    top = next(h for h in hits if h.list_id == "un-sc-consolidated")
    assert top.entity_id == "QDi.430" and top.authority == "UN"
    explanation = top.explanation
    assert explanation["algorithm"] == "openatt-match-v3"
    assert explanation["query_name"] == "ALI, Emran"
    assert explanation["matched_name"] == "EMRAAN ALI"
    assert explanation["programme"] == "Al-Qaida" and explanation["listed_on"] == "2021-11-23"
    features = {f["feature"]: f for f in explanation["features"]}
    assert set(features) == {"name", "birth_date", "country"}
    assert "emran~emraan" in features["name"]["reason"]
    assert features["birth_date"]["contribution"] > 0 and features["country"]["contribution"] > 0
    total = sum(f["contribution"] for f in explanation["features"])
    assert top.score == round(min(1.0, total), 4)


def test_disagreeing_birth_date_lowers_the_score(matcher: Matcher) -> None:
    agree = matcher.screen(Query("Emraan Ali", birth_date="1967-07-04"), threshold=0.5)
    differ = matcher.screen(Query("Emraan Ali", birth_date="1990-01-01"), threshold=0.5)
    score = {h.entity_id: h.score for h in agree}["QDi.430"]
    assert {h.entity_id: h.score for h in differ}["QDi.430"] < score


def test_cyrillic_query_finds_latin_listing(matcher: Matcher) -> None:
    hits = matcher.screen(Query("Владимир Викторович Христенко"))
    assert ("ca-sema", "Russia/1, Part 1/1124") in _ids(hits)


def test_arabic_original_script_query(matcher: Matcher) -> None:
    hits = matcher.screen(Query("محمد حسن آخوند"))
    assert ("un-sc-consolidated", "TAi.002") in _ids(hits)


def test_legal_form_change_still_matches(matcher: Matcher) -> None:
    hits = matcher.screen(Query("Inter Tobacco GmbH", kind="organization"))
    assert any(h.list_id == "opensanctions-eu_fsf-sample" for h in hits)


def test_unrelated_names_do_not_hit(matcher: Matcher) -> None:
    for name in ("Jennifer L. McClellan", "Acme Widgets Ltd", "Patricia Lucas Wheeler"):
        assert matcher.screen(Query(name)) == []


def test_list_filter(matcher: Matcher) -> None:
    hits = matcher.screen(Query("EMRAAN ALI"), lists=["ofac-sdn"])
    assert hits and {h.list_id for h in hits} == {"ofac-sdn"}


_ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ö", "u": "ü", "n": "ñ", "c": "ç"}


def _persons(store: ListStore) -> list[str]:
    loaded = store.load("un-sc-consolidated")
    return sorted(
        n.value
        for e in loaded.entities
        if e.schema is Schema.person
        for n in e.names
        if n.kind is NameKind.primary and n.script == "Latin" and len(n.value.split()) >= 2
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_listed_name_finds_itself(
    data: st.DataObject, loaded_store: ListStore, matcher: Matcher
) -> None:
    """Whatever the case, accents, spacing or token order, a listed name finds its entry."""
    name = data.draw(st.sampled_from(_persons(loaded_store)))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    tokens = name.split()
    rng.shuffle(tokens)
    chars = []
    for char in " ".join(tokens):
        if rng.random() < 0.3:
            char = _ACCENTS.get(char.lower(), char)
        chars.append(char.upper() if rng.random() < 0.5 else char.lower())
    variant = (" " * rng.randint(1, 3)).join("".join(chars).split(" "))
    variant = unicodedata.normalize(rng.choice(["NFC", "NFD"]), variant)
    hits = matcher.screen(Query(variant), lists=["un-sc-consolidated"])
    expected = {
        e.entity_id
        for e in loaded_store.load("un-sc-consolidated").entities
        if any(n.value == name for n in e.names)
    }
    assert expected & {h.entity_id for h in hits}, (name, variant)
    assert all(h.score >= default_threshold() for h in hits)
