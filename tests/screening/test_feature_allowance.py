"""An entity is skipped before its entry is read only when the query's features cannot carry
its name over the threshold (``scoring.most_added``): the allowance follows the parameters.

Before, a fixed allowance of 0.15 dropped listed parties that a matching identifier (+0.25 in
openatt-match-v3) would have carried over the threshold: "OTHMAN AHMED" with the passport of
UN entry QDi.292 scores 0.64 on the name and 0.89 in all, and was not reported.
"""

from __future__ import annotations

import random

import pytest

from openatt.screening import ListStore, Matcher, Query
from openatt.screening.algorithm import parameters
from openatt.screening.matcher import default_threshold
from openatt.screening.model import Schema
from openatt.screening.scoring import most_added, reaches


def _un_hits(hits):  # type: ignore[no-untyped-def]
    return {h.entity_id: h for h in hits if h.list_id == "un-sc-consolidated"}


def test_a_listed_identifier_carries_a_partial_name_over_the_threshold(matcher: Matcher) -> None:
    name_only = _un_hits(matcher.screen(Query("OTHMAN AHMED"), threshold=0.5))
    assert name_only["QDi.292"].score < default_threshold() - 0.15  # under the old allowance
    assert "QDi.292" not in _un_hits(matcher.screen(Query("OTHMAN AHMED")))
    with_number = _un_hits(matcher.screen(Query("OTHMAN AHMED", identifiers=("1089516791",))))
    hit = with_number["QDi.292"]
    added = parameters().features.identifier_matches
    assert hit.score == round(name_only["QDi.292"].score + added, 4) >= default_threshold()
    features = {f["feature"]: f for f in hit.explanation["features"]}
    assert features["identifier"]["contribution"] == added
    assert "1089516791 matches" in features["identifier"]["reason"]


def test_the_allowance_is_what_the_query_can_be_given() -> None:
    features = parameters().features
    assert most_added(None, None, (), None) == 0.0
    assert most_added("1967-07-04", None, (), None) == features.birth_date_same_day
    assert most_added(None, "TTO", (), None) == features.country_agrees
    assert most_added(None, None, (" ", "-"), None) == 0.0  # nothing an identifier can match
    assert most_added(None, None, ("AB 123",), None) == features.identifier_matches
    assert most_added(None, None, (), "person") == 0.0  # the kind only takes away
    assert most_added("1967", "TTO", ("AB 123",), "person") == pytest.approx(
        features.birth_date_same_day + features.country_agrees + features.identifier_matches
    )


def test_reaching_rounds_as_the_hits_do() -> None:
    assert reaches(0.83995, 0.0, 0.84)  # rounds to 0.84, as the hit's score would
    assert not reaches(0.83994, 0.0, 0.84)
    assert reaches(0.6, 0.25, 0.84) and not reaches(0.58, 0.25, 0.84)
    assert reaches(1.2, 0.0, 1.0)  # clamped to 1


def test_a_threshold_only_removes_hits_under_it(matcher: Matcher, loaded_store: ListStore) -> None:
    """The hits at a threshold are exactly those at 0 that score at least the threshold: the
    skip before reading an entry never drops one. Part of a listed name with the entry's own
    birth date, country and identifier puts scores where the features decide."""
    rng = random.Random(16)
    entities = [
        e
        for e in loaded_store.load("un-sc-consolidated").entities
        if e.schema is Schema.person
        and e.identifiers
        and e.birth_dates
        and len(e.names[0].value.split()) >= 3
    ]
    assert len(entities) > 150
    checked = 0
    for entity in entities:
        tokens = entity.names[0].value.split()
        query = Query(
            " ".join(tokens[: rng.randint(1, len(tokens) - 1)]),
            birth_date=entity.birth_dates[0],
            country=(entity.countries or [None])[0],
            kind=rng.choice([None, "person", "organization"]),
            identifiers=(entity.identifiers[0].value,),
        )
        every = matcher.screen(query, threshold=0.0)
        for threshold in (0.6, 0.75, default_threshold()):
            kept = [(h.list_id, h.entity_id, h.score) for h in every if h.score >= threshold]
            found = [(h.list_id, h.entity_id, h.score) for h in matcher.screen(query, threshold)]
            assert found == kept, (query, threshold)
            checked += bool(kept)
    assert checked > 100
