"""Near-duplicate texts (issue 13 item 1): the on-save check, the corpus scan, pairs and their flags.

- `text_saved(kind, record)` is registered with `core.registry.register_text_saved`: the services
  that save a text call `registry.text_saved`, and one new document is checked against the index
  (its LSH bands looked up in `TextBand`, each candidate verified exactly after boilerplate).
- `scan_corpus` re-reads every text of every registered kind, refits the boilerplate model,
  rewrites the index and verifies the candidate pairs whose signatures put them near the flag
  threshold (`manage.py scan_texts`), streaming: a province's texts are never all in memory.
- Pairs at or above the flag threshold become `TextPair` rows (red at the red threshold); the
  supervisor confirms or dismisses them (steps of `workflows.py`); a dismissed pair stays
  dismissed whatever later scans find. Confirmed pairs are what `confirmed_flags` gives the rule
  checks of each kind (registered as `registry.register_text_flags`).

The thresholds are the R-S6 parameters `copy_flag_percent` / `copy_red_percent` (defaults 60 / 80,
the Jaccard after boilerplate), registered in `AnalysisConfig.ready`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from pangting.accounts import policy
from pangting.core import clock, jobs, parameters
from pangting.core.bulk import insert_values, update_rows
from pangting.core.models import Job
from pangting.core.parameters import Parameter
from pangting.lib import textdup
from pangting.lib.messages import N_

from . import sources, themes
from .models import BoilerplateState, TextBand, TextDocument, TextPair

RULE_ID = "R-S6"
BAND_CHUNK = 2000  # documents `scan_corpus` writes (and signs, with their index bands) at a time
SUPERVISE = policy.Action.STUDY_SUPERVISE
Progress = Callable[[int, int], None]


def register_parameters() -> None:
    """The copy thresholds as configurable parameters (the Jaccard after boilerplate, in percent)."""
    parameters.register(
        RULE_ID,
        Parameter("copy_flag_percent", 60, _("文本雷同提示阈值（去除套话后的相似度）"), "percent", unit="%"),
        Parameter("copy_red_percent", 80, _("文本高度雷同阈值（去除套话后的相似度）"), "percent", unit="%"),
    )


def thresholds() -> tuple[float, float]:
    values = parameters.values(RULE_ID)
    flag = float(values.get("copy_flag_percent", 60)) / 100
    red = float(values.get("copy_red_percent", 80)) / 100
    flag = min(max(flag, 0.01), 1.0)
    return flag, min(max(red, flag), 1.0)


# --- storage helpers ----------------------------------------------------------------------------


def _array(data: bytes | memoryview) -> npt.NDArray[np.uint32]:
    return np.frombuffer(bytes(data), dtype="<u4").astype(np.uint32)


def band_values(signature_bytes: bytes) -> list[tuple[int, int]]:
    """(band, value) of each LSH band of a signature; none for an empty signature."""
    if not signature_bytes or textdup.signature_from_bytes(signature_bytes).is_empty():
        return []
    width = textdup.LSH_ROWS * 4
    found = []
    for band in range(textdup.LSH_BANDS):
        chunk = signature_bytes[band * width : (band + 1) * width]
        digest = hashlib.blake2b(chunk, digest_size=8).digest()
        found.append((band, int.from_bytes(digest, "little", signed=True)))
    return found


def boilerplate() -> textdup.BoilerplateModel:
    """The corpus's boilerplate model as the last scan fitted it (an empty one before any scan)."""
    state = BoilerplateState.objects.order_by("pk").first()
    if state is None or not state.model:
        return textdup.BoilerplateModel()
    return textdup.BoilerplateModel.from_bytes(bytes(state.model))


def _submitter(record: Any) -> int | None:
    """The id of who last saved the record's text (its latest history row)."""
    history = getattr(record, "history", None)
    row = history.order_by("-history_date").values("history_user_id").first() if history is not None else None
    return row["history_user_id"] if row is not None else None


def _submitters(source: sources.TextSource) -> dict[int, int | None]:
    """`_submitter` for every record of a kind at once: {record id: user id} from one history read."""
    history = getattr(source.model_class(), "history", None)
    if history is None:
        return {}
    latest: dict[int, int | None] = {}
    for pk, user_id in history.order_by("id", "-history_date", "-history_id").values_list("id", "history_user_id"):
        latest.setdefault(pk, user_id)
    return latest


