"""Theme adherence of speeches (issue 13 item 3, R-S6): hints for the supervisor, never findings.

For the held center-group sessions of a year in the user's supervision, each speech with text
(outline, written material, its uploaded file) is compared with its session's theme (title and
content) and, when the session names one, the plan theme (theme and materials) by TF-IDF over
jieba tokens (`pangting.lib.themefit`, the IDF fitted on that year's speeches). The lowest
similarities are listed first, each with the words it shares with the theme.

The page never cuts a speech into words (issue 15): each speech's words are counted when its
text is saved and kept on its near-duplicate index document (`TextDocument.theme_tokens`, filled
with the rest of the document by `duplicates`), the words of session and plan themes in
`ThemeTokens` (written by `text_saved` here when a service saves them). The page reads the
counts of the speeches in reach, fits the IDF and computes the cosines. `score_speeches` is the
same computation from the texts themselves: the recount that `rebuild_theme_tokens --check` and
the tests compare with.

Nor does it rank the same speeches twice: the ranking of a reach and year is kept
(`ThemeRanking`) with the digest of its inputs, and a reading whose inputs have the same digest
reads the ranking instead of the words (`ranked_in_reach`).
"""

from __future__ import annotations

import hashlib
import math
import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import MD5

from pangting.accounts import policy
from pangting.core import clock
from pangting.lib import themefit
from pangting.study.models import PlanTheme, SessionKind, Speech, StudySession

from . import sources
from .models import RankedSpeech, TextDocument, ThemeRanking, ThemeTokens

DEFAULT_LIMIT = 30
SPEECH = "speech"
SESSION_THEME = "session_theme"
PLAN_THEME = "plan_theme"


def best_score(session_score: float, plan_score: float | None) -> float:
    """The better of the two similarities: a speech on either theme is on theme (R-S6)."""
    return max(session_score, plan_score or 0.0)


@dataclass(frozen=True)
class ThemeHint:
    """One speech, its similarity to the session's theme and to the plan theme, the shared words."""

    speech: Any
    session: Any
    session_score: float
    plan_score: float | None
    words: tuple[str, ...]

    @property
    def score(self) -> float:
        return best_score(self.session_score, self.plan_score)

    @property
    def percent(self) -> str:
        return f"{self.score * 100:.0f}%"


