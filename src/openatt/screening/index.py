"""The candidate index of one list version: flat numpy arrays, written once, memory-mapped.

Every name of every entity is normalised to tokens. Retrieval looks a query token up three
ways: exactly, within one edit (a deletion neighbourhood: each vocabulary token is filed under
itself and every string one deletion away, so one lookup per query deletion finds insertions,
deletions, substitutions and transpositions), and by consonant skeleton (transliteration
variants). The names those tokens occur in are ranked by the rarity of the query tokens they
share; only the best few dozen are scored. No query ever scans the list.

Why flat arrays: at 300,000 entities a Python object per name and per neighbourhood key held
gigabytes and took a minute to build; as arrays the index is a few hundred megabytes, is built
with vectorised numpy in seconds, and is written once per list version into a folder of
``.npy`` files that a new process maps from disk (``mmap_mode="r"``) instead of rebuilding,
so a cold ``openatt screen NAME`` reads only the pages its query touches. Neighbourhood and
skeleton keys are stored as 64-bit FNV-1a hashes (sorted, searched with ``searchsorted``); a
hash collision can only add a candidate, which scoring then rejects.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import mmap
import multiprocessing
import os
import shutil
import struct
import tempfile
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from openatt.screening.algorithm import parameters
from openatt.screening.model import ListEntity, NameKind, Schema
from openatt.screening.normalise import (
    VowelFrame,
    name_tokens,
    skeleton,
    skeleton_keys,
    token_key_text,
    token_keys_of_text,
    token_weight_factor,
)

# A query token's skeleton keys, remembered: the same tokens recur across a batch.
_query_skeleton_keys = functools.lru_cache(maxsize=1 << 16)(skeleton_keys)

MIN_FUZZY_LENGTH = 4
_MAX_FUZZY_LENGTH = 20
_KEYS_KEPT = 1 << 17  # token keys remembered per process (about 30 MB at most)
_SIMILAR_CACHE = 100_000
_MAX_SKELETON_FANOUT = 64
_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK = (1 << 64) - 1
KINDS: tuple[NameKind, ...] = tuple(NameKind)
_KIND_CODE = {kind: number for number, kind in enumerate(KINDS)}
# bumped when the files' layout, the key hash or what is kept changes (6: of an entity's names
# that spell the same, the one of the highest kind factor is kept, not the first)
FORMAT = 6

IntArray = npt.NDArray[np.int64]


def fnv1a(text: str) -> int:
    """64-bit FNV-1a over the string's 8-byte little-endian words (zero-padded): the hash
    the vectorised build computes for a whole vocabulary at once."""
    raw = text.encode("ascii", "ignore")
    raw += b"\0" * (-len(raw) % 8)
    value = _FNV_OFFSET
    for (word,) in struct.iter_unpack("<Q", raw):
        value = ((value ^ word) * _FNV_PRIME) & _MASK
    return value


def deletions(token: str) -> set[str]:
    """The token and every string one deletion away (only for tokens of 4 to 20 characters)."""
    if not MIN_FUZZY_LENGTH <= len(token) <= _MAX_FUZZY_LENGTH:
        return {token}
    return {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}


def _hash_rows(
    matrix: npt.NDArray[np.uint8], lengths: npt.NDArray[np.int32]
) -> npt.NDArray[np.uint64]:
    """:func:`fnv1a` of each row of a zero-padded byte matrix, ``lengths`` bytes long."""
    rows, width = matrix.shape
    words = -(-width // 8)
    padded = np.zeros((rows, words * 8), dtype=np.uint8)
    padded[:, :width] = matrix
    view = padded.view("<u8")
    value = np.full(rows, _FNV_OFFSET, dtype=np.uint64)
    prime = np.uint64(_FNV_PRIME)
    with np.errstate(over="ignore"):
        for word in range(words):
            mixed = (value ^ view[:, word]) * prime
            value = np.where(lengths > word * 8, mixed, value)
    return value


_CHUNK = 1 << 16


def _byte_matrix(texts: list[str], width: int) -> npt.NDArray[np.uint8]:
    """ASCII texts as rows of a zero-padded byte matrix."""
    raw = np.array(texts, dtype=f"S{max(width, 1)}")
    return np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(len(texts), max(width, 1))


def _neighbourhood(
    vocabulary: list[str], real: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int32]]:
    """(sorted key hashes, token id of each) for every token and, for tokens of 4 to
    ``_MAX_FUZZY_LENGTH`` characters written in some name (``real``; not the joined forms of
    whole names, which are looked up exactly), every string one deletion away."""
    lengths = np.fromiter(map(len, vocabulary), dtype=np.int32, count=len(vocabulary))
    ids = np.arange(len(vocabulary), dtype=np.int32)
    exact = np.empty(len(vocabulary), dtype=np.uint64)
    for start in range(0, len(vocabulary), _CHUNK):  # in chunks: a few long joined names
        chunk = vocabulary[start : start + _CHUNK]  # would widen one matrix for all
        exact[start : start + len(chunk)] = _hash_rows(
            _byte_matrix(chunk, max(map(len, chunk))), lengths[start : start + len(chunk)]
        )
    keys = [exact]
    owners = [ids]
    fuzzy = real & (lengths >= MIN_FUZZY_LENGTH) & (lengths <= _MAX_FUZZY_LENGTH)
    short_ids = ids[fuzzy]
    short = _byte_matrix([vocabulary[i] for i in short_ids.tolist()], _MAX_FUZZY_LENGTH)
    short_lengths = lengths[fuzzy]
    padding = np.zeros((len(short), 1), np.uint8)
    for position in range(short.shape[1]):
        rows = short_lengths > position
        if not rows.any():
            continue
        chosen = short[rows]
        shifted = np.concatenate(
            [chosen[:, :position], chosen[:, position + 1 :], padding[: len(chosen)]], axis=1
        )
        keys.append(_hash_rows(shifted, short_lengths[rows] - 1))
        owners.append(short_ids[rows])
    hashes = np.concatenate(keys)
    del keys
    tokens = np.concatenate(owners)
    del owners
    order = np.argsort(hashes, kind="stable")
    return hashes[order], tokens[order]


class _Blob:
    """Many short ASCII strings in one buffer with offsets: the texts the prefilter reads."""

    def __init__(self, data: bytes | mmap.mmap, offsets: IntArray) -> None:
        self.data = data
        self.offsets = offsets

    @classmethod
    def of(cls, texts: Iterable[str]) -> _Blob:
        encoded = [t.encode("ascii") for t in texts]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(e) for e in encoded])
        return cls(b"".join(encoded), offsets)

    def pick(self, ids: Sequence[int]) -> list[str]:
        if not len(ids):
            return []
        chosen = np.asarray(ids, dtype=np.int64)
        starts = self.offsets[chosen].tolist()
        ends = self.offsets[chosen + 1].tolist()
        data = self.data
        # One decode of the joined texts, not one per text (a query picks dozens).
        joined = b"\n".join([data[a:b] for a, b in zip(starts, ends, strict=True)])
        return joined.decode("ascii").split("\n")

    def get(self, number: int) -> str:
        a, b = int(self.offsets[number]), int(self.offsets[number + 1])
        return self.data[a:b].decode("ascii")


EntitySource = Callable[[int], ListEntity]
_ARRAYS = (
    "post_ptr",
    "post_ids",
    "idf",
    "factor",
    "del_hash",
    "del_tok",
    "skel_hash",
    "skel_tok",
    "name_ptr",
    "name_tok",
    "name_entity",
    "name_kind",
    "name_position",
    "name_lengths",
    "texts_off",
    "vocab_off",
    "entity_schema",
    "keys_off",
)
_BLOBS = ("texts", "vocab", "keys")


class CandidateIndex:
    """Token, edit-neighbourhood and skeleton lookup over all names of one list version."""

    vocab_ids: dict[str, int]

    def __init__(self, arrays: dict[str, Any], blobs: dict[str, _Blob], entity: EntitySource):
        self._arrays = arrays
        self.post_ptr: IntArray = arrays["post_ptr"]
        self.post_ids: npt.NDArray[np.int32] = arrays["post_ids"]
        self.idf: npt.NDArray[np.float32] = arrays["idf"]
        self.factor: npt.NDArray[np.float32] = arrays["factor"]
        self.del_hash: npt.NDArray[np.uint64] = arrays["del_hash"]
        self.del_tok: npt.NDArray[np.int32] = arrays["del_tok"]
        self.skel_hash: npt.NDArray[np.uint64] = arrays["skel_hash"]
        self.skel_tok: npt.NDArray[np.int32] = arrays["skel_tok"]
        self.name_ptr: IntArray = arrays["name_ptr"]
        self.name_tok: npt.NDArray[np.int32] = arrays["name_tok"]
        self.name_entity: npt.NDArray[np.int32] = arrays["name_entity"]
        self.name_kind: npt.NDArray[np.int8] = arrays["name_kind"]
        self.name_position: npt.NDArray[np.int16] = arrays["name_position"]
        self.name_lengths: npt.NDArray[np.int16] = arrays["name_lengths"]
        self.entity_schema: npt.NDArray[np.int8] = arrays["entity_schema"]
        # Per name, its three prefilter texts in one entry ("sorted\nplain\nskeleton"): a
        # query reads all three for the same candidates, so one slice per name, not three.
        self.texts = blobs["texts"]
        self.vocab = blobs["vocab"]
        # Per vocabulary token, its skeleton and vowel frame written at build
        # (:func:`token_key_text`; empty for the joined tokens that no name holds).
        self.keys = blobs["keys"]
        self._blobs = blobs
        self.entity = entity
        self.name_count = len(self.name_entity)
        self.entity_count = len(self.entity_schema)
        self.max_idf = float(math.log(1 + max(self.name_count, 1)))
        self.vocab_ids = {}
        self._vocab_loaded = False
        self._missing: set[str] = set()
        self._similar: dict[str, tuple[float, npt.NDArray[np.int32]] | None] = {}
        self._keys_read: dict[int, tuple[str, VowelFrame]] = {}

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        records: Iterable[tuple[Schema, Sequence[tuple[str, NameKind]]]],
        entity: EntitySource,
    ) -> CandidateIndex:
        """An index over ``records`` (per entity: its schema and its (name, kind) pairs, in
        the entity's order); ``entity(number)`` gives the full entity for a hit."""
        assembler = _Assembler()
        batch: list[tuple[int, list[tuple[str, int]]]] = []
        for schema, names in records:
            batch.append((_SCHEMA_CODE[schema], [(v, _KIND_CODE[k]) for v, k in names]))
            if len(batch) == _RECORDS_PER_CHUNK:
                assembler.add(_prepare(batch))
                batch = []
        assembler.add(_prepare(batch))
        return assembler.finish(entity)

    @classmethod
    def build_file(
        cls, path: Path, entity: EntitySource, workers: int = 1
    ) -> tuple[CandidateIndex, IntArray]:
        """The index of a stored ``entities.jsonl`` (one entity a line), and each entity's
        byte offset in it (``offsets[n]:offsets[n + 1]`` is entity ``n``'s line).

        The file is read in pieces of whole lines. Turning names into tokens, skeletons and
        prefilter texts is most of a build and is the same for any piece, so with
        ``workers > 1`` forked processes prepare the pieces while this one numbers the
        tokens in the file's order: the arrays are those a single process builds, byte for
        byte (a test holds them equal)."""
        size = path.stat().st_size
        pieces = _pieces(path, size, max(1, -(-size // _BYTES_PER_PIECE)))
        jobs = [(str(path), start, end) for start, end in pieces]
        assembler = _Assembler()
        starts: list[npt.NDArray[np.int64]] = []
        if workers > 1 and len(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            with context.Pool(min(workers, len(jobs))) as pool:
                for chunk in pool.imap(_prepare_piece, jobs):
                    starts.append(chunk.line_starts)
                    assembler.add(chunk)
        else:
            for job in jobs:
                chunk = _prepare_piece(job)
                starts.append(chunk.line_starts)
                assembler.add(chunk)
        # An entity's slice runs from its line's start to the next entity's: blank lines
        # between entities stay with the one before (as a reader skipping them expects).
        offsets = np.concatenate([*starts, np.array([size], dtype=np.int64)])
        return assembler.finish(entity), offsets

    @classmethod
    def of_entities(cls, entities: Sequence[ListEntity]) -> CandidateIndex:
        return cls.build(
            ((e.schema, [(n.value, n.kind) for n in e.names]) for e in entities),
            entities.__getitem__,
        )

    # -- files -----------------------------------------------------------------------------
    def save(
        self, folder: Path, meta: dict[str, Any], extra: dict[str, npt.NDArray[Any]] | None = None
    ) -> None:
        """Write the index, and the ``extra`` arrays (by file name), into ``folder`` (through
        a temporary folder renamed into place, so a reader never sees half an index)."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
        try:
            for name in _ARRAYS:
                if name.endswith("_off"):
                    np.save(staging / f"{name}.npy", self._blobs[name[:-4]].offsets)
                else:
                    np.save(staging / f"{name}.npy", self._arrays[name])
            for name in _BLOBS:
                (staging / f"{name}.txt").write_bytes(bytes(self._blobs[name].data))
            for file_name, array in (extra or {}).items():
                np.save(staging / file_name, array)
            (staging / "meta.json").write_text(json.dumps({**meta, "format": FORMAT}), "utf-8")
            if folder.exists():
                shutil.rmtree(folder)
            os.rename(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    @classmethod
    def open(cls, folder: Path, entity: EntitySource) -> tuple[CandidateIndex, dict[str, Any]]:
        """Map a saved index (its arrays stay on disk; pages are read as queries touch them)."""
        meta: dict[str, Any] = json.loads((folder / "meta.json").read_text("utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"index format {meta.get('format')} is not {FORMAT}")
        # Plain ndarray views of the maps: the np.memmap subclass costs microseconds per
        # slice in Python, which a query pays thousands of times.
        arrays = {
            name: np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray)
            for name in _ARRAYS
            if not name.endswith("_off")
        }
        blobs = {}
        for name in _BLOBS:
            offsets = np.load(folder / f"{name}_off.npy", mmap_mode="r").view(np.ndarray)
            path = folder / f"{name}.txt"
            data: bytes | mmap.mmap = b""
            if path.stat().st_size:
                with path.open("rb") as handle:
                    data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            blobs[name] = _Blob(data, offsets)
        return cls(arrays, blobs, entity), meta

    # -- lookups ---------------------------------------------------------------------------
    def _range(
        self, keys: npt.NDArray[np.uint64], owners: npt.NDArray[np.int32], wanted: list[int]
    ) -> list[npt.NDArray[np.int32]]:
        probe = np.array(wanted, dtype=np.uint64)
        lo = np.searchsorted(keys, probe, side="left").tolist()
        hi = np.searchsorted(keys, probe, side="right").tolist()
        return [owners[a:b] for a, b in zip(lo, hi, strict=True) if b > a]

    def similar_tokens(self, token: str) -> npt.NDArray[np.int32]:
        """Vocabulary tokens equal to, one edit from, or with the skeleton of ``token``.

        A skeleton shared by very many vocabulary tokens (short ones, such as "mr") says
        little and is not used for retrieval."""
        found = self._range(self.del_hash, self.del_tok, [fnv1a(k) for k in deletions(token)])
        found += [
            tokens
            for tokens in self._range(
                self.skel_hash, self.skel_tok, [fnv1a(k) for k in _query_skeleton_keys(token)]
            )
            if len(tokens) <= _MAX_SKELETON_FANOUT
        ]
        if not found:
            return np.empty(0, dtype=np.int32)
        return _unique(np.concatenate(found))

    def token_id(self, token: str) -> int | None:
        """The vocabulary id of ``token``, found through its hash (no dictionary of the
        whole vocabulary is loaded: a cold process answers from the mapped files) and
        remembered."""
        if self._vocab_loaded:
            return self.vocab_ids.get(token)
        if token in self.vocab_ids:
            return self.vocab_ids[token]
        if token in self._missing:
            return None
        found: int | None = None
        for owners in self._range(self.del_hash, self.del_tok, [fnv1a(token)]):
            for candidate in owners.tolist():
                if self.vocab.get(candidate) == token:
                    found = int(candidate)
                    break
        if found is not None and len(self.vocab_ids) < _SIMILAR_CACHE:
            self.vocab_ids[token] = found
        elif found is None and len(self._missing) < _SIMILAR_CACHE:
            self._missing.add(token)
        return found

    def token_postings(
        self, token: str, variants: tuple[str, ...] = ()
    ) -> tuple[float, npt.NDArray[np.int32]] | None:
        """(rarity weight, names) for every vocabulary token similar to ``token`` or to one
        of its ``variants`` (other romanisations), each name once.

        Remembered per token: query tokens such as common given names recur all the time."""
        key = token if not variants else token + "|" + "|".join(variants)
        cached = self._similar.get(key)
        if cached is not None or key in self._similar:
            return cached
        found = [self.similar_tokens(spelling) for spelling in (token, *variants)]
        matched = found[0] if len(found) == 1 else _unique(np.concatenate(found))
        result: tuple[float, npt.NDArray[np.int32]] | None = None
        if len(matched):
            starts = self.post_ptr[matched].tolist()
            ends = self.post_ptr[matched + 1].tolist()
            arrays = [self.post_ids[a:b] for a, b in zip(starts, ends, strict=True)]
            weight = float(self.idf[matched].max())
            # Not de-duplicated: a name reached through two spellings of one query token
            # counts a little more, which only affects the order of candidates.
            result = (weight, arrays[0] if len(arrays) == 1 else np.concatenate(arrays))
        if len(self._similar) < _SIMILAR_CACHE:
            self._similar[key] = result
        return result

    def prefetch(self, keys: Iterable[tuple[str, tuple[str, ...]]]) -> None:
        """Look up many query tokens (each with its other romanisations) at once and remember
        their postings, as :meth:`token_postings` would one by one.

        A batch screens thousands of queries: one token at a time, the hashing, the binary
        searches and the gathering of postings are thousands of small numpy calls whose
        overhead outweighs their work. Here every key of the batch is hashed in one
        vectorised pass, searched with one ``searchsorted`` per table, and its postings are
        gathered with a few array operations; the per-token path then finds them cached.
        The result (which names, in which order, with which weight) is the same."""
        wanted: dict[str, tuple[str, ...]] = {}
        for token, variants in keys:
            key = token if not variants else token + "|" + "|".join(variants)
            if key not in self._similar and key not in wanted:
                wanted[key] = (token, *variants)
        room = _SIMILAR_CACHE - len(self._similar)
        if not wanted or room <= 0:
            return
        chosen = list(wanted.items())[:room]
        spelling_ids: dict[str, int] = {}
        member_key, member_spelling = [], []  # which spellings each key reads
        for number, (_, spellings) in enumerate(chosen):
            for spelling in dict.fromkeys(spellings):
                member_key.append(number)
                member_spelling.append(spelling_ids.setdefault(spelling, len(spelling_ids)))
        spellings_list = list(spelling_ids)
        # (spelling, vocabulary token) pairs: deletion neighbourhood, then skeletons.
        probes, owners = [], []
        for number, spelling in enumerate(spellings_list):
            for probe in deletions(spelling):
                probes.append(probe)
                owners.append(number)
        del_count = len(probes)
        for number, spelling in enumerate(spellings_list):
            for probe in _query_skeleton_keys(spelling):
                probes.append(probe)
                owners.append(number)
        hashes = _hash_texts(probes)
        owner_of = np.asarray(owners, dtype=np.int64)
        del_lo, del_hi = _search(self.del_hash, hashes[:del_count])
        skel_lo, skel_hi = _search(self.skel_hash, hashes[del_count:])
        # A skeleton shared by very many vocabulary tokens says little (see similar_tokens).
        skel_hi = np.where(skel_hi - skel_lo <= _MAX_SKELETON_FANOUT, skel_hi, skel_lo)
        del_tokens, del_owner = _gather(self.del_tok, del_lo, del_hi, owner_of[:del_count])
        skel_tokens, skel_owner = _gather(self.skel_tok, skel_lo, skel_hi, owner_of[del_count:])
        vocabulary = max(len(self.post_ptr) - 1, 1)
        pairs = _unique(
            np.concatenate([del_owner, skel_owner]) * vocabulary
            + np.concatenate([del_tokens, skel_tokens]).astype(np.int64)
        )  # sorted by spelling, then token
        pair_spelling = pairs // vocabulary
        pair_token = pairs % vocabulary
        starts = np.searchsorted(pair_spelling, np.arange(len(spellings_list)), side="left")
        ends = np.searchsorted(pair_spelling, np.arange(len(spellings_list)), side="right")
        members = np.asarray(member_spelling, dtype=np.int64)
        key_tokens, key_of = _gather(
            pair_token, starts[members], ends[members], np.asarray(member_key, dtype=np.int64)
        )
        combined = _unique(key_of * vocabulary + key_tokens)  # per key, each token once
        combined_key = combined // vocabulary
        combined_token = combined % vocabulary
        names, name_key = _gather(
            self.post_ids,
            self.post_ptr[combined_token],
            self.post_ptr[combined_token + 1],
            combined_key,
        )
        token_bounds = np.searchsorted(combined_key, np.arange(len(chosen) + 1), side="left")
        name_bounds = np.searchsorted(name_key, np.arange(len(chosen) + 1), side="left")
        idf = self.idf[combined_token] if len(combined_token) else np.empty(0, np.float32)
        for number, (key, _) in enumerate(chosen):
            a, b = int(token_bounds[number]), int(token_bounds[number + 1])
            if a == b:
                self._similar[key] = None
                continue
            c, d = int(name_bounds[number]), int(name_bounds[number + 1])
            self._similar[key] = (float(idf[a:b].max()), names[c:d])

    def known(self, tokens: Iterable[str]) -> None:
        """Find many tokens' vocabulary ids at once (see :meth:`token_id`)."""
        if self._vocab_loaded:
            return
        fresh = [
            t for t in dict.fromkeys(tokens) if t not in self.vocab_ids and t not in self._missing
        ]
        if not fresh or len(self.vocab_ids) + len(self._missing) >= 2 * _SIMILAR_CACHE:
            return
        found_lo, found_hi = _search(self.del_hash, _hash_texts(fresh))
        lo, hi = found_lo.tolist(), found_hi.tolist()
        for token, a, b in zip(fresh, lo, hi, strict=True):
            found = None
            for candidate in self.del_tok[a:b].tolist():
                if self.vocab.get(candidate) == token:
                    found = int(candidate)
                    break
            if found is None:
                self._missing.add(token)
            else:
                self.vocab_ids[token] = found

    def token_keys(self, token_ids: Sequence[int]) -> list[tuple[str, VowelFrame]]:
        """The skeleton and vowel frame of each vocabulary token (of a listed name), as
        :func:`token_key_text` wrote them at build: read, not worked out per query, and
        remembered per token id (common names' tokens recur in most queries)."""
        read = self._keys_read
        get = read.get
        found = [get(i) for i in token_ids]
        missing = [i for i, keys in zip(token_ids, found, strict=True) if keys is None]
        if not missing:
            return found  # type: ignore[return-value]
        fresh = {
            i: token_keys_of_text(text)
            for i, text in zip(missing, self.keys.pick(missing), strict=True)
        }
        if len(read) + len(fresh) > _KEYS_KEPT:
            read.clear()
        read.update(fresh)
        # answered from ``fresh``: a server's threads share this index, and another one may
        # clear ``read`` at the cap between the update and the answer (a KeyError, found in
        # review 2026-12-06)
        return [
            keys if keys is not None else fresh[i] for i, keys in zip(token_ids, found, strict=True)
        ]

    def names_tokens(self, name_ids: Sequence[int]) -> list[list[int]]:
        """The vocabulary ids of each name's tokens, in the name's order, in one gather."""
        if not len(name_ids):
            return []
        chosen = np.asarray(name_ids, dtype=np.int64)
        starts = self.name_ptr[chosen].tolist()
        ends = self.name_ptr[chosen + 1].tolist()
        name_tok = self.name_tok
        flat: list[int] = name_tok[
            [i for a, b in zip(starts, ends, strict=True) for i in range(a, b)]
        ].tolist()
        out: list[list[int]] = []
        at = 0
        for a, b in zip(starts, ends, strict=True):
            out.append(flat[at : at + b - a])
            at += b - a
        return out

    def weights_of(self, names_tokens: Sequence[Sequence[int]]) -> list[tuple[float, ...]]:
        """:meth:`names_weights` from the names' token ids (:meth:`names_tokens`), so that
        a query gathers its chosen names' tokens once for both."""
        flat_ids = [i for tokens in names_tokens for i in tokens]
        if not flat_ids:
            return [() for _ in names_tokens]
        chosen = np.asarray(flat_ids, dtype=np.int64)
        flat: list[float] = (self.idf[chosen] * self.factor[chosen]).tolist()
        out: list[tuple[float, ...]] = []
        at = 0
        for tokens in names_tokens:
            out.append(tuple(flat[at : at + len(tokens)]))
            at += len(tokens)
        return out

    def idf_of(self, token: str) -> float:
        token_id = self.token_id(token)
        return float(self.idf[token_id]) if token_id is not None else self.max_idf

    def name_weights(self, name_id: int) -> tuple[float, ...]:
        ids = self.name_tok[self.name_ptr[name_id] : self.name_ptr[name_id + 1]]
        weights: list[float] = (self.idf[ids] * self.factor[ids]).tolist()
        return tuple(weights)

    def names_weights(self, name_ids: Sequence[int]) -> list[tuple[float, ...]]:
        """:meth:`name_weights` of several names (a query's few chosen ones) in one gather."""
        if not len(name_ids):
            return []
        chosen = np.asarray(name_ids, dtype=np.int64)
        starts = self.name_ptr[chosen].tolist()
        ends = self.name_ptr[chosen + 1].tolist()
        tokens = self.name_tok[[i for a, b in zip(starts, ends, strict=True) for i in range(a, b)]]
        flat: list[float] = (self.idf[tokens] * self.factor[tokens]).tolist()
        out: list[tuple[float, ...]] = []
        at = 0
        for a, b in zip(starts, ends, strict=True):
            out.append(tuple(flat[at : at + b - a]))
            at += b - a
        return out

    def candidates(
        self,
        tokens: tuple[str, ...],
        limit: int,
        common_share: float,
        variants: dict[str, tuple[str, ...]] | None = None,
    ) -> list[int]:
        """Name ids sharing (approximately) the rarest query tokens, best first. A query
        token's ``variants`` (other romanisations) are looked up as the same token."""
        keys = list(dict.fromkeys(tokens))
        if len(tokens) > 1:
            keys.append("".join(tokens))
        groups = []
        for token in keys:
            found = self.token_postings(token, (variants or {}).get(token, ()))
            if found is not None:
                groups.append(found)
        if not groups:
            return []
        cap = max(int(self.name_count * common_share), limit)
        usable = [g for g in groups if len(g[1]) <= cap]
        if not usable:
            # Only common tokens ("Mohammad Ali Ahmad"): rank by the two rarest together.
            usable = sorted(groups, key=lambda g: len(g[1]))[:2]
        wanted = len(tokens)
        if len(usable) == 1:
            # Every candidate shares one token: prefer names of the query's length, and let
            # the scorer's fast prefilter rank them.
            ids = usable[0][1]
            if len(ids) > limit * 2:
                gap = np.abs(self.name_lengths[ids] - wanted)
                ids = ids[gap.argsort(kind="stable")[: limit * 2]]
            ranked: list[int] = ids.tolist()  # Python ints, as int(i) gave, in one call
            return ranked
        ids = np.concatenate([g[1] for g in usable])
        weights = (
            np.array([g[0] for g in usable], dtype=np.float32)
            .astype(np.float64)
            .repeat([len(g[1]) for g in usable])
        )
        # Each name once with the summed weight of the groups it is in. The postings are
        # sorted runs, which a stable sort merges in near-linear time (np.unique's quicksort
        # took most of a query's ranking at 300,000 entities). The sums are exact whatever
        # their order (float32 weights of at least log(2), added in float64), so the scores
        # are those np.unique and np.bincount gave, bit for bit.
        order = ids.argsort(kind="stable")
        ordered = ids[order]
        firsts = np.empty(len(ordered), dtype=np.bool_)
        firsts[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=firsts[1:])
        starts = firsts.nonzero()[0]
        unique = ordered[starts]
        scores: npt.NDArray[np.float64] = np.add.reduceat(weights[order], starts)
        # Between names sharing the same tokens, prefer those of the query's length.
        scores = scores - 0.01 * np.abs(self.name_lengths[unique] - wanted)
        if len(unique) > limit:
            top = (-scores).argpartition(limit)[:limit]
            top = top[(-scores[top]).argsort()]
        else:
            top = (-scores).argsort()
        result: list[int] = unique[top].tolist()
        return result


_SMALL = 1 << 16


def _unique(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``np.unique(values)`` (sorted, each value once). Small arrays, as one query has, are
    sorted here: numpy's ``unique`` imports ``numpy.ma`` on its first call, a fiftieth of a
    second of a cold `openatt screen NAME`; a batch's large arrays keep numpy's own."""
    if len(values) >= _SMALL:
        return np.unique(values)
    ordered = values.copy()
    ordered.sort()
    keep = np.empty(len(ordered), dtype=np.bool_)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _hash_texts(texts: Sequence[str]) -> npt.NDArray[np.uint64]:
    """:func:`fnv1a` of many ASCII strings at once."""
    if not texts:
        return np.empty(0, dtype=np.uint64)
    lengths = np.fromiter(map(len, texts), dtype=np.int32, count=len(texts))
    return _hash_rows(_byte_matrix(list(texts), int(lengths.max())), lengths)


def _search(
    keys: npt.NDArray[np.uint64], probes: npt.NDArray[np.uint64]
) -> tuple[IntArray, IntArray]:
    """``np.searchsorted`` left and right of every probe, in the probes' order. The probes
    are searched in sorted order: numpy then starts each binary search from the previous
    one's place, so a batch's thousands of probes into a table of millions of keys miss the
    processor's caches far less (three times faster at 300,000 entities); same results."""
    order = probes.argsort(kind="stable")
    ordered = probes[order]
    lo = np.empty(len(probes), dtype=np.int64)
    hi = np.empty(len(probes), dtype=np.int64)
    lo[order] = keys.searchsorted(ordered, side="left")
    hi[order] = keys.searchsorted(ordered, side="right")
    return lo, hi


def _gather(
    values: npt.NDArray[Any], lo: npt.NDArray[Any], hi: npt.NDArray[Any], owner: IntArray
) -> tuple[npt.NDArray[Any], IntArray]:
    """``values[lo[i]:hi[i]]`` for every i, concatenated, with ``owner[i]`` beside each
    element: many slices in one vectorised step."""
    sizes = np.maximum(np.asarray(hi, dtype=np.int64) - np.asarray(lo, dtype=np.int64), 0)
    total = int(sizes.sum())
    if not total:
        return values[:0], np.empty(0, dtype=np.int64)
    ends = np.cumsum(sizes)
    positions = np.arange(total, dtype=np.int64) + np.repeat(
        np.asarray(lo, dtype=np.int64) - (ends - sizes), sizes
    )
    return values[positions], np.repeat(owner, sizes)


def _empty_keys() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int32]]:
    return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int32)


# -- building: prepare pieces (in any process), then number their tokens in order ----------
_SCHEMA_CODE = {schema: number for number, schema in enumerate(Schema)}
_SCHEMA_OF_TEXT = {schema.value: number for number, schema in enumerate(Schema)}
_KIND_OF_TEXT = {kind.value: number for number, kind in enumerate(KINDS)}
_RECORDS_PER_CHUNK = 8192
_BUILD_WORKERS = 2  # the machine class openatt is measured on has 2 cores


def build_workers() -> int:
    """Processes that prepare a stored list's pieces: two where there are two cores, and
    one in a process running other threads (a server answering requests), which a fork
    would copy with whatever locks those threads hold at that moment."""
    if threading.active_count() > 1:
        return 1
    return min(_BUILD_WORKERS, os.cpu_count() or 1)


_BYTES_PER_PIECE = 4 << 20


@dataclass(slots=True)
class _Chunk:
    """Consecutive entities made ready for numbering: per kept name (a name is kept once per
    entity, and only when it has tokens) its tokens, kind, position among the entity's
    names and its prefilter text ("sorted\nplain\nskeleton"), all in the entities' order."""

    schemas: array[int] = field(default_factory=lambda: array("b"))
    kept: array[int] = field(default_factory=lambda: array("i"))  # names kept per entity
    tokens: list[tuple[str, ...]] = field(default_factory=list)
    kinds: array[int] = field(default_factory=lambda: array("b"))
    positions: array[int] = field(default_factory=lambda: array("h"))
    texts: bytearray = field(default_factory=bytearray)
    text_ends: array[int] = field(default_factory=lambda: array("q"))
    line_starts: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))


@functools.cache
def _kind_factors() -> tuple[float, ...]:
    """The score factor of each kind code, from the algorithm's parameters."""
    factors = parameters().name.kind_factor
    return tuple(factors[kind.value] for kind in KINDS)


def _prepare(
    records: Iterable[tuple[int, Sequence[tuple[str, int]]]], chunk: _Chunk | None = None
) -> _Chunk:
    """Tokens, skeletons and prefilter texts of ``records`` ((schema code, [(name, kind
    code)]) per entity): the part of a build that needs no other entity."""
    out = chunk if chunk is not None else _Chunk()
    skeletons: dict[str, str] = {}
    shape_of = skeletons.get
    kept_tokens, kinds, positions = out.tokens, out.kinds, out.positions
    texts: list[str] = []
    factors = _kind_factors()
    for schema, names in records:
        out.schemas.append(schema)
        seen: dict[tuple[str, ...], int] = {}  # tokens -> where the name is kept
        for position, (value, kind) in enumerate(names):
            tokens = name_tokens(value)
            if not tokens:
                continue
            kept = seen.get(tokens)
            if kept is not None:
                # "RT-AUTO" listed first as a weak alias, then as an alias: the name scores
                # as the better listed of the two, whatever their order in the file
                if factors[kind] > factors[kinds[kept]]:
                    kinds[kept] = kind
                    positions[kept] = position
                continue
            seen[tokens] = len(kinds)
            kept_tokens.append(tokens)
            kinds.append(kind)
            positions.append(position)
            shapes = []
            for token in tokens:
                shape = shape_of(token)
                if shape is None:
                    shape = skeletons[token] = skeleton(token)
                shapes.append(shape)
            texts.append(
                " ".join(sorted(tokens)) + "\n" + " ".join(tokens) + "\n" + " ".join(sorted(shapes))
            )
        out.kept.append(len(seen))
    # One encoding of the piece's texts (ASCII: a character is a byte), not one per name.
    base = len(out.texts)
    out.texts += "".join(texts).encode("ascii")
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))) + base
    out.text_ends.frombytes(ends.tobytes())
    return out