@dataclass
class Read:
    """One record's text as the index sees it."""

    source: sources.TextSource
    record: Any
    text: str
    note: str
    shingles: npt.NDArray[np.uint32]

    @property
    def empty(self) -> bool:
        """Nothing written and no file: not a document (a file without text is one, listed as "no text")."""
        return not self.text.strip() and not self.note


def read(kind: str, record: Any) -> Read:
    source = sources.get(kind)
    text, note = source.read(record)
    return Read(source, record, text, note, textdup.shingle_array(text))


# The fields `_fill` sets, for writing many documents at once: those read from the record's other
# fields and those computed from its text (left as they are when the text did not change).
RECORD_FIELDS = ["organization", "title", "author", "submitted_by", "submitted_at", "indexed_at", "deleted_at"]
TEXT_FIELDS = ["text_hash", "length", "has_text", "note", "shingles", "theme_tokens", "read_digest"]


def read_digest(item: Read) -> str:
    """The digest of a record's text and note as read (`TextDocument.read_digest`)."""
    return hashlib.blake2b(f"{item.note}\x00{item.text}".encode(), digest_size=16).hexdigest()


def _fill(doc: TextDocument, item: Read, submitted_by_id: int | None, *, text: bool = True) -> None:
    """Everything of a document read from its record but its signature (which needs the boilerplate model).

    `text=False` leaves the fields computed from the text (`TEXT_FIELDS`) as they are: the scan
    passes it for a text whose `read_digest` is the one stored.
    """
    record = item.record
    doc.organization = item.source.organization(record)
    doc.title = str(record)[:200]
    doc.author = item.source.author_of(record)[:100]
    doc.submitted_by_id = submitted_by_id
    doc.submitted_at = item.source.submitted_at(record)
    doc.indexed_at = clock.now()
    doc.deleted_at = None
    if not text:
        return
    norm = textdup.normalize(item.text)
    doc.text_hash = hashlib.sha256(norm.encode()).hexdigest()
    doc.length = len(norm)
    doc.has_text = bool(norm)
    doc.note = item.note[:200]
    doc.shingles = item.shingles.astype("<u4").tobytes()
    doc.theme_tokens = themes.speech_tokens(doc.kind, item.text)  # the theme hints' words (R-S6)
    doc.read_digest = read_digest(item)


def indexed(kept: npt.NDArray[np.uint32]) -> bool:
    """Whether a text goes into the index's bands: one with fewer shingles after boilerplate than a
    pair must share (`textdup.MIN_SHARED`) can never be in a pair, and is left out.

    Short texts (a line of feedback, a generated speech) otherwise made the province's candidate
    pairs grow with the square of the texts: at 10,000 units the scan's self-join of the band
    table spilled 4.8 GB to disk before its first row (issue 15).
    """
    return len(kept) >= textdup.MIN_SHARED


def _write_bands(doc: TextDocument, kept: npt.NDArray[np.uint32]) -> list[tuple[int, int]]:
    TextBand.objects.filter(document=doc).delete()
    values = band_values(bytes(doc.signature)) if indexed(kept) else []
    TextBand.objects.bulk_create([TextBand(document=doc, band=band, value=value) for band, value in values])
    return values


# --- the on-save check --------------------------------------------------------------------------


def _alive(record: Any) -> bool:
    return getattr(record, "deleted_at", None) is None


@transaction.atomic
def text_saved(kind: str, record: Any) -> list[TextPair]:
    """Index one saved (or deleted) text and check it against the index; the pairs it is in now.

    Registered with `core.registry.register_text_saved`. A kind not registered here is ignored.
    """
    try:
        sources.get(kind)
    except KeyError:
        return []
    doc = TextDocument.objects.filter(kind=kind, object_id=record.pk).first()
    if not _alive(record):
        if doc is not None:
            forget(doc)
        return []
    item = read(kind, record)
    if item.empty:
        if doc is not None:
            forget(doc)
        return []
    model = boilerplate()
    kept = model.drop(item.shingles)
    doc = doc or TextDocument(kind=kind, object_id=record.pk)
    _fill(doc, item, _submitter(record))
    doc.signature = textdup.signature_to_bytes(textdup.signature(kept))
    doc.save()
    values = _write_bands(doc, kept)
    if _standard_text(doc, model):
        values = []  # handed in word for word by many: a standard text, as the boilerplate model says
    return check_document(doc, kept, values, model)


