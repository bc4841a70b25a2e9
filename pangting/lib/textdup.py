"""Near-duplicate text detection: shingles, boilerplate model, MinHash LSH index, exact check.

The pipeline over every text the system holds (speeches, reflections, minutes, observation
records, feedback, rectification reports, 述学 reports):

1. `normalize` the text (NFKC, so full-width letters and digits become half-width; case folded;
   whitespace and punctuation dropped) and cut it into hashed character k-grams (`shingles`).
2. Drop boilerplate: a `BoilerplateModel` counts in how many documents each shingle occurs;
   shingles found in more than a configured share of the corpus (slogans, standard phrases,
   the usual opening and closing paragraphs) are not evidence of copying.
3. A MinHash `signature` of what is left goes into a `TextIndex` (datasketch `MinHashLSH`),
   which proposes candidate pairs; every candidate is checked exactly with `verify` (Jaccard
   of the two shingle sets without boilerplate) against the business thresholds.
4. `shared_passages` finds the copied passages of a flagged pair, in offsets of the original
   texts, for highlighting.

Signatures serialise to `SIGNATURE_BYTES` bytes (the uint32 hash values of datasketch's
"affine32" scheme) so a database table can keep them and each process rebuild the LSH in
memory; `TextIndex.save`/`load` keep a whole index in one file. Parameters (k, permutations,
bands) were chosen by measurement: see bench/textcheck/README.md.
"""

from __future__ import annotations

import io
import json
import re
import struct
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from datasketch import MinHash, MinHashLSH

SHINGLE_K = 5
"""Characters per shingle. 5 separates unrelated texts built from the same vocabulary far
better than 3 or 4 (two-character words recombine into the same 4-grams) while a 10% edit still
leaves most 5-grams intact; measured in bench/textcheck."""

NUM_PERM = 128
LSH_BANDS = 32
LSH_ROWS = 4
"""32 bands of 4 rows: a pair at Jaccard 0.6 becomes a candidate with probability 0.988, at 0.8
with 0.99999, at 0.3 with 0.23 and at 0.1 with 0.003 (S-curve midpoint ~0.42)."""

MINHASH_SEED = 1
MINHASH_SCHEME = "affine32"
SIGNATURE_BYTES = NUM_PERM * 4

FLAG_THRESHOLD = 0.6
RED_THRESHOLD = 0.8
MIN_SHARED = 20
"""A pair needs at least this many shared shingles after boilerplate (about a 24-character
passage) to be flagged: two short notices whose only residue is the seams between standard
paragraphs would otherwise score 1.0 on a handful of shingles (seen at 200,000 documents)."""
"""Default business thresholds on the exact Jaccard after boilerplate: the Django side makes
them configurable parameters."""

_NON_WORD = re.compile(r"[\W_]+")
_ROLL_BASE = np.uint64(1_000_003)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


class UnreadableFile(ValueError):
    """The file is not a supported, readable .docx/.pdf/.txt (the caller shows its own message)."""


# ---------------------------------------------------------------------------------------------
# Normalization and shingles


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), case-folded, without whitespace and punctuation.

    Punctuation goes first: what remains of Chinese prose is then usually NFKC already, and
    the (slow) normalization runs only when the quick check says it must.
    """
    kept = _NON_WORD.sub("", text)
    if not unicodedata.is_normalized("NFKC", kept):
        kept = _NON_WORD.sub("", unicodedata.normalize("NFKC", kept))
    return kept.casefold()


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """`normalize` character by character, with the original offset of every kept character.

    Per-character NFKC may differ from whole-string NFKC only for combining sequences, which
    do not occur in Chinese prose; the offsets serve highlighting, never the score.
    """
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        for out in unicodedata.normalize("NFKC", char).casefold():
            if out.isalnum():
                chars.append(out)
                offsets.append(index)
    return "".join(chars), offsets


def _mix64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finalizer: spreads the rolling hash over all 64 bits."""
    values = values ^ (values >> np.uint64(30))
    values = values * _MIX1
    values = values ^ (values >> np.uint64(27))
    values = values * _MIX2
    return values ^ (values >> np.uint64(31))


