"""openatt-match-v3's rules: Persian and Arabic vowel variants, skeletons of one shape,
numbers, the Duden rules for German readings of Russian names, and grouping. Each rule is
tested with spellings that must match and near names that must not."""

from __future__ import annotations

import pytest

from openatt.screening import Matcher, Query
from openatt.screening.algorithm import load_parameters, parameters
from openatt.screening.matcher import same_party
from openatt.screening.model import ListEntity, Name, Schema
from openatt.screening.romanise import foreign_spelling, romanised_variants
from openatt.screening.scoring import similarity_matrix, token_similarity


@pytest.mark.parametrize(
    ("persian", "arabic"),
    [
        ("hossein", "husayn"),
        ("hossein", "hussein"),
        ("fatemeh", "fatima"),
        ("mohammad", "muhammad"),
        ("mohammed", "muhammad"),
        ("ebrahim", "ibrahim"),
        ("abdoul", "abdul"),
        ("reza", "riza"),
        ("mahmoud", "mahmud"),
        ("omar", "umar"),
        ("hamed", "hamid"),
        ("zeinab", "zaynab"),
        ("mohsen", "muhsin"),
        ("javad", "jawad"),
    ],
)
def test_persian_and_arabic_spellings_of_one_name_are_vowel_variants(
    persian: str, arabic: str
) -> None:
    value = parameters().name.vowel_variant_similarity
    assert value is not None
    assert token_similarity(persian, arabic) >= value
    assert similarity_matrix([persian], [arabic])[0][0] >= value  # the batch path agrees


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ahmad", "hamid"),  # the same consonants in another order of vowels
        ("omar", "amir"),  # o is u, never a
        ("hassan", "hussein"),  # a is not u
        ("maurico", "mark"),  # same skeleton, other shape
        ("aksianchuk", "aksyonenko"),
        ("karim", "karam"),  # i is never a
    ],
)
def test_near_names_are_not_vowel_variants(one: str, other: str) -> None:
    value = parameters().name.vowel_variant_similarity
    assert value is not None
    assert token_similarity(one, other) < value
    assert similarity_matrix([one], [other])[0][0] < value


def test_the_skeleton_similarity_needs_tokens_of_one_shape() -> None:
    skeleton_value = parameters().name.skeleton_similarity
    assert token_similarity("maurico", "mark") < skeleton_value
    assert token_similarity("ahmad", "hamid") < skeleton_value
    # Arabic script through anyascii has no vowels: it keeps every shape.
    assert token_similarity("mhmd", "muhammad") == skeleton_value


def test_different_numbers_are_different_names() -> None:
    assert token_similarity("7605", "7601") == 0.0
    assert similarity_matrix(["7605", "fu"], ["7601", "7605", "fu"])[0].tolist() == [0.0, 1.0, 0.0]
    assert token_similarity("7605", "7605") == 1.0


def test_the_number_rule_holds_for_letters_and_digits_in_the_matrix_too() -> None:
    """Found in review (2026-12-05): the matrix applied the skeleton and vowel rules after
    the number rule, so "YV2994" hit the aircraft listed as "YV2944" (OFAC 28414) at 0.85,
    where the token rule gives 0.0."""
    pairs = [("yv2944", "yv2994"), ("a320", "e320"), ("b1ak", "b1ek"), ("7a5b", "7e5b")]
    for query, listed in pairs:
        assert token_similarity(query, listed) == 0.0
        assert similarity_matrix([query], [listed, "x"]).tolist() == [[0.0, 0.0]]
    # the matrix is the token rule, pair by pair, on tokens with and without digits
    queries = ["yv2944", "a320", "hossein", "mhmd", "33rd", "7605", "ali"]
    listed = ["yv2994", "e320", "husayn", "muhammad", "3rd", "7605", "aly", "a320x"]
    matrix = similarity_matrix(queries, listed)
    for i, query in enumerate(queries):
        for j, other in enumerate(listed):
            assert matrix[i][j] == token_similarity(query, other), (query, other)