def _standard_text(doc: TextDocument, model: textdup.BoilerplateModel) -> bool:
    """Whether more documents than the boilerplate limit have exactly this text (a form text, a template).

    The boilerplate model treats content shared by more documents than its floor as standard
    text, not copying; the next scan drops it as boilerplate. Until then the on-save check must
    not pair every one of them with every other.
    """
    if not doc.text_hash:
        return False
    same = TextDocument.objects.filter(text_hash=doc.text_hash, deleted_at__isnull=True).exclude(pk=doc.pk)
    return same.count() >= model.limit


def forget(doc: TextDocument) -> None:
    """A deleted record's text leaves the index; its open pairs go (confirmed ones stay, with history)."""
    doc.deleted_at = clock.now()
    doc.save(update_fields=["deleted_at"])
    TextBand.objects.filter(document=doc).delete()
    for pair in TextPair.objects.filter(Q(first=doc) | Q(second=doc), state=TextPair.State.OPEN):
        pair.soft_delete(actor=_system())


def _system() -> Any:
    from pangting.core.system import system_actor

    return system_actor()


def check_document(
    doc: TextDocument,
    kept: npt.NDArray[np.uint32],
    values: list[tuple[int, int]],
    model: textdup.BoilerplateModel,
) -> list[TextPair]:
    """Verify the candidates sharing a band with `doc`; create or update the pairs that pass."""
    if not values:
        candidates: list[int] = []
    else:
        condition = Q()
        for band, value in values:
            condition |= Q(band=band, value=value)
        candidates = list(
            TextBand.objects.filter(condition)
            .exclude(document=doc)
            .filter(document__deleted_at__isnull=True)
            .values_list("document_id", flat=True)
            .distinct()
        )
    flag, red = thresholds()
    found: dict[int, tuple[float, int]] = {}
    for other in TextDocument.objects.filter(pk__in=candidates).only("pk", "shingles"):
        score, shared = textdup.jaccard_and_shared(kept, model.drop(_array(other.shingles)))
        if score >= flag and shared >= textdup.MIN_SHARED:
            found[other.pk] = (score, shared)
    if len(found) > model.limit:
        found = {}  # alike with more texts than the boilerplate limit: standard text, not a copy
    pairs = [_upsert_pair(doc.pk, other, score, shared, red) for other, (score, shared) in found.items()]
    # Open pairs of this document that no longer hold (the text was changed) are withdrawn.
    stale = TextPair.objects.filter(Q(first=doc) | Q(second=doc), state=TextPair.State.OPEN)
    for pair in stale.exclude(pk__in=[p.pk for p in pairs if p is not None]):
        pair.soft_delete(actor=_system())
    return [pair for pair in pairs if pair is not None]


def _upsert_pair(a: int, b: int, score: float, shared: int, red_threshold: float) -> TextPair | None:
    """Create or refresh the pair (a, b); a dismissed pair is never raised again (None)."""
    first, second = min(a, b), max(a, b)
    pair = TextPair.all_objects.filter(first_id=first, second_id=second).first()
    red = score >= red_threshold
    actor = _system()
    if pair is None:
        pair = TextPair(first_id=first, second_id=second, score=score, shared=shared, red=red)
        pair._history_user = actor
        pair.save()
        return pair
    if pair.state == TextPair.State.DISMISSED:
        return None
    if pair.deleted_at is not None or abs(pair.score - score) > 1e-9 or pair.red != red or pair.shared != shared:
        pair.score, pair.shared, pair.red, pair.deleted_at = score, shared, red, None
        pair._history_user = actor
        pair.save()
    return pair


# --- the whole corpus -----------------------------------------------------------------------------


def _records(source: sources.TextSource) -> Iterator[Any]:
    model: Any = source.model_class()
    records = model._default_manager.all().order_by("pk")
    if related := source.related_paths():
        records = records.select_related(*related)
    yield from records.iterator(chunk_size=500)


