"""Other readings of romanised Russian names and Persian spellings (openatt-match-v2)."""

from __future__ import annotations

from pathlib import Path

from openatt.screening import Matcher, Query
from openatt.screening.algorithm import config
from openatt.screening.normalise import skeleton
from openatt.screening.romanise import romanised_variants


def test_german_duden_spellings_are_read_as_the_lists_write_them() -> None:
    assert {"vasilii", "vasiliy"} & set(romanised_variants("wassilij"))
    assert "petrovich" in romanised_variants("petrowitsch")
    assert "umnov" in romanised_variants("umnow")
    assert "shcheglov" in romanised_variants("schtscheglow")


def test_french_and_iso9_spellings() -> None:
    assert "umnov" in romanised_variants("oumnov")
    assert "petrovich" in romanised_variants("petrovitch")
    assert "petrovich" in romanised_variants("petrovic")  # ISO 9 "Petrovič", folded


def test_readings_are_bounded_and_skip_what_is_not_a_word() -> None:
    assert romanised_variants("ab") == ()
    assert romanised_variants("1234") == ()
    cap = 6
    assert all(len(romanised_variants(t)) <= cap for t in ("vasilij", "jelzin", "chtcheglov"))


def test_persian_final_eh_shares_the_arabic_skeleton() -> None:
    assert skeleton("fatemeh") == skeleton("fatima")
    assert skeleton("zahrah") == skeleton("zahra")
    assert skeleton("shah") != skeleton("sha")  # too short for the final rewrite


def test_the_algorithm_in_force_is_v3_and_v1_v2_are_kept_as_they_were() -> None:
    from importlib import resources

    from openatt.screening.algorithm import load_parameters

    assert config()["algorithm"] == "openatt-match-v3"
    v1 = resources.files("openatt.screening").joinpath("data/match_v1.yaml").read_text("utf-8")
    assert "algorithm: openatt-match-v1" in v1 and "romanis" not in v1
    v2 = load_parameters("match_v2.yaml")
    assert v2.algorithm == "openatt-match-v2" and v2.romanisation == "romanisation_v2.yaml"
    assert v2.name.vowel_variant_similarity is None and v2.grouping is None


def test_german_romanisation_finds_the_canadian_listing(matcher: Matcher) -> None:
    """Canada lists "Viktor Vasilyevich ZOLOTOV"; a German file writes "Wiktor Wassiljewitsch
    Solotow" (Duden: w for в, s for з, tsch for ч)."""
    hits = matcher.screen(Query("Wiktor Wassiljewitsch Solotow", kind="person"))
    assert any(h.list_id == "ca-sema" and "ZOLOTOV" in h.matched_name for h in hits)
    top = next(h for h in hits if "ZOLOTOV" in h.matched_name)
    assert "wiktor~viktor" in top.explanation["features"][0]["reason"]


def test_romanisation_does_not_turn_an_unrelated_name_into_a_hit(matcher: Matcher) -> None:
    assert matcher.screen(Query("Wilhelm Schwarzkopf", kind="person")) == []


def test_readings_are_written_out_as_iuliia_writes_them(lists_dir: Path) -> None:
    """The fast writer gives iuliia's own spelling for every Russian name of the Wikidata
    pairs (endings such as -ий and -ье, letters after vowels, ъ and ь included)."""
    import iuliia

    from openatt.screening.romanise import write_word

    path = lists_dir / "name-transliteration-wikidata/wd_russian_20.tsv"
    words = {  # each line: Latin, the Cyrillic letters separated by spaces, a count
        line.split("\t")[1].replace(" ", "").lower()
        for line in path.read_text("utf-8").splitlines()[:5000]
        if line.count("\t") >= 1
    }
    words |= {"дмитрий", "ильич", "объект", "подъезд", "вьюга", "юрьев", "ёж", "ая", "щи"}
    assert len(words) > 1000
    for name in ("icao_doc_9303", "bgn_pcgn", "mvd_310_fr"):
        schema = iuliia.schemas.get(name)
        different = [w for w in sorted(words) if write_word(name, w) != schema.translate(w)]
        assert different == [], (name, different[:5])
