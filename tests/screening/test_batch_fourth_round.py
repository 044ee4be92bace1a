"""Batches, fourth round: the faster paths give exactly what the plain ones gave.

Each test holds a rewritten step equal to the formulation it replaced (written out here as
the reference), on the tokens and entities of the real lists:

* romanised readings: ASCII folding, chunks looked up per first letter, plain letters
  written with ``str.translate``;
* consonant skeletons and vowel frames: vowels dropped with ``str.translate``, plain-letter
  rewrites with ``str.replace``;
* the greedy alignment reading a name's similarities in place from the query's matrix;
* grouping: a name spelt the same by two entries found by hashing.
"""

from __future__ import annotations

import random
import re
from typing import Any

import iuliia
from anyascii import anyascii

from openatt.screening import Matcher, Query, normalise, romanise
from openatt.screening import matcher as matcher_module
from openatt.screening.matcher import Hit, group_listings
from openatt.screening.scoring import aligned_similarity


def _vocabulary(matcher: Matcher, step: int) -> list[str]:
    """Every ``step``-th token of each real list's vocabulary."""
    return [
        item.index.vocab.get(i)
        for item in matcher._lists
        for i in range(0, len(item.index.idf), step)
    ]


# -- romanised readings ------------------------------------------------------------------
def _plain_folded(latin: str) -> str:
    return "".join(c for c in anyascii(latin).casefold() if c.isalnum())


def _plain_single_changes(token: str, inverse: dict[str, tuple[str, ...]], cap: int) -> list[str]:
    chunks: list[tuple[str, ...]] = []
    position = 0
    while position < len(token):
        for size in range(min(romanise._MAX_CHUNK, len(token) - position), 0, -1):
            letters = inverse.get(token[position : position + size])
            if letters:
                chunks.append(letters)
                position += size
                break
        else:
            return []
    base = [letters[0] for letters in chunks]
    found = ["".join(base)]
    for number, letters in enumerate(chunks):
        for other in letters[1:]:
            if len(found) >= cap:
                return found
            found.append("".join([*base[:number], other, *base[number + 1 :]]))
    return found


def _plain_readings(token: str, inverse: dict[str, tuple[str, ...]], cap: int) -> list[str]:
    found: list[str] = []

    def walk(position: int, built: str) -> None:
        if len(found) >= cap:
            return
        if position == len(token):
            found.append(built)
            return
        for size in range(min(romanise._MAX_CHUNK, len(token) - position), 0, -1):
            letters = inverse.get(token[position : position + size])
            if letters:
                for letter in letters:
                    walk(position + size, built + letter)
                return

    walk(0, "")
    return found


def _plain_write(name: str, word: str) -> str:
    """iuliia itself: what the lists' conventions write for a Cyrillic word."""
    return str(iuliia.schemas.get(name).translate(word))


def _plain_variants(token: str) -> tuple[str, ...]:
    """``romanised_variants`` as it was written before this round."""
    if len(token) < 3 or not token.isalpha():
        return ()
    rules = romanise._rules()
    cap = int(rules["max_readings"])
    writers = [str(name) for name in rules["write_as"] if iuliia.schemas.get(str(name))]
    out: dict[str, None] = {}
    written: set[str] = set()
    read = _plain_single_changes if rules.get("readings") == "single changes" else _plain_readings
    for inverse, endings in zip(romanise._inverse_tables(), romanise._endings(), strict=True):
        found = [
            stem + cyrillic_end
            for latin_end, cyrillic_end in endings
            if len(token) > len(latin_end) + 2 and token.endswith(latin_end)
            for stem in read(token[: -len(latin_end)], inverse, cap)
        ]
        for cyrillic in found + read(token, inverse, cap):
            if cyrillic in written:
                continue
            written.add(cyrillic)
            for writer in writers:
                spelled = _plain_folded(_plain_write(writer, cyrillic))
                if spelled and spelled != token:
                    out[spelled] = None
    return tuple(out)[: int(rules["max_spellings"])]


def test_romanised_readings_are_the_plain_reading_and_writing(matcher: Matcher) -> None:
    tokens = [
        *_vocabulary(matcher, 23),
        "wassilij",
        "petrowitsch",
        "schtscheglow",
        "oumnov",
        "chtcheglov",
        "jelzin",
        "tschernow",
        "solotow",
        "dmitri",
        "juri",
        "alexej",
    ]
    romanise.romanised_variants.cache_clear()
    with_readings = 0
    for token in tokens:
        got = romanise.romanised_variants(token)
        assert got == _plain_variants(token), token
        with_readings += bool(got)
    assert len(tokens) > 1000 and with_readings > 500  # real readings were compared


def test_folding_and_writing_are_the_plain_ones_on_every_kind_of_spelling() -> None:
    for text in ("Abc", "ab'c", "x-Y z", "ščё", "\u2019", "Ǆ", "ab1", "", "e\u0301"):
        assert romanise._folded(text) == _plain_folded(text), text
    rng = random.Random(16)
    letters = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    for name in (str(n) for n in romanise._rules()["write_as"]):
        words = [
            "".join(rng.choice(letters) for _ in range(rng.randint(1, 9))) for _ in range(3000)
        ]
        # Words where BGN/PCGN's rules after and before a letter apply (ie at the start
        # and after a vowel; te-es, sha-che, short i-a).
        contextual = (
            "\u0435 \u0435\u0435 \u044b\u0435 \u0451\u0436 \u0442\u0441 \u0448\u0447 \u0439\u0430"
        )
        for word in [*words, *contextual.split()]:
            assert romanise.write_word(name, word) == _plain_write(name, word), (name, word)