def count_records() -> int:
    total = 0
    for source in sources.all_sources():
        model: Any = source.model_class()
        total += model._default_manager.count()
    return total


@dataclass
class ScanResult:
    documents: int = 0
    with_text: int = 0
    no_text: int = 0
    boilerplate: int = 0
    candidates: int = 0
    pairs: int = 0
    red: int = 0


# How far below the flag threshold a candidate's signature estimate may fall and still be verified.
# The estimate is the share of the 128 MinHash values two signatures have in common (a binomial of
# 128 draws at their Jaccard): for two texts exactly at any threshold it falls this far below
# with a probability under one in 100 million (5.6 standard deviations or more).
ESTIMATE_MARGIN = 0.25
PAIR_CHUNK = 20_000  # candidate pairs read and verified at a time


@transaction.atomic
def scan_corpus(*, progress: Progress | None = None, max_share: float = 0.002, min_docs: int = 20) -> ScanResult:
    """Re-read every text, refit the boilerplate model, rebuild the index and verify the candidates.

    The scan streams, so a province's texts are never all in memory (issue 15):

    1. every record is read once; its document is written (text, shingles, theme words) a chunk
       at a time and its shingles are counted for the boilerplate model;
    2. the documents are read back a chunk at a time: each one's signature without boilerplate
       is stored with its index bands (none for a text too short to be in a pair, `indexed`),
       and kept in one array for step 3;
    3. the candidate pairs (documents sharing a band) come from the band table, sorted, a chunk
       at a time; those whose signatures estimate them well below the flag threshold are passed
       over (`ESTIMATE_MARGIN`), the others are verified exactly on their shingles read then.

    `progress(done, total)` is told after each record read and again while pairs are verified.
    """
    total = count_records()
    result = ScanResult()
    known = KnownDocuments()
    frequencies = textdup.DocumentFrequencies()
    done = 0
    for source in sources.all_sources():
        by = _submitters(source)
        batch: list[TextDocument] = []
        for record in _records(source):
            item = read(source.kind, record)
            if not item.empty:
                pk, digest = known.take(source.kind, record.pk)
                doc = TextDocument(pk=pk, kind=source.kind, object_id=record.pk)
                _fill(doc, item, by.get(record.pk), text=digest != read_digest(item))
                frequencies.add(item.shingles)
                batch.append(doc)
                if len(batch) >= BAND_CHUNK:
                    _write_documents(batch)
            done += 1
            if progress is not None:
                progress(done, total)
        _write_documents(batch)
    for gone in known.not_taken(BAND_CHUNK):
        for doc in TextDocument.objects.filter(pk__in=gone, deleted_at__isnull=True):
            forget(doc)

    model = frequencies.model(max_share=max_share, min_docs=min_docs)
    del frequencies
    state = BoilerplateState.objects.order_by("pk").first() or BoilerplateState()
    state.model, state.n_docs, state.fitted_at = model.to_bytes(), model.n_docs, clock.now()
    state.save()
    result.boilerplate = len(model)

    TextBand.objects.all().delete()
    signed, signatures = _sign_documents(model, result)
    flag, red = thresholds()
    found: set[tuple[int, int]] = set()
    for number, (a, b, score, shared) in enumerate(_verified_pairs(model, signed, signatures, flag, result), 1):
        if score >= flag and shared >= textdup.MIN_SHARED:
            pair = _upsert_pair(a, b, score, shared, red)
            found.add((a, b))
            if pair is not None:
                result.pairs += 1
                result.red += pair.red
        if progress is not None and number % 200 == 0:
            progress(done, total)
    for pair in TextPair.objects.filter(state=TextPair.State.OPEN):
        if (pair.first_id, pair.second_id) not in found:
            pair.soft_delete(actor=_system())
    return result


Ids = npt.NDArray[np.int64]