def test_german_readings_follow_the_duden_rules_on_several_letters() -> None:
    assert "aleksey" in romanised_variants("alexej")  # x for кс
    assert "maksimovich" in romanised_variants("maximowitsch")
    assert "dmitriy" in romanised_variants("dmitri")  # no й written after и at the end
    assert "yuriy" in romanised_variants("juri")
    assert "zolotov" in romanised_variants("solotow")  # s may be з: the first letter varies
    assert "shestakov" in romanised_variants("schestakow")  # sch is more often ш than ж
    assert "petrovich" in romanised_variants("petrovic")  # ISO 9, as in v2


def test_only_tokens_the_lists_conventions_cannot_write_are_read_again() -> None:
    assert foreign_spelling("juri") and foreign_spelling("wiktor") and foreign_spelling("alexej")
    assert not foreign_spelling("yuriy") and not foreign_spelling("ivanov")


def test_a_persian_spelling_finds_the_un_listing(matcher: Matcher) -> None:
    """UN lists "Husayn Muhammad al-Juaythini"; an Iranian document writes the Persian way."""
    hits = matcher.screen(Query("Hossein Mohammad al-Joueitheni", kind="person"), group=True)
    found = [h for h in hits if "JUAYTHINI" in h.matched_name.upper().replace("'", "")]
    assert found and "un-sc-consolidated" in {list_id for list_id, _ in found[0].listings}
    reason = found[0].explanation["features"][0]["reason"]
    assert "hossein~husayn 0.95" in reason and "joueitheni~juaythini 0.95" in reason


def test_a_german_spelling_held_by_the_list_is_read_too(matcher: Matcher) -> None:
    """Canada lists "Viktor Vasilyevich ZOLOTOV": "Juri"-like tokens the lists hold as written
    are read under the German convention for scoring as well."""
    hits = matcher.screen(Query("Wiktor Wassiljewitsch Solotow", kind="person"))
    assert any("ZOLOTOV" in h.matched_name for h in hits)


def test_near_names_of_listed_persons_stay_unflagged(matcher: Matcher) -> None:
    for name in (
        "Hamid Mohammad al-Juaythini",  # another first name than the listed Husayn
        "Wilhelm Schwarzkopf",  # German letters, no Russian name behind them
        "Karam Omar Hassan",
        "Ahmad Hamidi",
    ):
        assert matcher.screen(Query(name, kind="person")) == [], name


def test_grouping_across_an_unknown_kind_and_a_year_of_birth_apart() -> None:
    csl = ListEntity("c", Schema.unknown, [Name("Crimean Railway")])
    ofac = ListEntity("o", Schema.organization, [Name("CRIMEAN RAILWAY")])
    person = ListEntity("p", Schema.person, [Name("Crimean Railway")])
    assert same_party(csl, ofac) and same_party(csl, person)
    assert not same_party(ofac, person)  # two known kinds that differ still differ
    un = ListEntity("u", Schema.person, [Name("DJAMEL AKKACHA")], birth_dates=["1978-05-09"])
    sdn = ListEntity("s", Schema.person, [Name("DJAMEL, Akkacha")], birth_dates=["1979"])
    far = ListEntity("f", Schema.person, [Name("Akkacha Djamel")], birth_dates=["1981"])
    assert same_party(un, sdn)
    assert not same_party(un, far)


def test_v2_is_loadable_and_has_none_of_the_v3_rules() -> None:
    v2 = load_parameters("match_v2.yaml")
    assert v2.name.vowel_variant_similarity is None
    assert not v2.name.skeleton_same_shape and not v2.name.romanise_known_tokens
    assert v2.name.number_mismatch_similarity is None and v2.grouping is None
    v3 = parameters()
    assert v3.algorithm == "openatt-match-v3"
    assert (v3.default_threshold, v3.name.token_floor) == (
        v2.default_threshold,
        v2.name.token_floor,
    )
    assert v3.features == v2.features and v3.candidates == v2.candidates