def _pieces(path: Path, size: int, count: int) -> list[tuple[int, int]]:
    """``count`` byte ranges of the file, each ending after a line's newline."""
    cuts = [0]
    with path.open("rb") as handle:
        for number in range(1, count):
            handle.seek(max(number * size // count, cuts[-1]))
            handle.readline()
            cuts.append(min(handle.tell(), size))
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _prepare_piece(job: tuple[str, int, int]) -> _Chunk:
    """:func:`_prepare` of the entities whose lines lie in one byte range of a stored
    ``entities.jsonl`` (run in a worker process, or in this one)."""
    name, start, end = job
    with open(name, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    starts = array("q")
    records: list[tuple[int, list[tuple[str, int]]]] = []
    at = start
    for line in data.splitlines(keepends=True):
        if line.strip():
            starts.append(at)
            raw = json.loads(line)
            records.append(
                (
                    _SCHEMA_OF_TEXT[raw["schema"]],
                    [(n["value"], _KIND_OF_TEXT[n["kind"]]) for n in raw.get("names", [])],
                )
            )
        at += len(line)
    chunk = _prepare(records)
    chunk.line_starts = np.frombuffer(starts, dtype=np.int64).copy()
    return chunk


class _Assembler:
    """Numbers the tokens of prepared chunks in the order they come (first seen, first
    numbered: the same ids whatever the pieces) and makes the index's arrays."""

    def __init__(self) -> None:
        # Flat typed arrays, not a Python list per token and per name: at 300,000 entities
        # the lists alone held more than the whole index.
        self.token_ids: dict[str, int] = {}
        self.pair_token, self.pair_name = array("i"), array("i")  # postings (token, name)
        self.name_tok, self.name_len = array("i"), array("h")
        self.name_entity, self.name_kind, self.name_position = array("i"), array("b"), array("h")
        self.schemas = array("b")
        self.texts = bytearray()
        self.text_ends = array("q", [0])

    def add(self, chunk: _Chunk) -> None:
        first_entity = len(self.schemas)
        first_name = len(self.name_entity)
        self.schemas.extend(chunk.schemas)
        self.name_kind.extend(chunk.kinds)
        self.name_position.extend(chunk.positions)
        entities = np.repeat(
            np.arange(first_entity, first_entity + len(chunk.schemas), dtype=np.int32),
            np.frombuffer(chunk.kept, dtype=np.int32) if len(chunk.kept) else 0,
        )
        self.name_entity.frombytes(entities.tobytes())
        base = len(self.texts)
        self.texts += chunk.texts
        self.text_ends.frombytes(
            (np.frombuffer(chunk.text_ends, dtype=np.int64) + base).tobytes()
            if len(chunk.text_ends)
            else b""
        )
        token_ids = self.token_ids
        get = token_ids.get
        name_tok, name_len = self.name_tok, self.name_len
        pair_token, pair_name = self.pair_token, self.pair_name
        for name_id, tokens in enumerate(chunk.tokens, start=first_name):
            ids = []
            for token in tokens:
                token_id = get(token)
                if token_id is None:
                    token_id = token_ids[token] = len(token_ids)
                ids.append(token_id)
            name_tok.extend(ids)
            name_len.append(len(ids))
            ends = dict.fromkeys(ids)  # the name's posting keys
            if len(tokens) > 1:
                joined = "".join(tokens)
                token_id = get(joined)
                if token_id is None:
                    token_id = token_ids[joined] = len(token_ids)
                ends[token_id] = None
            pair_token.extend(ends)
            pair_name.extend([name_id] * len(ends))

    def finish(self, entity: EntitySource) -> CandidateIndex:
        vocabulary = list(self.token_ids)
        total = max(len(self.name_entity), 1)
        tokens_of_pairs = np.frombuffer(self.pair_token, dtype=np.int32)
        order = np.argsort(tokens_of_pairs, kind="stable")  # name ids stay ascending
        post_ids = np.frombuffer(self.pair_name, dtype=np.int32)[order]
        del order
        post_ptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        post_ptr[1:] = np.cumsum(np.bincount(tokens_of_pairs, minlength=len(vocabulary)))
        del tokens_of_pairs
        self.pair_token, self.pair_name = array("i"), array("i")
        sizes = np.diff(post_ptr).astype(np.float64)
        idf = np.log1p(total / np.maximum(sizes, 1)).astype(np.float32)
        factor = np.array([token_weight_factor(t) for t in vocabulary], dtype=np.float32)
        name_tok = np.frombuffer(self.name_tok, dtype=np.int32).copy()
        real = np.zeros(len(vocabulary), dtype=np.bool_)
        real[name_tok] = True
        del_hash, del_tok = _neighbourhood(vocabulary, real) if vocabulary else _empty_keys()
        skel_keys: list[str] = []
        skel_owners = array("i")
        # Each name token's skeleton and vowel frame, written once per token here (the
        # pieces' processes meet most tokens in every piece); "" for a joined token.
        keys = [""] * len(vocabulary)
        for i in np.flatnonzero(real).tolist():
            token = vocabulary[i]
            own = skeleton(token)
            keys[i] = token_key_text(token, own)
            for k in skeleton_keys(token, own):
                skel_keys.append(k)
                skel_owners.append(i)
        skel_hash = _hash_texts(skel_keys)  # fnv1a of each, in one vectorised pass
        skel_tok = np.frombuffer(skel_owners, dtype=np.int32).copy()
        del skel_keys, skel_owners
        order = np.argsort(skel_hash, kind="stable")
        name_ptr = np.zeros(len(self.name_len) + 1, dtype=np.int64)
        name_ptr[1:] = np.cumsum(np.frombuffer(self.name_len, dtype=np.int16))
        blobs = {
            "texts": _Blob(bytes(self.texts), np.frombuffer(self.text_ends, dtype=np.int64).copy()),
            "vocab": _Blob.of(vocabulary),
            "keys": _Blob.of(keys),
        }
        arrays: dict[str, Any] = {
            "post_ptr": post_ptr,
            "post_ids": post_ids,
            "idf": idf,
            "factor": factor,
            "del_hash": del_hash,
            "del_tok": del_tok,
            "skel_hash": skel_hash[order],
            "skel_tok": skel_tok[order],
            "name_ptr": name_ptr,
            "name_tok": name_tok,
            "name_entity": np.frombuffer(self.name_entity, dtype=np.int32).copy(),
            "name_kind": np.frombuffer(self.name_kind, dtype=np.int8).copy(),
            "name_position": np.frombuffer(self.name_position, dtype=np.int16).copy(),
            "name_lengths": np.diff(name_ptr).astype(np.int16),
            "entity_schema": np.frombuffer(self.schemas, dtype=np.int8).copy(),
        }
        index = CandidateIndex(arrays, blobs, entity)
        index.vocab_ids = self.token_ids
        index._vocab_loaded = True
        return index
