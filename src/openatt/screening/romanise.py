"""Other readings of a romanised Cyrillic name: "Wassilij" (German) is "Vasiliy" (BGN/PCGN).

A Latin token may have been romanised from Russian under a convention other than the one the
lists use: German (Duden: w, sch, tsch, j), French (ou, ch, tch, ia), ISO 9 or the scientific
system (j, c, s for ч ш after folding). For each convention in ``data/romanisation_v2.yaml``
the token is read back into Cyrillic (every reading, up to a cap, since "sch" is both ж and ш)
and the Cyrillic written out under the conventions the lists use (ICAO Doc 9303 and BGN/PCGN).
The tables come from iuliia where it has them; the German one is data with its source.

Pure functions of the token, cached: the same query tokens recur across a batch.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import iuliia
import yaml
from anyascii import anyascii

from openatt.screening.algorithm import SAFE_LOADER, parameters

_MAX_CHUNK = 8


@functools.cache
def _rules() -> dict[str, Any]:
    name = str(parameters().romanisation)
    text = resources.files("openatt.screening").joinpath(f"data/{name}").read_text("utf-8")
    loaded: dict[str, Any] = yaml.load(text, Loader=SAFE_LOADER)
    return loaded


def _folded(latin: str) -> str:
    if latin.isascii():
        # anyascii leaves ASCII as it is, and casefold is lower for it: the same result
        # without a generator per character (a batch folds tens of thousands of spellings).
        lowered = latin.lower()
        return lowered if lowered.isalnum() else "".join(filter(str.isalnum, lowered))
    return "".join(c for c in anyascii(latin).casefold() if c.isalnum())


def _convention_table(entry: dict[str, Any]) -> dict[str, list[str]]:
    """Cyrillic letter -> the Latin spellings the convention gives it (ASCII-folded)."""
    table: dict[str, list[str]] = {}
    if "iuliia" in entry:
        schema = iuliia.schemas.get(str(entry["iuliia"]))
        if schema is None:
            raise LookupError(f"romanisation: iuliia has no schema {entry['iuliia']!r}")
        # The schema's own letter table (its context rules only refine the writing side).
        mapping = json.loads(Path(schema.path).read_text("utf-8"))["mapping"]
        for letter, value in mapping.items():
            table[str(letter)] = [_folded(str(value))]
    for letter, value in (entry.get("table") or {}).items():
        values = value if isinstance(value, list) else [value]
        table[str(letter)] = [_folded(str(v)) for v in values]
    return table


@functools.cache
def _inverse_tables() -> tuple[dict[str, tuple[str, ...]], ...]:
    """Per reading convention: Latin chunk -> the Cyrillic letters it can stand for."""
    tables = []
    for entry in _rules()["read_as"]:
        inverse: dict[str, list[str]] = {}
        table = _convention_table(entry)
        # A letter's first spelling comes before another letter's alternative one: German
        # "o" is read as the Cyrillic o before yo.
        for rank in range(max((len(s) for s in table.values()), default=0)):
            for letter, spellings in table.items():
                if rank < len(spellings) and spellings[rank]:
                    inverse.setdefault(spellings[rank], []).append(letter)
        # Latin chunks the convention writes for a group of letters (Duden: x for кс).
        for chunk, letters in (entry.get("chunks") or {}).items():
            inverse.setdefault(_folded(str(chunk)), []).append(str(letters))
        # Where one chunk stands for several letters, the commoner letter is read first:
        # readings are capped, and German "sch" is far more often ш than ж.
        prefer = [str(letter) for letter in entry.get("prefer") or ()]
        order = {letter: number for number, letter in enumerate(prefer)}
        tables.append(
            {
                chunk: tuple(sorted(letters, key=lambda x: order.get(x, len(order))))
                for chunk, letters in inverse.items()
            }
        )
    return tuple(tables)


@functools.cache
def _longest_chunks() -> tuple[dict[str, int], ...]:
    """Per reading convention: the length of its longest Latin chunk starting with each
    letter (at most ``_MAX_CHUNK``); longer slices of a token are never in its table, so
    they are not looked up, and a letter no chunk starts with is found at once."""
    tables = []
    for inverse in _inverse_tables():
        longest: dict[str, int] = {}
        for chunk in inverse:
            if chunk:
                longest[chunk[0]] = min(_MAX_CHUNK, max(longest.get(chunk[0], 0), len(chunk)))
        tables.append(longest)
    return tuple(tables)


@functools.cache
def _endings() -> tuple[tuple[tuple[str, str], ...], ...]:
    """Per reading convention: (Latin word ending, the Cyrillic it stands for), for letters
    a convention leaves out at the end of a word (Duden: no й after и or ы, "Dmitri")."""
    return tuple(
        tuple((_folded(str(k)), str(v)) for k, v in (entry.get("endings") or {}).items())
        for entry in _rules()["read_as"]
    )


def _readings(
    token: str,
    inverse: dict[str, tuple[str, ...]],
    cap: int,
    longest: dict[str, int] | None = None,
) -> list[str]:
    """Cyrillic strings ``token`` can be read as under one convention (longest chunks
    first; a letter the convention does not use makes the token unreadable under it)."""
    found: list[str] = []

    def walk(position: int, built: str) -> None:
        if len(found) >= cap:
            return
        if position == len(token):
            found.append(built)
            return
        most = _MAX_CHUNK if longest is None else longest.get(token[position], 0)
        for size in range(min(most, len(token) - position), 0, -1):
            letters = inverse.get(token[position : position + size])
            if letters:
                for letter in letters:
                    walk(position + size, built + letter)
                return

    walk(0, "")
    return found


def _single_changes(
    token: str,
    inverse: dict[str, tuple[str, ...]],
    cap: int,
    longest: dict[str, int] | None = None,
) -> list[str]:
    """Like :func:`_readings`, but after the reading with every chunk's first letter, the
    readings that change one chunk to another letter, the first chunks first: a capped
    depth-first walk only ever varies the last letters, and the first letter of a name
    (German "s" for з in "Solotow") decides more than its ending."""
    chunks: list[tuple[str, ...]] = []
    position = 0
    while position < len(token):
        most = _MAX_CHUNK if longest is None else longest.get(token[position], 0)
        for size in range(min(most, len(token) - position), 0, -1):
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


_Tables = tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]


@functools.cache
def _writer_tables(name: str) -> _Tables:
    """(letters, after a letter, before a letter, word endings) of an iuliia schema, read
    from its own file (the lower-case tables: readings are lower-case)."""
    schema = iuliia.schemas.get(name)
    if schema is None:
        raise LookupError(f"romanisation: iuliia has no schema {name!r}")
    raw = json.loads(Path(schema.path).read_text("utf-8"))
    return tuple(  # type: ignore[return-value]
        {str(k): str(v) for k, v in (raw.get(key) or {}).items()}
        for key in ("mapping", "prev_mapping", "next_mapping", "ending_mapping")
    )


def write_word(name: str, word: str) -> str:
    """``iuliia.schemas.get(name).translate(word)`` for one lower-case word, with iuliia's
    rules in iuliia's order (an ending of the last two letters, then per letter: after the
    previous letter, before the next one, alone), without its per-letter generators: a batch
    writes tens of thousands of readings. Anything else goes to iuliia itself."""
    if not word.isalpha() or word != word.lower():
        return str(iuliia.schemas.get(name).translate(word))
    plain, after, before, endings = _writer_tables(name)
    letters, ending = word, None
    if len(word) > 2:
        ending = endings.get(word[-2:])
        if ending is not None:
            letters = word[:-2]
    contextual, table = _writer_letters(name)
    # Letters with no rule after or before another letter are written alone, a run of them
    # at once (str.translate); only the others are looked up one by one.
    out = []
    start = 0
    last = len(letters) - 1
    for found in contextual.finditer(letters):
        position = found.start()
        curr = letters[position]
        out.append(letters[start:position].translate(table))
        letter = after.get((letters[position - 1] if position else "") + curr)
        if letter is None:
            letter = before.get(curr + (letters[position + 1] if position < last else ""))
        if letter is None:
            letter = plain.get(curr, curr)
        out.append(letter)
        start = position + 1
    out.append(letters[start:].translate(table))
    if ending is not None:
        out.append(ending)
    return "".join(out)


@functools.cache
def _writer_letters(name: str) -> tuple[re.Pattern[str], dict[int, str]]:
    """(a pattern finding the letters some rule of schema ``name`` writes after or before
    another letter, the schema's plain letters as a ``str.translate`` table)."""
    plain, after, before, _ = _writer_tables(name)
    contextual = {key[-1] for key in after if key} | {key[0] for key in before if key}
    pattern = (
        "[" + "".join(re.escape(c) for c in sorted(contextual)) + "]" if contextual else "(?!)"
    )
    return (
        re.compile(pattern),
        {ord(letter): value for letter, value in plain.items() if len(letter) == 1},
    )


@functools.cache
def _written_letters() -> frozenset[str]:
    """Every Latin letter the conventions the lists use (``write_as``) ever write."""
    letters: set[str] = set()
    for name in _rules()["write_as"]:
        for table in _writer_tables(str(name)):
            for value in table.values():
                letters.update(_folded(value))
    return frozenset(letters)


def foreign_spelling(token: str) -> bool:
    """``token`` holds a letter the lists' own conventions never write (ICAO and BGN/PCGN
    have no j, w, x or q): it can only be another convention's spelling ("Juri", "Alexej")."""
    written = _written_letters()
    return any(letter not in written for letter in token)


@functools.lru_cache(maxsize=1 << 16)
def romanised_variants(token: str) -> tuple[str, ...]:
    """Other spellings of a normalised Latin token, read under each convention and written
    as the lists write Russian names; the token itself is not included."""
    if len(token) < 3 or not token.isalpha():
        return ()
    rules = _rules()
    cap = int(rules["max_readings"])
    writers = [str(name) for name in rules["write_as"] if iuliia.schemas.get(str(name))]
    out: dict[str, None] = {}
    written: set[str] = set()
    read = _single_changes if rules.get("readings") == "single changes" else _readings
    for inverse, endings, longest in zip(
        _inverse_tables(), _endings(), _longest_chunks(), strict=True
    ):
        found = [
            stem + cyrillic_end
            for latin_end, cyrillic_end in endings
            if len(token) > len(latin_end) + 2 and token.endswith(latin_end)
            for stem in read(token[: -len(latin_end)], inverse, cap, longest)
        ]
        for cyrillic in found + read(token, inverse, cap, longest):
            # Conventions often agree on a reading ("ivanov" is "иванов" under all of
            # them): writing it out again could only repeat spellings already found.
            if cyrillic in written:
                continue
            written.add(cyrillic)
            for writer in writers:
                spelled = _folded(write_word(writer, cyrillic))
                if spelled and spelled != token:
                    out[spelled] = None
    return tuple(out)[: int(rules["max_spellings"])]
