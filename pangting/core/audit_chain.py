"""Verifying, checkpointing and archiving the audit chain (issue 14 item 4).

How each kind of tampering is found by `verify`:

* an altered event: its stored hash no longer matches the hash recomputed from its fields and
  its predecessor's hash (or, if the forger also rewrote the hash, the next event's does not);
* an inserted event: it has no free sequence number between two chained events, so it either
  repeats or precedes one (unique `seq`, reported) or comes after the newest one, where its hash
  does not chain or the chain head (below) disagrees;
* a deleted event in the middle: a gap in the sequence numbers, and the next event's hash does
  not chain to the event before the gap;
* the newest event deleted: nothing after it can show the gap, so the chain head is kept
  outside the events: in the `AuditChainHead` row (updated with every event, in the same
  transaction), in the daily `AuditCheckpoint` rows, and in every backup manifest
  (`audit.chain_head()`); a head or checkpoint naming a sequence number beyond the newest event,
  or `--expect SEQ:HASH` from a manifest that the chain does not reach, is reported. Someone
  able to rewrite the database can also rewrite the head row and the checkpoints, but not the
  heads already copied into backups and printed checkpoints: compare with those (`--expect`).

After an archive, verification starts from the newest archive checkpoint, whose hash is that
of the last purged event; the purged events are in the archive file with their hashes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from pangting.core import clock
from pangting.lib import auditchain

from .audit import record_event
from .models import AuditChainHead, AuditCheckpoint, AuditEvent

FIELDS = ("id", *auditchain.CHAINED_FIELDS, "hash")
ARCHIVE_SETTING = "pangting.audit_archive"  # the session variable the PostgreSQL trigger accepts


@dataclass
class Verification:
    checked: int = 0
    first_seq: int = 0
    last_seq: int = 0
    last_hash: str = auditchain.GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(queryset: Any) -> Any:
    return queryset.order_by("seq").values(*FIELDS).iterator(chunk_size=2000)


def _start() -> tuple[int, str]:
    """Where the chain continues from: the newest archive checkpoint, else the beginning."""
    archived = AuditCheckpoint.objects.filter(kind=AuditCheckpoint.Kind.ARCHIVE).order_by("-seq").first()
    if archived is None:
        return 0, auditchain.GENESIS
    return archived.seq, archived.hash


def verify(expect: tuple[int, str] | None = None) -> Verification:
    """Recompute the whole chain and compare it with the head row, the checkpoints and `expect`."""
    prev_seq, prev_hash = _start()
    result = Verification(first_seq=prev_seq + 1, last_seq=prev_seq, last_hash=prev_hash)
    by_seq: dict[int, list[AuditCheckpoint]] = {}
    for checkpoint in AuditCheckpoint.objects.filter(seq__gt=prev_seq):
        by_seq.setdefault(checkpoint.seq, []).append(checkpoint)
    expected_seen = False
    for row in _rows(AuditEvent.objects.all()):
        result.checked += 1
        seq = row["seq"]
        if seq <= prev_seq:
            result.problems.append(
                f"event #{seq} (id {row['id']}) lies before the point the chain has reached (#{prev_seq}): inserted"
            )
            continue
        if seq != prev_seq + 1:
            result.problems.append(f"events #{prev_seq + 1}..#{seq - 1} are missing: deleted")
        else:
            try:
                computed = auditchain.link(prev_hash, row)
            except (auditchain.UnknownAlgorithm, KeyError, ValueError) as exc:
                computed = f"<{exc}>"
            if computed != row["hash"]:
                result.problems.append(f"event #{seq} (id {row['id']}) does not match its hash: altered or inserted")
        for checkpoint in by_seq.get(seq, []):
            if checkpoint.hash != row["hash"]:
                result.problems.append(
                    f"checkpoint {checkpoint.day} ({checkpoint.kind}) names another hash for event #{seq}: altered"
                )
        if expect is not None and expect[0] == seq:
            expected_seen = True
            if expect[1] != row["hash"]:
                result.problems.append(f"the expected head #{seq} has another hash in the log: altered")
        prev_seq, prev_hash = seq, row["hash"]
    result.last_seq, result.last_hash = prev_seq, prev_hash

    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (prev_seq, prev_hash):
        if head.seq > prev_seq:
            result.problems.append(
                f"the chain head names event #{head.seq} but the newest event is #{prev_seq}: newest events deleted"
            )
        else:
            result.problems.append(
                f"the chain head (#{head.seq}) does not match the newest event #{prev_seq}: "
                "events written outside the log"
            )
    elif head is None and result.checked:
        result.problems.append("the chain head row is missing")
    beyond = sorted({seq for seq in by_seq if seq > prev_seq})
    if beyond:
        result.problems.append(
            f"checkpoint(s) name event #{beyond[-1]} but the newest event is #{prev_seq}: newest events deleted"
        )
    if expect is not None and not expected_seen:
        start_seq, start_hash = _start()
        if expect[0] > prev_seq:
            result.problems.append(f"the expected head #{expect[0]} is beyond the newest event #{prev_seq}: deleted")
        elif expect[0] > start_seq:
            result.problems.append(f"the expected head #{expect[0]} is missing from the log: deleted")
        elif expect[0] == start_seq and expect[1] != start_hash:
            result.problems.append(f"the expected head #{expect[0]} has another hash than the archive checkpoint")
    return result


def daily_checkpoint() -> tuple[AuditCheckpoint, bool]:
    """Today's checkpoint of the chain head; (existing one, False) if it was already taken today."""
    today = clock.today()
    existing = AuditCheckpoint.objects.filter(day=today, kind=AuditCheckpoint.Kind.DAILY).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            head = AuditChainHead.locked(connection.alias)
            checkpoint = AuditCheckpoint(
                day=today, kind=AuditCheckpoint.Kind.DAILY, seq=head.seq, hash=head.hash, algorithm=head.algorithm
            )
            checkpoint.save()
    except IntegrityError:  # taken at the same moment by another run
        return AuditCheckpoint.objects.get(day=today, kind=AuditCheckpoint.Kind.DAILY), False
    return checkpoint, True


