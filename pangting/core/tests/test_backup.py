"""Backup and restore (issue 14 item 7): back up a small world with an uploaded file, restore it
into an empty database, and find the same rows, checksums and file; a tampered archive fails
`restore --verify`. Runs on SQLite and, under scripts/with-postgres.sh, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, connections

from conftest import World
from pangting.assessment.models import StudyReport
from pangting.assessment.tests.builders import make_report
from pangting.core import backup
from pangting.core.audit import chain_head, record_event
from pangting.core.models import AuditEvent
from pangting.study.tests.builders import make_session

# pg_dump and the restore read committed data from other connections: real transactions here.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MOMENT = dt.datetime(2026, 12, 5, 2, 30, 15, tzinfo=dt.UTC)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def scene(transactional_db, media: Path) -> World:
    """The personas' world, a study session of unit A and a 述学 report with an uploaded file."""
    world = World()
    make_session(world.unit_a)
    world.report = make_report(world, "A", with_file=True)
    return world


@pytest.fixture
def archive(scene: World, tmp_path: Path) -> Path:
    out = tmp_path / "backups"
    with time_machine.travel(MOMENT, tick=False):
        call_command("backup", "--out", str(out), stdout=io.StringIO())
    (made,) = backup.archives_in(out)
    return made


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The alias of a new, empty database: a new SQLite file, or a second database on the same server."""
    if connection.vendor == "sqlite":
        with backup.extra_connection("default", NAME=str(tmp_path / "restored.sqlite3")) as alias:
            yield alias
        return
    name = f"pangting_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        with backup.extra_connection("default", NAME=name) as alias:
            yield alias
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def manifest_of(path: Path) -> dict:
    with tarfile.open(path) as tar:
        stream = tar.extractfile(backup.MANIFEST)
        assert stream is not None
        return json.loads(stream.read())


def rewrite(path: Path, change) -> None:
    """Rewrite the archive member by member; `change(name, data)` returns new bytes, a new
    (name, bytes), or None to drop the member."""
    members = []
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            stream = tar.extractfile(member)
            assert stream is not None
            members.append((member.name, stream.read()))
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            changed = change(name, data)
            if isinstance(changed, tuple):
                name, changed = changed
            if changed is not None:
                info = tarfile.TarInfo(name)
                info.size = len(changed)
                tar.addfile(info, io.BytesIO(changed))


def verify(path: Path) -> str:
    out = io.StringIO()
    call_command("restore", str(path), "--verify", stdout=out, stderr=out)
    return out.getvalue()


@transactional
def test_it_writes_a_manifest_of_tables_migrations_and_files(archive: Path, scene: World):
    manifest = manifest_of(archive)

    assert archive.name == "pangting-backup-20261205T023015Z.tar.gz"
    assert archive.stat().st_mode & 0o777 == 0o600  # password hashes and phone numbers inside
    assert manifest["created_at"] == MOMENT.isoformat()
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["migrations"]["core"].startswith("0")
    assert manifest["migrations"]["assessment"]
    assert manifest["tables"] == backup.table_checksums("default")
    assert manifest["tables"]["assessment_studyreport"]["rows"] == 1
    assert manifest["tables"]["accounts_user"]["rows"] >= len(scene.personas())
    (upload,) = manifest["media"]
    assert upload["path"] == scene.report.file.name
    assert manifest["audit_chain_head"] == chain_head()  # the audit log's newest link, for verify_audit_log --expect


@transactional
def test_it_restores_into_an_empty_database_with_the_same_checksums(
    archive: Path, scene: World, empty_database: str, settings, tmp_path: Path
):
    before = backup.table_checksums("default")
    uploaded = Path(scene.report.file.path).read_bytes()
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    out = io.StringIO()

    call_command("restore", str(archive), "--database", empty_database, stdout=out)

    assert "恢复完成" in out.getvalue()
    assert backup.table_checksums(empty_database) == before
    restored = StudyReport.objects.using(empty_database).get(pk=scene.report.pk)
    assert restored.title == scene.report.title
    assert (tmp_path / "restored-media" / restored.file.name).read_bytes() == uploaded
    assert backup.unapplied_migrations(empty_database) == []


def _manifest_claims_another_row(name: str, data: bytes) -> bytes:
    """Changed by someone who holds the key: the signature holds, the archived tables do not."""
    if name != backup.MANIFEST:
        return data
    manifest = json.loads(data)
    manifest["tables"]["assessment_studyreport"]["rows"] = 2
    manifest["signature"] = backup.sign_manifest(manifest)
    return json.dumps(manifest).encode()


def _file_and_manifest_changed_together(original: bytes, name: str, data: bytes) -> bytes:
    """Changed by someone without the key: every SHA-256 agrees again, the signature does not."""
    if name.startswith("media/"):
        return data + b"x"
    if name != backup.MANIFEST:
        return data
    manifest = json.loads(data)
    upload = manifest["media"][0]
    upload["sha256"] = hashlib.sha256(original + b"x").hexdigest()
    upload["size"] += 1
    return json.dumps(manifest).encode()


TAMPERINGS = {
    "uploaded file changed": (
        lambda name, data: data + b"x" if name.startswith("media/") else data,
        "校验和与清单不一致",
    ),
    "database changed": (
        lambda name, data: data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("database/") else data,
        "校验和与清单不一致",
    ),
    "uploaded file removed": (lambda name, data: None if name.startswith("media/") else data, "存档缺少清单中的文件"),
    "file added": (
        lambda name, data: ("media/extra.txt", data) if name.startswith("media/") else data,
        "存档中有清单之外的文件",
    ),
}


@transactional
def test_it_backs_up_one_moment_while_another_connection_keeps_writing(
    scene: World, empty_database: str, tmp_path: Path
):
    """The dump and the checksums come from one snapshot (PostgreSQL: pg_dump --snapshot; SQLite:
    the checksums are read from the copy), so rows written during the backup never make them disagree."""
    stop = threading.Event()
    written = []

    def keep_writing() -> None:
        try:
            while not stop.is_set():
                written.append(record_event(None, "backup.test", username=f"writer-{len(written)}"))
        finally:
            connections.close_all()

    def wait_for_rows(count: int) -> None:
        while len(written) < count and writer.is_alive():
            time.sleep(0.005)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        wait_for_rows(1)  # writes before the backup's snapshot ...
        call_command("backup", "--out", str(tmp_path / "backups"), stdout=io.StringIO())
        wait_for_rows(len(written) + 1)  # ... and after it
    finally:
        stop.set()
        writer.join()
    (archive,) = backup.archives_in(tmp_path / "backups")
    out = io.StringIO()

    call_command("restore", str(archive), "--database", empty_database, stdout=out)

    assert "恢复完成" in out.getvalue()
    assert 0 < manifest_of(archive)["tables"]["core_auditevent"]["rows"] < AuditEvent.objects.count()


@transactional
def test_it_verifies_an_untouched_archive_and_fails_every_tampered_copy(archive: Path):
    assert "存档完好" in verify(archive)
    tamperings = dict(TAMPERINGS)
    with tarfile.open(archive) as tar:
        (upload,) = (m for m in tar.getmembers() if m.name.startswith("media/"))
        original = tar.extractfile(upload).read()
    tamperings["file and manifest changed together"] = (
        functools.partial(_file_and_manifest_changed_together, original),
        "清单签名不符",
    )
    if connection.vendor == "sqlite":  # a PostgreSQL dump's tables are compared after restoring
        tamperings["manifest claims another row"] = (_manifest_claims_another_row, "行数不一致")

    for case, (tamper, message) in tamperings.items():
        copy = archive.with_name(f"{case}.tar.gz")
        copy.write_bytes(archive.read_bytes())
        rewrite(copy, tamper)
        out = io.StringIO()
        with pytest.raises(CommandError, match="存档核对失败"):
            call_command("restore", str(copy), "--verify", stdout=out, stderr=out)
        assert message in out.getvalue(), case


@transactional
def test_it_checks_the_signature_with_the_current_key_and_its_fallbacks(archive: Path, settings):
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-deployment-key-" + "x" * 30

    with pytest.raises(CommandError, match="存档核对失败"):
        verify(archive)

    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert "存档完好" in verify(archive)


@transactional
def test_it_refuses_to_restore_over_a_database_that_has_tables(archive: Path):
    with pytest.raises(CommandError, match="目标数据库不为空"):
        call_command("restore", str(archive), stdout=io.StringIO())


@transactional
def test_it_restores_over_a_changed_database_with_force(archive: Path, scene: World):
    before = backup.table_checksums("default")
    StudyReport.objects.filter(pk=scene.report.pk).update(title="备份之后改过的标题")
    Path(scene.report.file.path).write_bytes(b"changed after the backup")

    with pytest.raises(CommandError, match="目标数据库不为空"):
        call_command("restore", str(archive), stdout=io.StringIO())
    call_command("restore", str(archive), "--force", stdout=io.StringIO())

    assert backup.table_checksums("default") == before
    assert StudyReport.objects.get(pk=scene.report.pk).title == scene.report.title
    assert Path(scene.report.file.path).read_bytes() != b"changed after the backup"


@transactional
def test_it_refuses_a_tampered_archive_before_restoring(archive: Path, empty_database: str):
    rewrite(archive, lambda name, data: data + b"x" if name.startswith("media/") else data)

    with pytest.raises(CommandError, match="存档与清单不符，未恢复"):
        call_command("restore", str(archive), "--database", empty_database, stdout=io.StringIO())

    assert connections[empty_database].introspection.table_names() == []


@transactional
def test_it_refuses_a_file_path_that_leaves_the_upload_directory(archive: Path, empty_database: str):
    escape = "../../escaped.txt"

    def change(name: str, data: bytes) -> bytes | tuple[str, bytes]:
        if name == backup.MANIFEST:
            manifest = json.loads(data)
            manifest["media"][0]["path"] = escape
            return json.dumps(manifest).encode()
        if name.startswith("media/"):
            return (backup.MEDIA_PREFIX + escape, data)
        return data

    rewrite(archive, change)

    with pytest.raises(CommandError, match="文件路径不安全"):
        call_command("restore", str(archive), "--database", empty_database, stdout=io.StringIO())
    assert connections[empty_database].introspection.table_names() == []


def test_it_keeps_only_the_newest_archives(tmp_path: Path):
    for stamp in ("20261201T020000Z", "20261202T020000Z", "20261203T020000Z"):
        (tmp_path / f"pangting-backup-{stamp}.tar.gz").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("kept")

    removed = backup.prune(tmp_path, keep=2)

    assert [p.name for p in removed] == ["pangting-backup-20261201T020000Z.tar.gz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt",
        "pangting-backup-20261202T020000Z.tar.gz",
        "pangting-backup-20261203T020000Z.tar.gz",
    ]


def test_it_refuses_an_archive_that_is_not_a_backup(tmp_path: Path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar file")

    with pytest.raises(CommandError, match="存档无法读取"):
        verify(bogus)