def _joined(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def _session_theme(session: StudySession) -> str:
    return _joined(session.title, session.content)


def _plan_text(theme: PlanTheme | None) -> str:
    return _joined(theme.theme, theme.materials) if theme is not None else ""


def _plan_theme(session: StudySession) -> str:
    return _plan_text(session.plan_theme)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def token_counts(text: str) -> list[tuple[str, int]]:
    """The theme words of `text` with their counts, as stored (`themefit.counts` of its tokens)."""
    return themefit.counts(themefit.tokens(text))


def stored(value: str) -> list[tuple[str, int]]:
    """Stored counts as (word, count) pairs."""
    return themefit.unpack(value)


def speech_tokens(kind: str, text: str) -> str:
    """What a near-duplicate index document of `kind` keeps as its theme words (only speeches have any)."""
    return themefit.pack(token_counts(text)) if kind == SPEECH else ""


def text_saved(kind: str, record: Any) -> None:
    """Registered with `core.registry.register_text_saved`: a center-group session's or plan theme's words kept.

    Study's services call it when they save a session (its title or content) or a plan theme. A
    speech's words are kept with its index document (`duplicates.text_saved`), not here.
    """
    if kind == SESSION_THEME and record.kind == SessionKind.CENTER_GROUP:
        store(SESSION_THEME, record.pk, _session_theme(record))
    elif kind == PLAN_THEME:
        store(PLAN_THEME, record.pk, _plan_text(record))


def store(kind: str, object_id: int, text: str) -> ThemeTokens:
    row, _created = ThemeTokens.objects.update_or_create(
        kind=kind,
        object_id=object_id,
        defaults={"text_hash": text_hash(text), "tokens": themefit.pack(token_counts(text))},
    )
    return row


def _held_sessions(reach: Any, year: int) -> QuerySet[StudySession]:
    """The year's held center-group sessions in `reach` (the sessions whose speeches are scored)."""
    return StudySession.objects.filter(reach.q("organization")).filter(
        kind=SessionKind.CENTER_GROUP, status=StudySession.Status.HELD, starts_at__year=year, deleted_at__isnull=True
    )


def _in_reach(user: Any, year: int) -> tuple[QuerySet[Speech], QuerySet[StudySession]] | None:
    """The speeches with text of the year's held center-group sessions in the user's supervision, and those sessions."""
    reach = policy.reach(user, policy.Action.STUDY_SUPERVISE)
    if reach.is_empty:
        return None
    speeches = (
        Speech.objects.filter(reach.q("session__organization"))
        .filter(
            session__kind=SessionKind.CENTER_GROUP,
            session__status=StudySession.Status.HELD,
            session__starts_at__year=year,
            session__deleted_at__isnull=True,
        )
        .filter(~Q(outline="") | ~Q(written_text="") | ~Q(file=""))
    )
    return speeches, _held_sessions(reach, year)


def speeches_in_reach(user: Any, year: int) -> list[Speech]:
    found = _in_reach(user, year)
    if found is None:
        return []
    return list(
        found[0]
        .select_related("session__organization", "session__plan_theme")
        .order_by("session__starts_at", "session_id", "order", "pk")
    )


def score_speeches(speeches: list[Speech]) -> list[ThemeHint]:
    """Every speech with content words, scored against its themes; lowest first.

    Cut from the texts themselves (files read): the recount that `rank`, from the stored words,
    gives exactly (tests, `rebuild_theme_tokens --check`); never run by the page.
    """
    source = sources.get("speech")
    texts = [themefit.tokens(source.read(speech)[0]) for speech in speeches]
    model = themefit.TfIdf.fit(texts)
    hints = []
    for speech, words in zip(speeches, texts, strict=True):
        if not words:
            continue
        vector = model.vector(words)
        session_vector = model.vector(themefit.tokens(_session_theme(speech.session)))
        plan_text = _plan_theme(speech.session)
        plan_vector = model.vector(themefit.tokens(plan_text)) if plan_text else None
        session_score = themefit.cosine(vector, session_vector)
        plan_score = themefit.cosine(vector, plan_vector) if plan_vector is not None else None
        best = plan_vector if plan_vector is not None and (plan_score or 0) > session_score else session_vector
        hints.append(
            ThemeHint(speech, speech.session, session_score, plan_score, tuple(themefit.shared_words(vector, best)))
        )
    return sorted(hints, key=lambda hint: (hint.score, hint.speech.pk))


@dataclass(frozen=True)
class Scored:
    """One speech's scores (by id), as `rank` computes them."""

    speech_id: int
    session_score: float
    plan_score: float | None
    words: tuple[str, ...]

    @property
    def score(self) -> float:
        return best_score(self.session_score, self.plan_score)


class Counted(NamedTuple):
    """One speech as `rank` reads it: its packed words (`themefit.pack`), its themes' words.

    `plan_words` is None when the session names no plan theme (or one without text).
    """

    speech_id: int
    words: str
    session_id: int
    session_words: themefit.Counts
    plan_id: int | None
    plan_words: themefit.Counts | None


def rank(items: Sequence[Counted], limit: int | None = None) -> list[Scored]:
    """`score_speeches` from counted words: the same floats, the same order, the same shared words.

    A page reads thousands of speeches, so the work per speech is done by built-ins: the words
    split from their packed form, the weights mapped, the norm summed, in the order and with the
    operations of `TfIdf.vector_counts`. Each theme's vector is computed once (the IDF is the same
    for every speech). A cosine reads only the words a speech shares with the theme, in the order
    `themefit.cosine` sums them (the shorter vector's); skipping the other words only skips adding
    zeros, so every score is the same float as the recount's. The shared words are found for the
    first `limit` speeches only (all without a limit).
    """
    split = [(item, item.words.split(" ")) for item in items if item.words]
    frequency: Counter[str] = Counter()
    for _item, parts in split:
        frequency.update(parts[::2])
    n_docs = len(items)  # a speech without words counts in the IDF, as in `TfIdf.fit`
    model = themefit.TfIdf.from_frequency(frequency, n_docs)
    sublinear = _Sublinear()
    themes: dict[tuple[str, int], themefit.Vector] = {}

    def theme_vectors(item: Counted) -> tuple[themefit.Vector, themefit.Vector | None]:
        key = (SESSION_THEME, item.session_id)
        if (session := themes.get(key)) is None:
            session = themes[key] = model.vector_counts(item.session_words)
        if item.plan_words is None:
            return session, None
        key = (PLAN_THEME, item.plan_id or 0)
        if (plan := themes.get(key)) is None:
            plan = themes[key] = model.vector_counts(item.plan_words)
        return session, plan

    def weighed(parts: list[str]) -> tuple[list[str], dict[str, float], float]:
        words = parts[::2]
        weights = list(map(operator.mul, map(sublinear.__getitem__, parts[1::2]), map(model.idf.__getitem__, words)))
        return words, dict(zip(words, weights, strict=True)), math.sqrt(sum(map(operator.mul, weights, weights)))

    scores = []
    for number, (item, parts) in enumerate(split):
        words, speech, norm = weighed(parts)
        session_vector, plan_vector = theme_vectors(item)
        session_score = _cosine(words, speech, norm, session_vector)
        plan_score = _cosine(words, speech, norm, plan_vector) if plan_vector is not None else None
        scores.append((best_score(session_score, plan_score), item.speech_id, session_score, plan_score, number))
    scores.sort()  # by score, then speech id (unique: nothing after it is compared)

    ranked = []
    for _score, speech_id, session_score, plan_score, number in scores[:limit]:
        item, parts = split[number]
        _words, speech, norm = weighed(parts)
        session_vector, plan_vector = theme_vectors(item)
        best = plan_vector if plan_vector is not None and (plan_score or 0) > session_score else session_vector
        shared = sorted(
            ((speech[word] / norm * best[word], word) for word in speech.keys() & best.keys()), reverse=True
        )
        ranked.append(Scored(speech_id, session_score, plan_score, tuple(word for _w, word in shared[:5])))
    return ranked


class _Sublinear(dict[str, float]):
    """1 + log(count) by the count as stored (a string), computed once per distinct count."""

    def __missing__(self, count: str) -> float:
        value = self[count] = 1 + math.log(int(count))
        return value


def _cosine(words: list[str], speech: dict[str, float], norm: float, theme: themefit.Vector) -> float:
    """`themefit.cosine(speech vector, theme)`, the speech's vector given as its weights and norm."""
    if len(words) > len(theme):  # the theme's words, in its order
        terms = (weight * (speech[word] / norm) for word, weight in theme.items() if word in speech)
        return sum(terms, 0.0) if theme else 0
    return sum(((speech[word] / norm) * theme[word] for word in words if word in theme), 0.0)


class Themes(NamedTuple):
    """A session's theme words and its plan theme's (None when it names none, or one without text),
    packed as stored (`themefit.pack`): unpacked only when the speeches are ranked."""

    session_words: str
    plan_id: int | None
    plan_words: str | None


def _themes_of(sessions: QuerySet[StudySession]) -> dict[int, Themes]:
    """The theme words of `sessions`, by session id: two queries; a text is cut only when its stored
    words were cut from another text than its record's now (written by other means than the services)."""
    rows = list(
        sessions.order_by().values_list(
            "pk", "title", "content", "plan_theme_id", "plan_theme__theme", "plan_theme__materials"
        )
    )
    tokens = ThemeTokens.objects.filter(
        Q(kind=SESSION_THEME, object_id__in=sessions.values("pk"))
        | Q(kind=PLAN_THEME, object_id__in=sessions.filter(plan_theme__isnull=False).values("plan_theme_id"))
    )
    kept = {
        (kind, object_id): (hash_, words)
        for kind, object_id, hash_, words in tokens.values_list("kind", "object_id", "text_hash", "tokens")
    }

    def kept_words(kind: str, object_id: int, text: str) -> str:
        hash_, words = kept.get((kind, object_id), ("", None))
        return words if words is not None and hash_ == text_hash(text) else themefit.pack(token_counts(text))

    plan_words: dict[int, str | None] = {}
    themes = {}
    for pk, title, content, plan_id, plan_theme, materials in rows:
        plan = None
        if plan_id is not None:
            if plan_id not in plan_words:
                text = _joined(plan_theme, materials)
                plan_words[plan_id] = kept_words(PLAN_THEME, plan_id, text) if text else None
            plan = plan_words[plan_id]
        themes[pk] = Themes(kept_words(SESSION_THEME, pk, _joined(title, content)), plan_id, plan)
    return themes


def _speech_document() -> QuerySet[TextDocument]:
    return TextDocument.objects.filter(kind=SPEECH, object_id=OuterRef("pk"), deleted_at__isnull=True)


def _speech_rows(speeches: QuerySet[Speech]) -> list[tuple[int, int, str | None]]:
    """(speech id, session id, MD5 of its stored words) of `speeches`, by id; the MD5 is None for a
    speech the near-duplicate index does not hold. Digests, not words: the ranking may be kept."""
    words_md5 = _speech_document().annotate(md5=MD5("theme_tokens")).values("md5")[:1]
    return sorted(
        speeches.annotate(words_md5=Subquery(words_md5)).order_by().values_list("pk", "session_id", "words_md5")
    )


def _counted(
    speeches: QuerySet[Speech], rows: list[tuple[int, int, str | None]], themes: dict[int, Themes]
) -> list[Counted]:
    """The speeches of `rows` as `rank` reads them: their stored words (one query), cut from the
    text for a speech the index does not hold; a speech gone since `rows` has no words."""
    stored_words = dict(
        speeches.annotate(words=Subquery(_speech_document().values("theme_tokens")[:1]))
        .order_by()
        .values_list("pk", "words")
    )
    missing = [pk for pk, _session_id, md5 in rows if md5 is None]
    recounted = _recount(missing) if missing else {}
    unpacked: dict[int, tuple[themefit.Counts, themefit.Counts | None]] = {}  # by session
    items = []
    for pk, session_id, _md5 in rows:
        words = stored_words.get(pk)
        packed = themefit.pack(recounted.get(pk, [])) if words is None else words
        theme = themes[session_id]
        if (session_words := unpacked.get(session_id)) is None:
            plan = stored(theme.plan_words) if theme.plan_words is not None else None
            session_words = unpacked[session_id] = (stored(theme.session_words), plan)
        items.append(Counted(pk, packed, session_id, session_words[0], theme.plan_id, session_words[1]))
    return items


def _as_digested(rows: list[tuple[int, int, str | None]], items: list[Counted]) -> bool:
    """Whether the words ranked are the words whose MD5s the digest took (read by another query)."""
    return all(
        md5 == hashlib.md5(item.words.encode(), usedforsecurity=False).hexdigest()
        for (_pk, _session_id, md5), item in zip(rows, items, strict=True)
    )


def _digest(limit: int, rows: list[tuple[int, int, str | None]], themes: dict[int, Themes]) -> str:
    """The SHA-256 of everything `rank` reads for `rows`: the speeches, their words' MD5, their themes' words."""
    digest = hashlib.sha256(f"theme-ranking 1 limit {limit}\n".encode())
    for pk, session_id, md5 in rows:
        digest.update(f"{pk} {session_id} {md5}\n".encode())
    for session_id in sorted({session_id for _pk, session_id, _md5 in rows}):
        theme = themes[session_id]
        plan = "-" if theme.plan_words is None else theme.plan_words
        digest.update(f"{session_id} {theme.session_words}|{theme.plan_id} {plan}\n".encode())
    return digest.hexdigest()


def _scope(speeches: QuerySet[Speech]) -> str:
    """The reach and the year, as the SHA-256 of the query that selects their speeches."""
    sql, params = speeches.order_by().values("pk").query.sql_with_params()
    return hashlib.sha256(repr((sql, params)).encode()).hexdigest()


def ranked_in_reach(user: Any, year: int, limit: int = DEFAULT_LIMIT) -> list[Scored]:
    """`rank` of the year's speeches in the user's supervision, the `limit` least similar first.

    Kept per reach and year (`ThemeRanking`) and used while the digest of its inputs is unchanged:
    a reading then fetches digests, not words, and ranks nothing. Whatever changed an input (a
    service, an import, the rebuild command, an edit by other means) changes the digest. While a
    speech the index does not hold is in reach, nothing is kept: its words come from its text.
    """
    found = _in_reach(user, year)
    if found is None:
        return []
    speeches, sessions = found
    themes = _themes_of(sessions)
    rows = [row for row in _speech_rows(speeches) if row[1] in themes]  # a session held since: next reading
    if not rows:
        return []
    if any(md5 is None for _pk, _session_id, md5 in rows):
        return rank(_counted(speeches, rows, themes), limit)
    scope, digest = _scope(speeches), _digest(limit, rows, themes)
    kept = ThemeRanking.objects.filter(scope=scope, limit=limit, digest=digest).values_list("ranked", flat=True)
    if (ranked := kept.first()) is not None:
        return [
            Scored(one["speech_id"], one["session_score"], one["plan_score"], tuple(one["words"])) for one in ranked
        ]
    items = _counted(speeches, rows, themes)
    shown = rank(items, limit)
    if not _as_digested(rows, items):  # a speech's words changed between the two reads: keep nothing
        return shown
    kept_rows: list[RankedSpeech] = [
        {
            "speech_id": one.speech_id,
            "session_score": one.session_score,
            "plan_score": one.plan_score,
            "words": list(one.words),
        }
        for one in shown
    ]
    ThemeRanking.objects.bulk_create(
        [ThemeRanking(scope=scope, limit=limit, digest=digest, ranked=kept_rows, ranked_at=clock.now())],
        update_conflicts=True,
        unique_fields=["scope", "limit"],
        update_fields=["digest", "ranked", "ranked_at"],
    )
    return shown


def _recount(speech_ids: Iterable[int]) -> dict[int, list[tuple[str, int]]]:
    """The words of speeches cut from their texts (speeches the index does not hold)."""
    source = sources.get(SPEECH)
    return {speech.pk: token_counts(source.read(speech)[0]) for speech in Speech.objects.filter(pk__in=speech_ids)}


def theme_hints(user: Any, year: int, *, limit: int = DEFAULT_LIMIT) -> list[ThemeHint]:
    """The `limit` speeches of the year least similar to their themes, in the user's supervision.

    Ranked from the stored words, or kept from an earlier reading (`ranked_in_reach`); only the
    speeches shown are read whole.
    """
    shown = ranked_in_reach(user, year, limit)
    speeches = Speech.objects.select_related("session__organization", "session__plan_theme").in_bulk(
        [one.speech_id for one in shown]
    )
    return [
        ThemeHint(speech, speech.session, one.session_score, one.plan_score, one.words)
        for one in shown
        if (speech := speeches.get(one.speech_id)) is not None
    ]


# --- the recount (`manage.py rebuild_theme_tokens`) ------------------------------------------------


@dataclass
class Recount:
    """What a recount found: the stored word sets that differ from the texts (rewritten unless checking)."""

    checked: int = 0
    differing: list[str] = field(default_factory=list)
    unindexed: list[str] = field(default_factory=list)


def recount(*, write: bool) -> Recount:
    """Cut every speech, center-group session and plan theme into words again, compare with what is stored.

    With `write`, a differing or missing set is rewritten. A speech with text that the near-duplicate
    index does not hold is listed (`unindexed`): it gets its document, and its words, from
    `scan_texts` or its next save.
    """
    result = Recount()
    source = sources.get(SPEECH)
    documents = {
        document.object_id: document
        for document in TextDocument.objects.filter(kind=SPEECH, deleted_at__isnull=True).only(
            "pk", "object_id", "theme_tokens"
        )
    }
    changed = []
    speeches = Speech.objects.filter(~Q(outline="") | ~Q(written_text="") | ~Q(file="")).order_by("pk")
    for speech in speeches.iterator(chunk_size=500):
        result.checked += 1
        document = documents.get(speech.pk)
        text = source.read(speech)[0]
        if document is None:
            if text.strip():
                result.unindexed.append(f"{SPEECH}:{speech.pk}")
            continue
        words = token_counts(text)
        if stored(document.theme_tokens) != words:
            result.differing.append(f"{SPEECH}:{speech.pk}")
            document.theme_tokens = themefit.pack(words)
            changed.append(document)
    if write:
        TextDocument.objects.bulk_update(changed, ["theme_tokens"], batch_size=500)

    kept = {(row.kind, row.object_id): row for row in ThemeTokens.objects.all()}
    themes: list[tuple[str, int, str]] = [
        (SESSION_THEME, pk, _joined(title, content))
        for pk, title, content in StudySession.objects.filter(kind=SessionKind.CENTER_GROUP)
        .order_by("pk")
        .values_list("pk", "title", "content")
    ]
    themes += [
        (PLAN_THEME, pk, _joined(theme, materials))
        for pk, theme, materials in PlanTheme.objects.order_by("pk").values_list("pk", "theme", "materials")
    ]
    rows = []
    for kind, pk, text in themes:
        result.checked += 1
        words = token_counts(text)
        row = kept.get((kind, pk))
        if row is None or row.text_hash != text_hash(text) or stored(row.tokens) != words:
            result.differing.append(f"{kind}:{pk}")
            rows.append(ThemeTokens(kind=kind, object_id=pk, text_hash=text_hash(text), tokens=themefit.pack(words)))
    if write:
        ThemeTokens.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=["text_hash", "tokens"],
        )
    return result