class ArchiveRefused(Exception):
    pass


@dataclass
class Archived:
    count: int
    up_to_seq: int
    file_sha256: str
    checkpoint: AuditCheckpoint | None


def retention_limit() -> date:
    """The newest day whose events may be purged: today minus the retention period."""
    days = max(int(settings.PANGTING_AUDIT_RETENTION_DAYS), 180)
    return clock.today() - timedelta(days=days)


def archive(before: date, out: Path, actor: Any) -> Archived:
    """Export the events older than `before` (a prefix of the chain) to `out` and purge them.

    Refuses a day inside the retention period, an existing output file and a broken chain
    segment. In one transaction, under the chain lock: export (JSON lines with the hashes),
    delete (the PostgreSQL trigger lets this session through), record an archive checkpoint
    naming the last purged event, and log the archive itself as an event.
    """
    limit = retention_limit()
    if before > limit:
        raise ArchiveRefused(
            f"events before {before} include some younger than the retention period "
            f"({settings.PANGTING_AUDIT_RETENTION_DAYS} days): the latest allowed --before is {limit}"
        )
    if out.exists():
        raise ArchiveRefused(f"{out} exists already; choose a new file")
    cutoff = timezone.make_aware(datetime.combine(before, time.min))
    with transaction.atomic():
        head = AuditChainHead.locked(connection.alias)
        first_young = AuditEvent.objects.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
        up_to = first_young - 1 if first_young is not None else head.seq
        start_seq, start_hash = _start()
        if up_to <= start_seq:
            return Archived(0, start_seq, "", None)
        digest = hashlib.sha256()
        try:
            prev_seq, prev_hash, count = _export(out, up_to, start_seq, start_hash, digest)
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, 'on', true)", [ARCHIVE_SETTING])
            cursor.execute("DELETE FROM core_auditevent WHERE seq <= %s", [up_to])
        checkpoint = AuditCheckpoint(
            day=clock.today(),
            kind=AuditCheckpoint.Kind.ARCHIVE,
            seq=prev_seq,
            hash=prev_hash,
            algorithm=head.algorithm,
            note=f"{count} events before {before} archived to {out.name}"[:200],
        )
        checkpoint.save()
        record_event(
            actor,
            "audit.archive",
            target=out.name,
            detail={"before": before.isoformat(), "count": count, "up_to_seq": prev_seq, "sha256": digest.hexdigest()},
        )
    return Archived(count, prev_seq, digest.hexdigest(), checkpoint)


def _export(out: Path, up_to: int, prev_seq: int, prev_hash: str, digest: Any) -> tuple[int, str, int]:
    """Write events up to `up_to` as JSON lines, checking each link on the way."""
    count = 0
    with out.open("x", encoding="utf-8") as handle:
        for row in _rows(AuditEvent.objects.filter(seq__lte=up_to)):
            if row["seq"] != prev_seq + 1 or auditchain.link(prev_hash, row) != row["hash"]:
                raise ArchiveRefused(f"the chain is broken at event #{row['seq']}: run verify_audit_log first")
            line = json.dumps(
                {**row, "at": auditchain.timestamp(row["at"])}, ensure_ascii=False, sort_keys=True, default=str
            )
            handle.write(line + "\n")
            digest.update((line + "\n").encode())
            prev_seq, prev_hash, count = row["seq"], row["hash"], count + 1
    return prev_seq, prev_hash, count
