"""Issue 14 item 4: the audit log is a hash chain, and every kind of tampering is found.

Tampering is done with raw SQL, as someone with database access would; on PostgreSQL that
person must first disable the append-only trigger (the table owner can), which the last tests
show refusing the same statements.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from pangting.accounts.models import Role
from pangting.core import audit, audit_chain, checks
from pangting.core.models import AuditChainHead, AuditCheckpoint, AuditEvent
from pangting.lib import auditchain
from pangting.tests.builders import make_org, make_user

pytestmark = pytest.mark.django_db

assert AuditEvent._meta.db_table == "core_auditevent"
POSTGRES = connection.vendor == "postgresql"


def write(count: int, **fields: Any) -> list[AuditEvent]:
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")
    return [
        audit.record_event(
            None,
            "test.event",
            username=f"u{i}",
            target=f"对象{i}",
            request=request,
            detail={"i": i, "名": "张三", "list": (1, 2.5)},
            **fields,
        )
        for i in range(count)
    ]


def tamper(sql: str, params: list[Any] | None = None) -> None:
    """Run `sql` as a database superuser would: past the trigger on PostgreSQL."""
    with connection.cursor() as cursor:
        if POSTGRES:
            cursor.execute("SET LOCAL session_replication_role = replica")  # a superuser skips triggers
        cursor.execute(sql, params or [])
        if POSTGRES:
            cursor.execute("SET LOCAL session_replication_role = origin")


def problems() -> list[str]:
    return audit_chain.verify().problems


def by_seq() -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("seq"))


def test_events_are_numbered_in_order_and_each_hash_chains_to_the_previous():
    write(3)
    events = by_seq()
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 3))
    previous = auditchain.GENESIS if events[0].seq == 1 else AuditEvent.objects.get(seq=events[0].seq - 1).hash
    for event in events:
        event.refresh_from_db()
        assert event.algorithm == "sha256" and len(event.hash) == 64
        assert auditchain.link(previous, event.chained_fields()) == event.hash
        previous = event.hash
    assert audit.chain_head() == {"seq": events[-1].seq, "hash": events[-1].hash, "algorithm": "sha256"}
    assert problems() == []


def test_an_altered_event_is_found():
    middle = write(3)[1]
    tamper("UPDATE core_auditevent SET target = %s WHERE id = %s", ["改过", middle.pk])
    assert problems() == [f"event #{middle.seq} (id {middle.pk}) does not match its hash: altered or inserted"]


def test_an_altered_event_with_a_recomputed_hash_breaks_the_next_link():
    first, second, _third = write(3)
    forged = first.chained_fields() | {"success": False}
    tamper(
        "UPDATE core_auditevent SET success = %s, hash = %s WHERE id = %s",
        [False, auditchain.link(_previous_hash(first), forged), first.pk],
    )
    assert problems() == [f"event #{second.seq} (id {second.pk}) does not match its hash: altered or inserted"]


def _previous_hash(event: AuditEvent) -> str:
    before = AuditEvent.objects.filter(seq=event.seq - 1).first()
    return before.hash if before else auditchain.GENESIS


def test_an_inserted_event_is_found_even_with_a_correct_hash():
    last = write(2)[-1]
    forged = AuditEvent(at=last.at, username="ghost", action="auth.login", seq=last.seq + 1, algorithm="sha256")
    forged.hash = auditchain.link(last.hash, forged.chained_fields())
    forged.save_base()  # a plain INSERT, past the chain writer
    assert problems() == [
        f"the chain head (#{last.seq}) does not match the newest event #{last.seq + 1}: events written outside the log"
    ]


def test_an_inserted_event_with_a_made_up_hash_is_found():
    last = write(2)[-1]
    forged = AuditEvent(at=last.at, username="ghost", action="x", seq=last.seq + 1, algorithm="sha256", hash="0" * 64)
    forged.save_base()
    found = problems()
    assert f"event #{last.seq + 1} (id {forged.pk}) does not match its hash: altered or inserted" in found


def test_a_deleted_event_in_the_middle_is_found():
    _first, middle, _last = write(3)
    tamper("DELETE FROM core_auditevent WHERE id = %s", [middle.pk])
    assert problems() == [f"events #{middle.seq}..#{middle.seq} are missing: deleted"]


def test_the_deleted_newest_event_is_found_through_the_chain_head():
    newest = write(3)[-1]
    tamper("DELETE FROM core_auditevent WHERE id = %s", [newest.pk])
    assert problems() == [
        f"the chain head names event #{newest.seq} but the newest event is #{newest.seq - 1}: newest events deleted"
    ]


def test_the_deleted_newest_event_is_found_through_a_checkpoint_when_the_head_is_rewound_too():
    write(2)
    call_command("audit_checkpoint")
    newest = AuditEvent.objects.order_by("-seq").first()
    tamper("DELETE FROM core_auditevent WHERE id = %s", [newest.pk])
    previous = AuditEvent.objects.get(seq=newest.seq - 1)
    AuditChainHead.objects.filter(pk=1).update(seq=previous.seq, hash=previous.hash)
    assert problems() == [
        f"checkpoint(s) name event #{newest.seq} but the newest event is #{previous.seq}: newest events deleted"
    ]


def test_verify_checks_a_head_copied_from_a_backup_manifest():
    write(2)
    head = audit.chain_head()
    call_command("verify_audit_log", expect=f"{head['seq']}:{head['hash']}")  # intact: no error
    newest = AuditEvent.objects.order_by("-seq").first()
    tamper("DELETE FROM core_auditevent WHERE id = %s", [newest.pk])
    previous = AuditEvent.objects.get(seq=newest.seq - 1)
    AuditChainHead.objects.filter(pk=1).update(seq=previous.seq, hash=previous.hash)
    assert problems() == []  # the database alone was rewritten consistently...
    with pytest.raises(CommandError, match="NOT intact"):  # ...but not the manifest's copy
        call_command("verify_audit_log", expect=f"{head['seq']}:{head['hash']}")
    with pytest.raises(CommandError, match="序号:摘要"):
        call_command("verify_audit_log", expect="garbage")


def test_the_orm_refuses_to_change_delete_or_bulk_write_events():
    event = write(1)[0]
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(target="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.bulk_create([AuditEvent(action="x")])


@pytest.mark.skipif(not POSTGRES, reason="the append-only trigger exists on PostgreSQL only")
@pytest.mark.parametrize("statement", ["UPDATE core_auditevent SET target = 'x'", "DELETE FROM core_auditevent"])
def test_the_postgresql_trigger_refuses_update_and_delete(statement):
    write(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.filter(target="x").count() == 0
    assert problems() == []


@pytest.mark.skipif(not POSTGRES, reason="the append-only trigger exists on PostgreSQL only")
def test_the_postgresql_trigger_lets_only_the_archive_session_delete():
    event = write(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [audit_chain.ARCHIVE_SETTING])
        cursor.execute("UPDATE core_auditevent SET target = 'x' WHERE id = %s", [event.pk])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [audit_chain.ARCHIVE_SETTING])
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert not AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_daily_checkpoint_is_taken_once_a_day():
    with time_machine.travel("2026-03-02 08:00 +0800", tick=False):
        write(1)
        call_command("audit_checkpoint")
        write(1)
        call_command("audit_checkpoint")
    checkpoints = list(AuditCheckpoint.objects.filter(kind="daily"))
    assert len(checkpoints) == 1
    assert checkpoints[0].seq == audit.chain_head()["seq"] - 1
    with time_machine.travel("2026-03-03 08:00 +0800", tick=False):
        call_command("audit_checkpoint")
    assert AuditCheckpoint.objects.filter(kind="daily").count() == 2
    assert problems() == []


def test_an_altered_checkpoint_is_found():
    write(1)
    call_command("audit_checkpoint")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditcheckpoint SET hash = %s", ["f" * 64])
    assert any("checkpoint" in problem and "altered" in problem for problem in problems())


def test_sm3_chains_and_verifies(settings):
    write(1)
    settings.PANGTING_AUDIT_HASH = "sm3"
    events = write(2)
    assert {e.algorithm for e in events} == {"sm3"}
    assert audit.chain_head()["algorithm"] == "sm3"
    assert problems() == []


def test_an_unavailable_hash_fails_the_system_check(settings, monkeypatch):
    assert checks.audit_settings() == []
    settings.PANGTING_AUDIT_HASH = "md5"
    assert [e.id for e in checks.audit_settings()] == ["pangting.E101"]
    settings.PANGTING_AUDIT_HASH = "sm3"
    real_new = auditchain.hashlib.new

    def without_sm3(name: str, *args: Any) -> Any:
        if name == "sm3":
            raise ValueError("unsupported hash type sm3")
        return real_new(name, *args)

    monkeypatch.setattr(auditchain.hashlib, "new", without_sm3)
    errors = checks.audit_settings()
    assert [e.id for e in errors] == ["pangting.E101"] and "OpenSSL" in errors[0].msg
    settings.PANGTING_AUDIT_HASH = "sha256"
    settings.PANGTING_AUDIT_RETENTION_DAYS = 90
    settings.PANGTING_TRUSTED_PROXIES = ["10.0.0.0/8", "nginx"]
    assert [e.id for e in checks.audit_settings()] == ["pangting.E102", "pangting.E103"]


# -- Archive and purge --------------------------------------------------------------------


@pytest.fixture
def old_and_new() -> Iterator[dict[str, Any]]:
    """Events from 2022 (past the retention period in mid-2026) and from 2026."""
    with time_machine.travel("2022-01-10 09:00 +0800", tick=False):
        org = make_org("党委", None, code="R")
        auditor = make_user("auditor", (Role.AUDIT_ADMIN, org))
        make_user("other", (Role.SUPERVISOR, org))
        write(3)
        old = AuditEvent.objects.count()
    with time_machine.travel("2026-06-01 09:00 +0800", tick=False):
        write(2)
        yield {"auditor": auditor, "old": old}


def test_archive_exports_purges_and_verification_continues(old_and_new, tmp_path):
    out = tmp_path / "audit-2021.jsonl"
    total = AuditEvent.objects.count()
    call_command("archive_audit_log", actor="auditor", before="2023-01-01", out=str(out))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == old_and_new["old"]
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    previous = auditchain.GENESIS
    for line in lines:  # the file verifies on its own
        assert auditchain.link(previous, line) == line["hash"]
        previous = line["hash"]
    checkpoint = AuditCheckpoint.objects.get(kind="archive")
    assert (checkpoint.seq, checkpoint.hash) == (lines[-1]["seq"], lines[-1]["hash"])
    assert AuditEvent.objects.filter(seq__lte=checkpoint.seq).count() == 0
    assert AuditEvent.objects.count() == total - len(lines) + 1  # plus the archive's own event
    only = AuditEvent.objects.get(action="audit.archive")
    assert only.actor == old_and_new["auditor"] and only.detail["count"] == len(lines)
    assert problems() == []
    call_command("verify_audit_log")


def test_archive_refuses_events_younger_than_the_retention_period(old_and_new, tmp_path):
    with pytest.raises(CommandError, match="retention"):
        call_command("archive_audit_log", actor="auditor", before="2024-01-01", out=str(tmp_path / "a.jsonl"))
    assert not (tmp_path / "a.jsonl").exists()
    assert not AuditCheckpoint.objects.exists()


def test_archive_is_the_audit_administrators_alone(old_and_new, tmp_path):
    with pytest.raises(CommandError, match="审计管理员"):
        call_command("archive_audit_log", actor="other", before="2023-01-01", out=str(tmp_path / "a.jsonl"))
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("archive_audit_log", actor="auditor", before="2023-13-01", out=str(tmp_path / "a.jsonl"))


def test_archive_refuses_a_broken_chain_and_keeps_everything(old_and_new, tmp_path):
    first = AuditEvent.objects.order_by("seq").first()
    tamper("UPDATE core_auditevent SET username = %s WHERE id = %s", ["改过", first.pk])
    total = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="broken"):
        call_command("archive_audit_log", actor="auditor", before="2023-01-01", out=str(tmp_path / "a.jsonl"))
    assert AuditEvent.objects.count() == total
    assert not (tmp_path / "a.jsonl").exists()


# -- The migration chains the events written before it -----------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_existing_events_in_the_order_they_were_written():
    from pangting.tests.migrating import migrate_to, migrate_to_latest

    old = migrate_to([("core", "0003_merge_outbox_parameters_transitions")])
    try:
        events = old.get_model("core", "AuditEvent").objects
        with time_machine.travel("2025-01-02 10:00 +0800", tick=False):
            later = events.create(username="b", action="auth.login", ip="192.0.2.1", detail={"名": [1, 2]})
        with time_machine.travel("2025-01-01 10:00 +0800", tick=False):
            earlier = events.create(username="a", action="auth.login")
        migrate_to([("core", "0005_audit_append_only_trigger")])
        assert [e.pk for e in AuditEvent.objects.order_by("seq")] == [earlier.pk, later.pk]
        assert audit.chain_head()["seq"] == 2
        assert problems() == []
        assert write(1)[0].seq == 3
        assert problems() == []
    finally:
        migrate_to_latest()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    import threading

    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer() -> None:
        try:
            start.wait()
            write(10)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == 40 and seqs == list(range(seqs[0], seqs[0] + 40))
    assert problems() == []
