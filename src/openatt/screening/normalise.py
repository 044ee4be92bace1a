"""Name normalisation for screening: one Latin, case-folded, token form for every script.

Steps, in order: transliterate to ASCII with ``anyascii`` (Cyrillic, Arabic, Persian, Hebrew,
Greek, Chinese as pinyin, Korean, Japanese kana...; diacritics are dropped on the way), case-
fold, turn punctuation into spaces (apostrophes are removed so ``O'Brien`` stays one token),
then drop legal forms (LLC, OOO, GmbH...) and honorifics (Mr, Haji, General...) listed in
the algorithm's name rules (``data/name_rules_v2.yaml``) - unless that would leave nothing. Token order is not kept
significant by the matcher; the normaliser keeps it so the compact form can be compared too.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import yaml
from anyascii import anyascii

from openatt.screening.algorithm import SAFE_LOADER, parameters

_APOSTROPHES = re.compile(r"['`\u2019\u02bb\u02bc]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_VOWELS = re.compile(r"[aeiouwy]")
_REPEATS = re.compile(r"(.)\1+")
# _VOWELS as a str.translate table: the same deletions without the regular expression.
_DROP_VOWELS = str.maketrans("", "", "aeiouwy")


@functools.cache
def _rules() -> dict[str, list[object]]:
    name = parameters().name_rules
    text = resources.files("openatt.screening").joinpath(f"data/{name}").read_text("utf-8")
    loaded: dict[str, list[object]] = yaml.load(text, Loader=SAFE_LOADER)
    return loaded


@functools.cache
def _phrases() -> tuple[tuple[str, ...], ...]:
    """Legal forms and honorifics as token tuples, longest first."""
    raw = _rules()
    phrases = {
        tuple(_NON_ALNUM.sub(" ", str(p).casefold()).split())
        for key in ("legal_forms", "honorifics")
        for p in raw[key]
    }
    return tuple(sorted((p for p in phrases if p), key=len, reverse=True))


@functools.cache
def _phrase_index() -> dict[str, tuple[tuple[str, ...], ...]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in _phrases():
        index.setdefault(phrase[0], []).append(phrase)
    return {key: tuple(value) for key, value in index.items()}


@functools.cache
def _rewrites() -> tuple[tuple[str, str], ...]:
    pairs: list[list[str]] = _rules()["skeleton_rewrites"]  # type: ignore[assignment]
    return tuple((str(pair[0]), str(pair[1])) for pair in pairs)


def ascii_fold(text: str) -> str:
    """Transliterate to ASCII and case-fold, punctuation to spaces."""
    latin = text if text.isascii() else anyascii(text)
    return _NON_ALNUM.sub(" ", _APOSTROPHES.sub("", latin.casefold())).strip()


_FUZZY_FORM_LENGTH = 5


@functools.cache
def _form_words() -> dict[str, str]:
    """One-deletion neighbourhood of each legal-form word of 5+ letters -> the word, so that
    a misspelt legal form ("COMAPNY", "LIMTED") is recognised and removed too. Honorifics
    are matched exactly only: "Coronel" is a surname as well as a misspelt "colonel"."""
    words = sorted(
        {
            word
            for p in _rules()["legal_forms"]
            for word in _NON_ALNUM.sub(" ", str(p).casefold()).split()
            if len(word) >= _FUZZY_FORM_LENGTH
        }
    )
    # Sorted, and the words themselves before any deletion: a deletion two words share
    # ("limite": "limited", "limitee") must go to the same word in every process, whatever
    # the order a set of strings happens to iterate in.
    table: dict[str, str] = {word: word for word in words}
    for word in words:
        for i in range(len(word)):
            table.setdefault(word[:i] + word[i + 1 :], word)
    return table


_CANONICAL: dict[str, str] = {}


def _canonical_form_word(token: str) -> str:
    """The legal-form word ``token`` misspells, or ``token`` (remembered: a list repeats its
    words, and this runs for every word of every name when an index is built)."""
    found = _CANONICAL.get(token)
    if found is None:
        found = _CANONICAL[token] = _canonical_uncached(token)
        if len(_CANONICAL) > 1 << 18:
            _CANONICAL.clear()
    return found


def _canonical_uncached(token: str) -> str:
    if len(token) < _FUZZY_FORM_LENGTH or token in _phrase_index():
        return token
    table = _form_words()
    if token in table:
        return table[token]
    for i in range(len(token)):
        found = table.get(token[:i] + token[i + 1 :])
        if found is not None and abs(len(found) - len(token)) <= 1:
            return found
    return token


def _strip_phrases(raw: list[str]) -> list[str]:
    index = _phrase_index()
    tokens = [_canonical_form_word(token) for token in raw]
    kept: list[str] = []
    position = 0
    while position < len(tokens):
        for phrase in index.get(tokens[position], ()):
            if tuple(tokens[position : position + len(phrase)]) == phrase:
                position += len(phrase)
                break
        else:
            kept.append(raw[position])
            position += 1
    return kept


@functools.lru_cache(maxsize=262144)
def name_tokens(text: str) -> tuple[str, ...]:
    """The normalised tokens of a name; legal forms and honorifics are removed unless that
    would leave nothing."""
    tokens = ascii_fold(text).split()
    stripped = _strip_phrases(tokens)
    return tuple(stripped or tokens)


@functools.cache
def _final_rewrites() -> tuple[tuple[str, str], ...]:
    pairs: list[list[str]] = _rules().get("skeleton_final_rewrites", [])  # type: ignore[assignment]
    return tuple((str(pair[0]), str(pair[1])) for pair in pairs)


@functools.lru_cache(maxsize=262144)
def skeleton(token: str) -> str:
    """A consonant skeleton that equates common transliteration variants of one token."""
    out = token
    for old, new in _final_rewrites():
        if len(out) > len(old) + 2 and out.endswith(old):
            out = out[: -len(old)] + new
            break
    for old, new in _rewrites():
        out = out.replace(old, new)
    kept = out.translate(_DROP_VOWELS) or out
    # Most skeletons repeat no letter: the search is cheaper than a substitution's template.
    return _REPEATS.sub(r"\1", kept) if _REPEATS.search(kept) else kept


VowelFrame = tuple[str, tuple[str, ...]]


@functools.cache
def _vowel_rules() -> tuple[
    tuple[tuple[re.Pattern[str], str], ...], frozenset[str], dict[str, frozenset[str]]
]:
    """(rewrites, vowel symbols, values of each vowel group) of ``vowel_variants`` in the
    name rules; empty when the rules have none (openatt-match-v1 and v2)."""
    raw = _rules().get("vowel_variants")
    if not isinstance(raw, dict):
        return ((), frozenset(), {})
    rewrites = tuple((re.compile(str(old)), str(new)) for old, new in raw["rewrites"])
    values = {str(k): frozenset(str(x) for x in v) for k, v in raw["vowel_values"].items()}
    return rewrites, frozenset(str(raw["vowels"])), values


@functools.cache
def _vowel_steps() -> tuple[tuple[re.Pattern[str], str | None, str], ...]:
    """The rewrites of :func:`_vowel_rules` as (pattern, the pattern's text when it is a
    plain string, replacement): a plain string with a plain replacement is replaced with
    ``str.replace``, which finds the same non-overlapping matches from the left as
    ``re.sub`` at a fraction of the cost (most of the rewrites are such pairs of letters)."""
    return tuple(
        (
            pattern,
            pattern.pattern
            if re.escape(pattern.pattern) == pattern.pattern and "\\" not in new and pattern.pattern
            else None,
            new,
        )
        for pattern, new in _vowel_rules()[0]
    )


@functools.lru_cache(maxsize=262144)
def vowel_frame(token: str) -> VowelFrame:
    """A token's consonants, letter for letter with doubled letters written once and ``*``
    where a group of vowels stands, and those vowel groups, after the Persian and Arabic
    rewrites of the name rules: "Hossein" and "Husayn" both give ``("h*s*n", ...)``."""
    vowels = _vowel_rules()[1]
    out = token
    for old, new in _final_rewrites():
        if len(out) > len(old) + 2 and out.endswith(old):
            out = out[: -len(old)] + new
            break
    for pattern, literal, new in _vowel_steps():
        out = out.replace(literal, new) if literal is not None else pattern.sub(new, out)
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


def vowel_variants(a: VowelFrame, b: VowelFrame) -> bool:
    """Two frames of :func:`vowel_frame` spell one name with other vowels: the same
    consonants in the same places, and each pair of vowel groups sharing a value."""
    if a[0] != b[0] or not a[1]:
        return False
    values = _vowel_rules()[2]
    return all(
        values.get(x, frozenset((x,))) & values.get(y, frozenset((y,)))
        for x, y in zip(a[1], b[1], strict=True)
    )


def same_shape(a: VowelFrame, b: VowelFrame) -> bool:
    """As many vowel groups, and both starting with a vowel or both not; a token written
    without vowels (Arabic script through anyascii: "mhmd") has every shape."""
    if not a[1] or not b[1]:
        return True
    return len(a[1]) == len(b[1]) and a[0][:1].startswith("*") == b[0][:1].startswith("*")


def skeleton_keys(token: str, own: str | None = None) -> tuple[str, ...]:
    """Skeletons of a token, also without an Arabic article (``al-``/``el-``, or the ``l``
    that anyascii writes for Arabic-script ``ال``); ``own`` is the token's skeleton when
    it is known already (an index build has it), so that it is not worked out again."""
    keys = [skeleton(token) if own is None else own]
    if len(token) > 4 and token[:2] in ("al", "el"):
        keys.append(skeleton(token[2:]))
    elif len(token) > 3 and token[0] == "l" and token[1] not in "aeiouy":
        keys.append(skeleton(token[1:]))
    return tuple(k for k in keys if len(k) >= 3)


@functools.cache
def _patronymic_suffixes() -> tuple[str, ...]:
    return tuple(str(x) for x in _rules()["patronymic_suffixes"])


def token_weight_factor(token: str) -> float:
    """How much a token counts when it is missing from the other side (patronymics less)."""
    if len(token) > 6 and token.endswith(_patronymic_suffixes()):
        return float(_rules()["patronymic_weight"])  # type: ignore[arg-type]
    return 1.0


def token_key_text(token: str, own: str | None = None) -> str:
    """A token's skeleton and vowel frame in one ASCII line, "skeleton frame groups"
    (groups joined by commas): what an index build writes for each vocabulary token, so that
    a query reads the keys of the listed tokens it compares instead of working them out.
    Skeletons, frames and vowel groups hold letters, digits and ``*`` only (no space, no
    comma); ``own`` is the token's skeleton when it is known already."""
    frame, groups = vowel_frame(token)
    return f"{skeleton(token) if own is None else own} {frame} {','.join(groups)}"


def token_keys_of_text(text: str) -> tuple[str, VowelFrame]:
    """The (skeleton, vowel frame) that :func:`token_key_text` wrote."""
    own, frame, groups = text.split(" ")
    return own, (frame, tuple(groups.split(",")) if groups else ())