# -- skeletons and vowel frames -------------------------------------------------------------
_VOWELS = re.compile(r"[aeiouwy]")


def _plain_skeleton(token: str) -> str:
    out = token
    for old, new in normalise._final_rewrites():
        if len(out) > len(old) + 2 and out.endswith(old):
            out = out[: -len(old)] + new
            break
    for old, new in normalise._rewrites():
        out = out.replace(old, new)
    consonants = _VOWELS.sub("", out)
    return normalise._REPEATS.sub(r"\1", consonants or out)


def _plain_vowel_frame(token: str) -> normalise.VowelFrame:
    rewrites, vowels, _ = normalise._vowel_rules()
    out = token
    for old, new in normalise._final_rewrites():
        if len(out) > len(old) + 2 and out.endswith(old):
            out = out[: -len(old)] + new
            break
    for pattern, new in rewrites:
        out = pattern.sub(new, out)
    frame: list[str] = []
    groups: list[str] = []
    previous = ""
    for letter in out:
        if letter in vowels:
            if previous in vowels and groups:
                groups[-1] += letter
            else:
                groups.append(letter)
                frame.append("*")
        elif letter != previous:
            frame.append(letter)
        previous = letter
    return "".join(frame), tuple(groups)


def test_skeletons_and_vowel_frames_are_the_regular_expression_ones(matcher: Matcher) -> None:
    tokens = [
        *_vocabulary(matcher, 2),
        "aaaa",
        "wwww",
        "zzz",
        "hossein",
        "husayn",
        "shaikh",
        "muhammad",
        "mhmd",
        "ouou",
        "deyhim",
        "thouraya",
        "djamel",
        "ghazaleh",
        "b",
        "",
    ]
    assert len(tokens) > 10_000
    normalise.skeleton.cache_clear()
    normalise.vowel_frame.cache_clear()
    for token in tokens:
        assert normalise.skeleton(token) == _plain_skeleton(token), token
        assert normalise.vowel_frame(token) == _plain_vowel_frame(token), token
    steps = normalise._vowel_steps()
    assert any(literal is None for _, literal, _ in steps)  # the look-ahead ones stay patterns
    assert any(literal is not None for _, literal, _ in steps)


# -- alignment and grouping ---------------------------------------------------------------
def test_alignment_read_in_place_is_the_alignment_of_the_copied_rows() -> None:
    rng = random.Random(4)
    levels = [0.0, 0.4, 0.6, 0.75, 0.8, 0.85, 0.9, 1.0]
    for _ in range(3000):
        query = [f"q{i}" for i in range(rng.randint(1, 4))]
        table = [[rng.choice(levels) for _ in range(8)] for _ in query]
        # A name's tokens as columns of the query's matrix; a token may be there twice.
        picked = [rng.randrange(8) for _ in range(rng.randint(1, 5))]
        listed = [f"c{c}" for c in picked]
        rows = [[row[c] for c in picked] for row in table]
        c_weights = [rng.choice([0.7, 1.3, 4.2]) for _ in listed]
        q_weights = [rng.choice([0.7, 1.3, 4.2]) for _ in query]
        copied = aligned_similarity(query, listed, rows, c_weights, q_weights)
        in_place = aligned_similarity(query, listed, table, c_weights, q_weights, picked)
        assert (in_place.score, in_place.pairs, in_place.method) == (
            copied.score,
            copied.pairs,
            copied.method,
        )


def _plain_same_party(a: Any, b: Any) -> bool:
    """``same_party`` as it was written before: every pair of name keys compared."""
    keys: dict[int, list[frozenset[str]]] = {}
    grouping = matcher_module.parameters().grouping
    if a.schema is not b.schema and not (
        grouping is not None
        and grouping.unknown_kind_agrees
        and matcher_module.Schema.unknown in (a.schema, b.schema)
    ):
        return False
    years_a, years_b = matcher_module._years(a), matcher_module._years(b)
    if years_a and years_b and not years_a & years_b:
        tolerance = grouping.birth_year_tolerance if grouping is not None else 0
        if not tolerance or not any(
            abs(int(x) - int(y)) <= tolerance
            for x in years_a
            for y in years_b
            if x.isdigit() and y.isdigit()
        ):
            return False
    keys_a = keys.setdefault(id(a), matcher_module._party_keys(a))
    keys_b = keys.setdefault(id(b), matcher_module._party_keys(b))
    return any(
        x == y or (len(x) >= 2 and len(y) >= 2 and (x <= y or y <= x))
        for x in keys_a
        for y in keys_b
    )


def test_grouping_by_hashing_is_every_pair_compared(matcher: Matcher) -> None:
    queries = [
        Query("Viktor Vasilyevich ZOLOTOV"),
        Query("Qasim Soleimani"),
        Query("Fatemeh Mohammadi"),
        Query("Kim Jong Un"),
        Query("Mohammed Ali"),
        Query("Aerospace Trading"),
    ]
    hits: list[Hit] = []
    for query in queries:
        found = matcher.screen(query, threshold=0.5)
        hits.extend(found)
        grouped = group_listings(matcher.screen(query, threshold=0.5))
        assert sum(1 + len(g.also_listed) for g in grouped) == len(found)
    entities = [h.entity for h in hits if h.entity is not None]
    assert len(entities) >= 15
    same = 0
    for a in entities:
        for b in entities:
            expected = _plain_same_party(a, b)
            assert matcher_module.same_party(a, b) == expected, (a.entity_id, b.entity_id)
            same += expected and a is not b
    assert same >= 5  # entries grouped with others were compared, not only strangers