class KnownDocuments:
    """The documents the index holds, by kind and record id, in 49 bytes each (a province has 450,000).

    `take(kind, record id)` gives a record's document id and read digest (None and "" for a new
    one) and marks it seen; `not_taken` gives the ids of the others, whose records are gone or
    have no text any more.
    """

    def __init__(self) -> None:
        rows: dict[str, list[tuple[int, int, str]]] = {}
        for kind, *row in TextDocument.objects.order_by("kind", "object_id").values_list(
            "kind", "object_id", "pk", "read_digest"
        ):
            rows.setdefault(kind, []).append(tuple(row))  # type: ignore[arg-type]
        self._kinds: dict[str, tuple[Ids, Ids, npt.NDArray[np.bytes_], npt.NDArray[np.bool_]]] = {}
        for kind, found in rows.items():
            records, documents, digests = zip(*found, strict=True)
            self._kinds[kind] = (
                np.array(records, dtype=np.int64),
                np.array(documents, dtype=np.int64),
                np.array([digest.encode() for digest in digests], dtype="S32"),
                np.zeros(len(found), dtype=np.bool_),
            )

    def take(self, kind: str, object_id: int) -> tuple[int | None, str]:
        if kind not in self._kinds:
            return None, ""
        records, documents, digests, taken = self._kinds[kind]
        at = int(np.searchsorted(records, object_id))
        if at == len(records) or records[at] != object_id:
            return None, ""
        taken[at] = True
        return int(documents[at]), digests[at].decode()

    def not_taken(self, size: int) -> Iterator[list[int]]:
        """The documents not taken, in lists of at most `size` ids."""
        for _records, documents, _digests, taken in self._kinds.values():
            gone = documents[~taken].tolist()
            for start in range(0, len(gone), size):
                yield gone[start : start + size]


def _write_documents(batch: list[TextDocument]) -> None:
    """Store a chunk of filled documents (the signature comes in the second pass) and empty it.

    A document whose text did not change (no `read_digest` set on the instance) keeps the
    fields computed from it.
    """
    known = [doc for doc in batch if doc.pk is not None]
    update_rows(TextDocument, [doc for doc in known if doc.read_digest], RECORD_FIELDS + TEXT_FIELDS)
    update_rows(TextDocument, [doc for doc in known if not doc.read_digest], RECORD_FIELDS)
    TextDocument.objects.bulk_create([doc for doc in batch if doc.pk is None], batch_size=500)
    batch.clear()


def _sign_documents(model: textdup.BoilerplateModel, result: ScanResult) -> tuple[Ids, npt.NDArray[np.uint32]]:
    """Store every live document's signature without boilerplate and its index bands, a chunk at a time.

    Returns the documents' ids (ascending) and their signatures' hash values, one row each:
    512 bytes a document, whatever the length of its text.
    """
    live = TextDocument.objects.filter(deleted_at__isnull=True).order_by("pk")
    id_chunks: list[Ids] = []
    signature_chunks: list[npt.NDArray[np.uint32]] = []
    last = 0
    while chunk := list(live.filter(pk__gt=last).values_list("pk", "has_text", "shingles")[:BAND_CHUNK]):
        signed: list[TextDocument] = []
        bands: list[tuple[int, int, int]] = []
        hashvalues = np.empty((len(chunk), textdup.NUM_PERM), dtype=np.uint32)
        for row, (pk, has_text, shingles) in enumerate(chunk):
            kept = model.drop(_array(shingles))
            minhash = textdup.signature(kept)
            data = textdup.signature_to_bytes(minhash)
            hashvalues[row] = minhash.hashvalues
            result.documents += 1
            result.with_text += has_text
            result.no_text += not has_text
            signed.append(TextDocument(pk=pk, signature=data))
            if indexed(kept):
                bands.extend((pk, band, value) for band, value in band_values(data))
        update_rows(TextDocument, signed, ["signature"])
        insert_values(TextBand, ["document", "band", "value"], bands)  # COPY on PostgreSQL
        id_chunks.append(np.array([pk for pk, _has_text, _shingles in chunk], dtype=np.int64))
        signature_chunks.append(hashvalues)
        last = chunk[-1][0]
    if not id_chunks:
        return np.empty(0, dtype=np.int64), np.empty((0, textdup.NUM_PERM), dtype=np.uint32)
    return np.concatenate(id_chunks), np.concatenate(signature_chunks)


def _candidate_chunks() -> Iterator[list[tuple[int, int]]]:
    """Every pair of documents sharing an index band once, (smaller id, larger id) ascending."""
    band = TextBand._meta.db_table
    # A server-side cursor on PostgreSQL: the pairs are fetched a chunk at a time, not all at once.
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT a.document_id, b.document_id FROM {band} a JOIN {band} b "  # noqa: S608 - the table's name  # nosec B608
            "ON a.band = b.band AND a.value = b.value AND a.document_id < b.document_id ORDER BY 1, 2"
        )
        while rows := cursor.fetchmany(PAIR_CHUNK):
            yield rows