def shingle_array(text: str, k: int = SHINGLE_K, *, normalized: bool = False) -> npt.NDArray[np.uint32]:
    """Sorted unique 32-bit hashes of the character k-grams of the normalized text.

    A text shorter than k characters (after normalization) is one shingle; an empty text none.
    32 bits are enough: two 3,000-character texts share a spurious hash with probability ~0.002.
    """
    norm = text if normalized else normalize(text)
    if not norm:
        return np.empty(0, dtype=np.uint32)
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    width = min(k, len(codes))
    count = len(codes) - width + 1
    rolled = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(width):
            rolled = rolled * _ROLL_BASE + codes[offset : offset + count]
        mixed = _mix64(rolled)
    return np.unique((mixed >> np.uint64(32)).astype(np.uint32))


def shingles(text: str, k: int = SHINGLE_K) -> set[int]:
    """The hashed character k-grams of `text` as a set (see `shingle_array`)."""
    return set(shingle_array(text, k).tolist())


def _as_array(items: Iterable[int] | npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    if isinstance(items, np.ndarray):
        array = items.astype(np.uint32, copy=False)
        if len(array) < 2 or bool(np.all(array[1:] > array[:-1])):  # already sorted and unique
            return array
        return np.unique(array)
    return np.unique(np.fromiter(items, dtype=np.uint32))


# ---------------------------------------------------------------------------------------------
# Boilerplate


def _merge_counts(
    keys: list[npt.NDArray[np.uint32]], counts: list[npt.NDArray[np.int64]]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """Sum the counts of equal keys over several (unique keys, counts) chunks."""
    if not keys:
        return np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.int64)
    if len(keys) == 1:
        return keys[0], counts[0]
    # Key and count packed in one uint64 sort faster than an argsort and two gathers.
    packed = np.concatenate(
        [(k.astype(np.uint64) << np.uint64(32)) | c.astype(np.uint64) for k, c in zip(keys, counts, strict=True)]
    )
    packed.sort()
    all_keys = (packed >> np.uint64(32)).astype(np.uint32)
    all_counts = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
    starts = np.flatnonzero(np.concatenate(([True], all_keys[1:] != all_keys[:-1])))
    return all_keys[starts], np.add.reduceat(all_counts, starts)


class DocumentFrequencies:
    """In how many documents each shingle occurs, counted one document at a time.

    Each chunk of documents is reduced to its distinct shingles and counts; the chunk tables are
    summed into one running table whenever together they outgrow it, so the peak memory is about
    twice the corpus's distinct shingles plus one chunk, whatever the number of documents
    (a province's texts are read once, as they stream past, by the whole-corpus scan).
    """

    def __init__(self, *, chunk: int = 20_000) -> None:
        self.chunk = chunk
        self.n_docs = 0
        self._pending: list[npt.NDArray[np.uint32]] = []
        self._keys: list[npt.NDArray[np.uint32]] = []
        self._counts: list[npt.NDArray[np.int64]] = []

    def add(self, document: npt.NDArray[np.uint32] | Iterable[int]) -> None:
        self._pending.append(_as_array(document))
        self.n_docs += 1
        if len(self._pending) >= self.chunk:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            keys, counts = np.unique(np.concatenate(self._pending), return_counts=True)
            self._keys.append(keys)
            self._counts.append(counts.astype(np.int64))
            self._pending.clear()
        # The running table is the first; the chunk tables after it are summed into it once they
        # hold more keys than it does (amortized: each key is sorted again a few times at most).
        if len(self._keys) > 1 and sum(len(k) for k in self._keys[1:]) > len(self._keys[0]):
            keys, counts = _merge_counts(self._keys, self._counts)
            self._keys, self._counts = [keys], [counts]

    def table(self) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
        """(distinct shingles, sorted; the number of documents each occurs in)."""
        self._flush()
        keys, counts = _merge_counts(self._keys, self._counts)
        self._keys, self._counts = ([keys], [counts]) if len(keys) else ([], [])
        return keys, counts

    def model(self, *, max_share: float = 0.002, min_docs: int = 20) -> BoilerplateModel:
        """The boilerplate model of the documents added so far."""
        keys, counts = self.table()
        model = BoilerplateModel(n_docs=self.n_docs, max_share=max_share, min_docs=min_docs)
        mask = counts > model.limit
        model.frequent = keys[mask].astype(np.uint32)
        model.counts = counts[mask].astype(np.uint32)
        return model


@dataclass
class BoilerplateModel:
    """Shingles that occur in too many documents to count as copying.

    A shingle is boilerplate when its document frequency exceeds
    max(`min_docs`, `max_share` × `n_docs`). The floor keeps a small corpus (a new installation,
    a unit's own texts) from calling every shared sentence boilerplate; content copied by more
    documents than the floor is treated as a standard text. Only the boilerplate shingles and
    their counts are kept; `fit` again (the scan command) to follow a changed corpus.
    """

    n_docs: int = 0
    max_share: float = 0.002
    min_docs: int = 20
    frequent: npt.NDArray[np.uint32] = field(default_factory=lambda: np.empty(0, dtype=np.uint32))
    counts: npt.NDArray[np.uint32] = field(default_factory=lambda: np.empty(0, dtype=np.uint32))

    def __post_init__(self) -> None:
        if len(self.counts) != len(self.frequent):
            raise ValueError("one count per boilerplate shingle")
        if not 0.0 <= self.max_share <= 1.0 or self.min_docs < 1:
            raise ValueError("max_share must be in [0, 1] and min_docs at least 1")

    @property
    def limit(self) -> int:
        """A shingle in more documents than this is boilerplate."""
        return max(self.min_docs, int(self.max_share * self.n_docs))

    @classmethod
    def fit(
        cls,
        documents: Iterable[npt.NDArray[np.uint32] | Iterable[int]],
        *,
        max_share: float = 0.002,
        min_docs: int = 20,
        chunk: int = 20_000,
    ) -> BoilerplateModel:
        """Count document frequencies over `documents` (shingle sets or arrays, one per document)."""
        frequencies = DocumentFrequencies(chunk=chunk)
        for doc in documents:
            frequencies.add(doc)
        return frequencies.model(max_share=max_share, min_docs=min_docs)

    def __len__(self) -> int:
        return len(self.frequent)

    def __contains__(self, shingle: int) -> bool:
        index = int(np.searchsorted(self.frequent, shingle))
        return index < len(self.frequent) and int(self.frequent[index]) == shingle

    def drop(self, items: Iterable[int] | npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
        """The shingles of one document without boilerplate, as a sorted unique array."""
        array = _as_array(items)
        if not len(self.frequent) or not len(array):
            return array
        # Binary search of each shingle among the (sorted) boilerplate: no sort per document.
        positions = np.searchsorted(self.frequent, array)
        np.minimum(positions, len(self.frequent) - 1, out=positions)
        kept: npt.NDArray[np.uint32] = array[self.frequent[positions] != array]
        return kept

    def to_bytes(self) -> bytes:
        """Compact form for a database column: a JSON header line, then shingles and counts."""
        header = json.dumps(
            {
                "format": 1,
                "n_docs": self.n_docs,
                "max_share": self.max_share,
                "min_docs": self.min_docs,
                "size": len(self),
            }
        ).encode()
        return header + b"\n" + self.frequent.astype("<u4").tobytes() + self.counts.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> BoilerplateModel:
        """Inverse of `to_bytes`; a damaged value raises ValueError."""
        head, sep, body = data.partition(b"\n")
        try:
            meta = json.loads(head)
            size = int(meta["size"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError("not a boilerplate model") from exc
        if not sep or meta.get("format") != 1 or len(body) != 8 * size:
            raise ValueError("not a boilerplate model")
        return cls(
            n_docs=int(meta["n_docs"]),
            max_share=float(meta["max_share"]),
            min_docs=int(meta["min_docs"]),
            frequent=np.frombuffer(body[: 4 * size], dtype="<u4").astype(np.uint32),
            counts=np.frombuffer(body[4 * size :], dtype="<u4").astype(np.uint32),
        )


# ---------------------------------------------------------------------------------------------
# Signatures and the LSH index


def _identity(value: int) -> int:
    return value


_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, hashfunc=_identity, scheme=MINHASH_SCHEME)


def _empty_minhash(hashvalues: npt.NDArray[np.uint32] | None = None) -> MinHash:
    return MinHash(
        num_perm=NUM_PERM,
        seed=MINHASH_SEED,
        hashfunc=_identity,
        hashvalues=hashvalues,
        permutations=_TEMPLATE.permutations,
        scheme=MINHASH_SCHEME,
    )


def signature(items: Iterable[int] | npt.NDArray[np.uint32]) -> MinHash:
    """MinHash of a shingle set (boilerplate already dropped), through `update_batch`."""
    minhash = _empty_minhash()
    values = items.tolist() if isinstance(items, np.ndarray) else list(items)
    if values:
        minhash.update_batch(values)
    return minhash


def signature_to_bytes(minhash: MinHash) -> bytes:
    """The hash values as little-endian uint32: `SIGNATURE_BYTES` bytes."""
    if len(minhash) != NUM_PERM or minhash.scheme != MINHASH_SCHEME:
        raise ValueError("signature made with other parameters")
    return np.asarray(minhash.hashvalues).astype("<u4").tobytes()


def signature_from_bytes(data: bytes) -> MinHash:
    """Inverse of `signature_to_bytes`; a value of another length raises ValueError."""
    if len(data) != SIGNATURE_BYTES:
        raise ValueError(f"a signature has {SIGNATURE_BYTES} bytes, got {len(data)}")
    return _empty_minhash(np.frombuffer(data, dtype="<u4").astype(np.uint32))


Key = str | int

_INDEX_MAGIC = b"PTTEXTIDX1\n"


class TextIndex:
    """Candidate index over document signatures: datasketch `MinHashLSH` plus the signatures.

    Keys are ints or strings (a record's table and id, say "speech:12"). An empty signature (a
    document with no text, or only boilerplate) is kept but never indexed: it would collide with
    every other empty one. A long-lived process that built a large index should call
    `gc.freeze()` afterwards: the index is millions of small containers that the cyclic garbage
    collector would otherwise walk again and again (pauses of tens of milliseconds).
    """

    def __init__(self, *, bands: int = LSH_BANDS, rows: int = LSH_ROWS) -> None:
        self.bands = bands
        self.rows = rows
        self._lsh = MinHashLSH(num_perm=NUM_PERM, params=(bands, rows))
        self._signatures: dict[Key, bytes] = {}  # bytes, not MinHash objects: a third of the memory

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, key: object) -> bool:
        return key in self._signatures

    def keys(self) -> Iterator[Key]:
        return iter(self._signatures)

    def signature_of(self, key: Key) -> MinHash:
        return signature_from_bytes(self._signatures[key])

    def insert(self, key: Key, minhash: MinHash) -> None:
        """Add or replace the signature of `key`."""
        if key in self._signatures:
            self.remove(key)
        self._signatures[key] = signature_to_bytes(minhash)
        if not minhash.is_empty():
            self._lsh.insert(key, minhash, check_duplication=False)

    def remove(self, key: Key) -> None:
        """Forget `key`; unknown keys are ignored (a soft-deleted record may never have been indexed)."""
        if self._signatures.pop(key, None) is not None and key in self._lsh:
            self._lsh.remove(key)

    def query(self, minhash: MinHash) -> list[Key]:
        """Keys whose signatures collide with `minhash` in at least one band (candidates to verify)."""
        if minhash.is_empty():
            return []
        return list(self._lsh.query(minhash))

    def pairs(self) -> Iterator[tuple[Key, Key]]:
        """Every candidate pair once (keys ordered by insertion), for a whole-corpus scan."""
        order = {key: position for position, key in enumerate(self._signatures)}
        for bucket_table in self._lsh.hashtables:
            for band_key in bucket_table.keys():  # noqa: SIM118 - a datasketch storage, not a dict
                bucket = bucket_table.get(band_key)
                if len(bucket) < 2:
                    continue
                members = sorted(bucket, key=order.__getitem__)
                for i, first in enumerate(members):
                    for second in members[i + 1 :]:
                        yield first, second

    def candidate_pairs(self) -> set[tuple[Key, Key]]:
        """`pairs` without repeats (a pair colliding in several bands counts once)."""
        return set(self.pairs())

    # Storage ---------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Whole index: magic, a JSON header (parameters, keys), then the signatures in key order."""
        keys = list(self._signatures)
        header = json.dumps(
            {"bands": self.bands, "rows": self.rows, "num_perm": NUM_PERM, "scheme": MINHASH_SCHEME, "keys": keys},
            ensure_ascii=False,
        ).encode()
        body = b"".join(self._signatures[key] for key in keys)
        return _INDEX_MAGIC + struct.pack("<Q", len(header)) + header + body

    @classmethod
    def from_bytes(cls, data: bytes) -> TextIndex:
        """Inverse of `to_bytes`; rebuilds the LSH in memory. A damaged value raises ValueError."""
        if not data.startswith(_INDEX_MAGIC) or len(data) < len(_INDEX_MAGIC) + 8:
            raise ValueError("not a text index")
        start = len(_INDEX_MAGIC) + 8
        (length,) = struct.unpack("<Q", data[len(_INDEX_MAGIC) : start])
        try:
            meta = json.loads(data[start : start + length])
        except ValueError as exc:
            raise ValueError("not a text index") from exc
        if meta.get("num_perm") != NUM_PERM or meta.get("scheme") != MINHASH_SCHEME:
            raise ValueError("text index made with other parameters: rebuild it")
        keys = meta["keys"]
        body = data[start + length :]
        if len(body) != SIGNATURE_BYTES * len(keys):
            raise ValueError("text index truncated")
        index = cls(bands=int(meta["bands"]), rows=int(meta["rows"]))
        values = np.frombuffer(body, dtype="<u4").astype(np.uint32).reshape(len(keys), NUM_PERM)
        for key, row in zip(keys, values, strict=True):
            index.insert(key, _empty_minhash(row))
        return index

    def save(self, path: str | Path) -> None:
        """Write the index to `path` atomically (a temporary file, then rename)."""
        target = Path(path)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_bytes(self.to_bytes())
        temporary.replace(target)

    @classmethod
    def load(cls, path: str | Path) -> TextIndex:
        return cls.from_bytes(Path(path).read_bytes())


# ---------------------------------------------------------------------------------------------
# Exact check and passages


def jaccard(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> float:
    """Jaccard of two sorted unique arrays; two empty sets are not similar (0.0)."""
    return jaccard_and_shared(a, b)[0]


def jaccard_and_shared(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> tuple[float, int]:
    """Jaccard of two sorted unique arrays and the size of their intersection."""
    if not len(a) or not len(b):
        return 0.0, 0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common), common


def verify(
    a_shingles: Iterable[int] | npt.NDArray[np.uint32],
    b_shingles: Iterable[int] | npt.NDArray[np.uint32],
    boilerplate: BoilerplateModel | None = None,
) -> float:
    """Exact Jaccard of two shingle sets after dropping boilerplate (if a model is given)."""
    if boilerplate is None:
        return jaccard(_as_array(a_shingles), _as_array(b_shingles))
    return jaccard(boilerplate.drop(a_shingles), boilerplate.drop(b_shingles))


@dataclass(frozen=True)
class Match:
    """A candidate confirmed by the exact check: its key, Jaccard after boilerplate, and level."""

    key: Key
    score: float
    red: bool


def find_matches(
    kept: npt.NDArray[np.uint32],
    index: TextIndex,
    candidate_shingles: Callable[[Key], Iterable[int] | npt.NDArray[np.uint32] | None],
    *,
    boilerplate: BoilerplateModel | None = None,
    flag: float = FLAG_THRESHOLD,
    red: float = RED_THRESHOLD,
    min_shared: int = MIN_SHARED,
    exclude: Key | None = None,
) -> list[Match]:
    """The on-save check of one document against the index, best match first.

    `kept` is the new document's shingles without boilerplate; `candidate_shingles(key)` gives a
    candidate's shingles (from a stored column or by shingling its text again; None if it is gone)
    and has boilerplate dropped here when a model is given. A pair sharing fewer than
    `min_shared` shingles after boilerplate is not flagged whatever its Jaccard (see MIN_SHARED).
    `exclude` is the document's own key.
    """
    if not 0.0 < flag <= red <= 1.0:
        raise ValueError("thresholds must satisfy 0 < flag <= red <= 1")
    matches = []
    for key in index.query(signature(kept)):
        if key == exclude:
            continue
        other = candidate_shingles(key)
        if other is None:
            continue
        mine = boilerplate.drop(kept) if boilerplate is not None else _as_array(kept)
        theirs = boilerplate.drop(other) if boilerplate is not None else _as_array(other)
        score, shared = jaccard_and_shared(mine, theirs)
        if score >= flag and shared >= min_shared:
            matches.append(Match(key, score, score >= red))
    return sorted(matches, key=lambda match: (-match.score, str(match.key)))


Passage = tuple[int, int, int, int]


def shared_passages(text_a: str, text_b: str, min_len: int = 12, *, k: int = 8) -> list[Passage]:
    """Passages of at least `min_len` normalized characters found in both texts.

    Seed and extend: every k-gram of A that occurs in B is extended to the longest common run
    (so reordered paragraphs are found, unlike an in-order diff); each part of A is reported
    once. Returns (start_a, end_a, start_b, end_b) in offsets of the original texts, ordered by
    start_a; end offsets are exclusive. Linear in practice for 3,000-character texts.
    """
    if min_len < 1:
        raise ValueError("min_len must be positive")
    k = max(1, min(k, min_len))
    norm_a, map_a = normalize_with_offsets(text_a)
    norm_b, map_b = normalize_with_offsets(text_b)
    seeds: dict[str, list[int]] = {}
    for j in range(len(norm_b) - k + 1):
        seeds.setdefault(norm_b[j : j + k], []).append(j)
    found: list[Passage] = []
    i = 0
    while i <= len(norm_a) - k:
        best_len, best_j = 0, -1
        for j in seeds.get(norm_a[i : i + k], ())[:64]:
            length = k
            while i + length < len(norm_a) and j + length < len(norm_b) and norm_a[i + length] == norm_b[j + length]:
                length += 1
            if length > best_len:
                best_len, best_j = length, j
        if best_len >= min_len:
            found.append((map_a[i], map_a[i + best_len - 1] + 1, map_b[best_j], map_b[best_j + best_len - 1] + 1))
            i += best_len
        else:
            i += 1
    return found


# ---------------------------------------------------------------------------------------------
# Files


def extract_text(file_bytes: bytes, filename: str) -> str | None:
    """Text of an uploaded .docx, .pdf or .txt file; None when the file holds no text.

    A PDF without a text layer (a scanned document) gives None: its content is listed as "no
    text", never guessed. Other types, and damaged or encrypted files, raise `UnreadableFile`.
    """
    suffix = Path(filename).suffix.lower()
    if suffix == ".docx":
        text = _docx_text(file_bytes)
    elif suffix == ".pdf":
        text = _pdf_text(file_bytes)
    elif suffix == ".txt":
        text = _plain_text(file_bytes)
    else:
        raise UnreadableFile(f"unsupported file type: {suffix or filename}")
    return text if normalize(text) else None


def _docx_text(file_bytes: bytes) -> str:
    import docx  # python-docx: imported here, only uploads need it

    # A damaged upload can fail anywhere in the zip, XML or package layers (BadZipFile,
    # KeyError, XMLSyntaxError, PackageNotFoundError …): all of them mean "cannot read it".
    try:
        document = docx.Document(io.BytesIO(file_bytes))
        parts = [paragraph.text for paragraph in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.extend(cell.text for cell in row.cells)
    except Exception as exc:
        raise UnreadableFile("not a readable .docx file") from exc
    return "\n".join(parts)


def _pdf_text(file_bytes: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(file_bytes))
        encrypted = reader.is_encrypted
        pages = [] if encrypted else [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # as for .docx: a damaged file may fail in any layer of the parser
        raise UnreadableFile("not a readable PDF file") from exc
    if encrypted:
        raise UnreadableFile("encrypted PDF")
    return "\n".join(pages)


def _plain_text(file_bytes: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return file_bytes.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("text file in an unknown encoding")


__all__: Sequence[str] = [
    "FLAG_THRESHOLD",
    "MIN_SHARED",
    "NUM_PERM",
    "RED_THRESHOLD",
    "SHINGLE_K",
    "SIGNATURE_BYTES",
    "BoilerplateModel",
    "Match",
    "TextIndex",
    "UnreadableFile",
    "extract_text",
    "find_matches",
    "jaccard",
    "jaccard_and_shared",
    "normalize",
    "normalize_with_offsets",
    "shared_passages",
    "shingle_array",
    "shingles",
    "signature",
    "signature_from_bytes",
    "signature_to_bytes",
    "verify",
]