def _rows_of(ids: Ids, wanted: Ids) -> Ids:
    """The row of each of `wanted` in the sorted `ids`, or -1 for one not among them."""
    rows = np.minimum(np.searchsorted(ids, wanted), max(len(ids) - 1, 0))
    found = ids[rows] == wanted if len(ids) else np.zeros(len(wanted), dtype=np.bool_)
    return np.where(found, rows, -1)


def _verified_pairs(
    model: textdup.BoilerplateModel, ids: Ids, signatures: npt.NDArray[np.uint32], flag: float, result: ScanResult
) -> Iterator[tuple[int, int, float, int]]:
    """(first, second, Jaccard, shared shingles) of each candidate pair near enough to verify."""
    floor = flag - ESTIMATE_MARGIN
    for rows in _candidate_chunks():
        result.candidates += len(rows)
        pairs = np.array(rows, dtype=np.int64).reshape(-1, 2)
        # A document saved while the scan ran may have committed its bands without being signed
        # here: its pairs are left to its own on-save check.
        first, second = _rows_of(ids, pairs[:, 0]), _rows_of(ids, pairs[:, 1])
        signed = (first >= 0) & (second >= 0)
        pairs, first, second = pairs[signed], first[signed], second[signed]
        estimate = (signatures[first] == signatures[second]).mean(axis=1)
        near = pairs[estimate >= floor]
        if not len(near):
            continue
        wanted = np.unique(near).tolist()
        kept: dict[int, npt.NDArray[np.uint32]] = {}
        for start in range(0, len(wanted), BAND_CHUNK):
            shingles_of = TextDocument.objects.filter(pk__any_of=wanted[start : start + BAND_CHUNK])
            kept.update((pk, model.drop(_array(data))) for pk, data in shingles_of.values_list("pk", "shingles"))
        for a, b in near.tolist():
            score, shared = textdup.jaccard_and_shared(kept[a], kept[b])
            yield a, b, score, shared


# --- pairs for a user ------------------------------------------------------------------------------


def pairs_for_user(user: Any) -> QuerySet[TextPair]:
    """The pairs whose two texts both belong to organizations the user supervises (policy reach)."""
    reach = policy.reach(user, SUPERVISE)
    if reach.is_empty:
        return TextPair.objects.none()
    return (
        TextPair.objects.filter(reach.q("first__organization") & reach.q("second__organization"))
        .select_related("first__organization", "second__organization", "first__submitted_by", "second__submitted_by")
        .order_by("state", "-red", "-score", "pk")
    )


def get_pair_for_user(user: Any, pk: Any) -> TextPair:
    """One pair in the user's reach, or 404 (missing and forbidden alike)."""
    return policy.get_for_user(pairs_for_user(user), user, pk, SUPERVISE)


def may_decide(user: Any, pair: TextPair) -> bool:
    """The supervisor of both texts' organizations confirms or dismisses a pair."""
    return policy.can(user, SUPERVISE, pair.first.organization) and policy.can(
        user, SUPERVISE, pair.second.organization
    )


def source_record(doc: TextDocument) -> Any:
    """The record a document was read from (soft-deleted ones too), or None."""
    try:
        model: Any = sources.get(doc.kind).model_class()
    except (KeyError, LookupError):
        return None
    return model._base_manager.filter(pk=doc.object_id).first()


def text_of(doc: TextDocument) -> str:
    record = source_record(doc)
    return sources.get(doc.kind).read(record)[0] if record is not None else ""


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[str, bool]]:
    """`text` cut into (segment, shared?) pieces by the (start, end) spans, overlapping ones merged."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in merged:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


@dataclass
class Side:
    doc: TextDocument
    kind_label: str
    pieces: list[tuple[str, bool]]
    shared_chars: int


def sides(pair: TextPair) -> tuple[Side, Side]:
    """Both texts cut into pieces with the shared passages marked, for the side-by-side page."""
    text_a, text_b = text_of(pair.first), text_of(pair.second)
    passages = textdup.shared_passages(text_a, text_b)
    spans_a = [(p[0], p[1]) for p in passages]
    spans_b = [(p[2], p[3]) for p in passages]
    return _side(pair.first, text_a, spans_a), _side(pair.second, text_b, spans_b)


def _side(doc: TextDocument, text: str, spans: list[tuple[int, int]]) -> Side:
    return Side(doc, sources.label_of(doc.kind), highlight(text, spans), sum(end - start for start, end in spans))


# --- what the rule checks read --------------------------------------------------------------------


def confirmed_flags(kind: str, ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """{record id: [flag, …]} for the records of `kind` among `ids` that are the copy in a confirmed pair.

    The copy is the text submitted later: the earlier one is its source (last semester's record
    copied this semester, another unit's speech handed in again) and is not flagged for it; two
    texts submitted at the same moment are both flagged.
    A flag: {"pair", "score", "red", "other_kind", "other_id", "other_org", "other_title"}.
    """
    wanted = set(ids)
    flags: dict[int, list[dict[str, Any]]] = {}
    if not wanted:
        return flags
    # Confirmed pairs are few (a supervisor decided each): read them by their indexed state and
    # match the records here. Matching thousands of ids in SQL, on either side of the pair, made
    # PostgreSQL test every pair against the whole list, for minutes at a time.
    # Two plain queries, no join: the pairs by state, then their documents by id without the
    # shingles and signatures (large), so no plan can turn it into a scan of every document.
    confirmed = TextPair.objects.filter(state=TextPair.State.CONFIRMED).order_by("pk")
    pairs = list(confirmed.only("pk", "first_id", "second_id", "score", "red"))
    documents = TextDocument.objects.filter(pk__in={p.first_id for p in pairs} | {p.second_id for p in pairs})
    by_id = {
        d.pk: d
        for d in documents.select_related("organization").only(
            "kind", "object_id", "title", "submitted_at", "organization__name", "organization__short_name"
        )
    }
    for pair in pairs:
        first, second = by_id.get(pair.first_id), by_id.get(pair.second_id)
        if first is None or second is None or kind not in (first.kind, second.kind):
            continue
        for me, other in ((first, second), (second, first)):
            if me.kind != kind or me.object_id not in wanted:
                continue
            if me.submitted_at and other.submitted_at and me.submitted_at < other.submitted_at:
                continue  # the source, not the copy
            flags.setdefault(me.object_id, []).append(
                {
                    "pair": pair.pk,
                    "score": round(pair.score, 3),
                    "red": pair.red,
                    "other_kind": other.kind,
                    "other_id": other.object_id,
                    "other_org": other.organization.display_name,
                    "other_title": other.title,
                }
            )
    return flags


def flag_provider(kind: str) -> Callable[[Iterable[int]], dict[int, list[dict[str, Any]]]]:
    def provider(ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        return confirmed_flags(kind, ids)

    provider.__qualname__ = f"confirmed_flags[{kind}]"
    return provider


# --- the supervisor's decision ---------------------------------------------------------------------

STEPS = ("confirm", "dismiss")


def decide_pair(
    pair: TextPair, step: str, *, actor: Any, expected_version: int | None = None, reason: str = ""
) -> TextPair:
    """Confirm or dismiss a pair through its workflow (permission first, then state and version)."""
    from pangting.core.transitions import run_step

    if step not in STEPS:
        raise LookupError(step)
    return run_step(pair, step, actor=actor, expected_version=expected_version, reason=reason)


def pairs_of_unit(user: Any, unit: Any) -> QuerySet[TextPair]:
    """The pairs in the user's reach with a text of `unit` (the unit page)."""
    return pairs_for_user(user).filter(Q(first__organization=unit) | Q(second__organization=unit))


def scan_job(job: Job) -> dict[str, Any]:
    """`scan_corpus` as a background job (`scan_texts --enqueue`): the texts read are reported
    about every hundredth, so a large corpus does not write its progress row per text."""

    def report(done: int, total: int) -> None:
        if done == total or done % max(1, total // 100) == 0:
            jobs.progress(job, done, total, N_("已读取{done}份文本，共{total}份。"), done=done, total=total)

    scan_corpus(progress=report)
    return {}
