"""Backup and restore of the database and the uploaded files (issue 14 item 7, 等保 data backup).

One archive per backup, `pangting-backup-<UTC time>.tar.gz`, holding:

- `manifest.json`, signed with an HMAC under SECRET_KEY: when it was made (from the one
  clock), the database vendor, the latest applied migration per app, per table the row count
  and a SHA-256 over its rows (ordered by primary key, each row serialized canonically as one
  JSON line), every uploaded file with its SHA-256, the SHA-256 of the database file, and the
  audit chain head;
- `database/pangting.sqlite3` (SQLite's online backup API, so a running server is copied
  consistently without being stopped) or `database/pangting.dump` (`pg_dump -Fc`);
- `media/...`: the files under MEDIA_ROOT.

The table checksums are computed from the same snapshot that goes into the archive: for SQLite
from the copied file, for PostgreSQL inside one REPEATABLE READ transaction whose snapshot
pg_dump is told to use (`--snapshot`), so writes made while the backup runs cannot make the
manifest disagree with the dump.

The archive holds password hashes and personal information: it is written owner-readable only
(0600), and must be stored like the database itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from pangting.core import clock
from pangting.core.audit import chain_head

FORMAT = "pangting-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ARCHIVE_PREFIX = "pangting-backup-"
ARCHIVE_SUFFIX = ".tar.gz"
SQLITE_MEMBER = "database/pangting.sqlite3"
POSTGRES_MEMBER = "database/pangting.dump"
MEDIA_PREFIX = "media/"
_CHUNK = 1024 * 1024
_ROWS_PER_FETCH = 2000


class BackupError(Exception):
    """A backup or restore cannot go on; the message is for the operator (Chinese)."""


@dataclass
class Check:
    """What a verification or a restore found: `problems` empty means everything matched."""

    problems: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    files: int = 0
    tables_checked: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------------------------------
# Table checksums
# ---------------------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    """A JSON-safe value that reads the same on every run: the row serialization of the checksums."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}  # NaN and infinities too, and never confused with a string
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date | dt.time):
        return {type(value).__name__: value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"timedelta": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, uuid.UUID):
        return {"uuid": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, dict):
        return {"json": {str(key): _canonical(item) for key, item in value.items()}}
    if isinstance(value, list | tuple):
        return {"list": [_canonical(item) for item in value]}
    return {type(value).__name__: str(value)}


def _table_checksum(cursor: Any, connection: Any, table: str) -> dict[str, Any]:
    quote = connection.ops.quote_name
    columns = [column.name for column in connection.introspection.get_table_description(cursor, table)]
    keys = connection.introspection.get_primary_key_columns(cursor, table) or columns
    select, order = ", ".join(quote(c) for c in columns), ", ".join(quote(k) for k in keys)
    # Only identifiers are interpolated: read from the database's own catalogue, and quoted.
    sql = "SELECT %s FROM %s ORDER BY %s" % (select, quote(table), order)  # noqa: S608, UP031 - quoted catalogue names  # nosec B608
    cursor.execute(sql)
    digest = hashlib.sha256()
    digest.update(json.dumps(columns).encode() + b"\n")  # a renamed or added column changes the sum
    rows = 0
    while batch := cursor.fetchmany(_ROWS_PER_FETCH):
        for row in batch:
            line = json.dumps([_canonical(v) for v in row], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            digest.update(line.encode("utf-8") + b"\n")
            rows += 1
    return {"rows": rows, "sha256": digest.hexdigest()}


def table_checksums(using: str = "default") -> dict[str, dict[str, Any]]:
    """Per table of the database `using`: its row count and the SHA-256 of its rows by primary key."""
    connection = connections[using]
    result: dict[str, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor, include_views=False)):
            result[table] = _table_checksum(cursor, connection, table)
    return result


def latest_migrations(using: str = "default") -> dict[str, str]:
    """The latest applied migration of each app (by name, which begins with its number)."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def compare_tables(expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]) -> list[str]:
    """The differences between two sets of table checksums, one message per table."""
    problems = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            problems.append(_("表 %(table)s 缺失。") % {"table": table})
        elif table not in expected:
            problems.append(_("表 %(table)s 不在清单中。") % {"table": table})
        elif expected[table]["rows"] != actual[table]["rows"]:
            problems.append(
                _("表 %(table)s 行数不一致：清单 %(expected)s 行，实际 %(actual)s 行。")
                % {"table": table, "expected": expected[table]["rows"], "actual": actual[table]["rows"]}
            )
        elif expected[table]["sha256"] != actual[table]["sha256"]:
            problems.append(_("表 %(table)s 内容校验和不一致。") % {"table": table})
    return problems


# ---------------------------------------------------------------------------------------
# Connections and tools
# ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def extra_connection(base: str, **overrides: Any) -> Iterator[str]:
    """A temporary connection alias: the settings of `base` with `overrides` (e.g. another NAME).

    The connection is registered for this thread only, not in the DATABASES setting, so it
    never becomes one of the project's databases (and Django's test cases allow it).
    """
    alias = f"pangting_backup_{uuid.uuid4().hex[:12]}"
    settings_dict = {**connections.settings[base], **overrides}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


def _vendor(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(_("不支持的数据库类型：%(vendor)s。") % {"vendor": vendor})
    return vendor


def _sqlite_path(using: str) -> Path:
    name = str(connections[using].settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError(_("内存中的 SQLite 数据库不能备份或恢复。"))
    return Path(name)


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def _server_version(using: str) -> int:
    """PostgreSQL's server version number, e.g. 150008."""
    connection = connections[using]
    connection.ensure_connection()
    version: int = connection.pg_version  # type: ignore[attr-defined]
    return version


def pg_tool(name: str, using: str = "default") -> str:
    """pg_dump or pg_restore of the server's major version, or a newer one (Debian's layout, then PATH)."""
    major = _server_version(using) // 10000
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/{name}")]
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts[-3])
    candidates += [p for p in versions if p.parts[-3].isdigit() and int(p.parts[-3]) > major]
    on_path = shutil.which(name)
    for candidate in [*(str(c) for c in candidates if c.is_file()), *([on_path] if on_path else [])]:
        found = _tool_major(candidate)
        if found is not None and found >= major:
            return candidate
    raise BackupError(
        _("找不到 PostgreSQL %(major)s 或更高版本的 %(tool)s：请安装 postgresql-client-%(major)s 或把它加入 PATH。")
        % {"major": major, "tool": name}
    )


def _pg_env(using: str) -> dict[str, str]:
    """libpq's variables for the database `using`: the password never appears on a command line."""
    db = connections[using].settings_dict
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s 失败（退出码 %(code)s）：%(error)s")
            % {"tool": Path(command[0]).name, "code": result.returncode, "error": result.stderr.strip()[-2000:]}
        )


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------


def _sha256_stream(stream: IO[bytes], copy_to: IO[bytes] | None = None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return digest.hexdigest(), size


def _sha256_file(path: Path) -> tuple[str, int]:
    with path.open("rb") as stream:
        return _sha256_stream(stream)


def _media_files(media_root: Path) -> list[tuple[str, Path]]:
    """Every regular file under MEDIA_ROOT, by relative POSIX path (symbolic links are not followed)."""
    if not media_root.is_dir():
        return []
    found = []
    for path in media_root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            found.append((path.relative_to(media_root).as_posix(), path))
    return sorted(found)


def _is_safe_relative(relative: Any) -> bool:
    """A relative POSIX path that stays below the directory it is joined to."""
    if not isinstance(relative, str) or not relative or "\\" in relative or "\x00" in relative:
        return False
    pure = PurePosixPath(relative)
    return not pure.is_absolute() and ".." not in pure.parts


def _safe_media_path(media_root: Path, relative: str) -> Path:
    """Where a media entry of an archive goes: refused if it would leave MEDIA_ROOT."""
    if not _is_safe_relative(relative):
        raise BackupError(_("存档中的文件路径不安全：%(path)s") % {"path": relative})
    target = (media_root / Path(*PurePosixPath(relative).parts)).resolve()
    if not target.is_relative_to(media_root.resolve()):
        raise BackupError(_("存档中的文件路径不安全：%(path)s") % {"path": relative})
    return target


def _tar_info(name: str, size: int) -> tarfile.TarInfo:
    """A member without the owner's names or ids, readable by its owner only."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(clock.now().timestamp())
    return info


# ---------------------------------------------------------------------------------------
# Backup
# ---------------------------------------------------------------------------------------


def _archive_path(out_dir: Path) -> Path:
    stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"{ARCHIVE_PREFIX}{stamp}{ARCHIVE_SUFFIX}"
    number = 1
    while path.exists():
        number += 1
        path = out_dir / f"{ARCHIVE_PREFIX}{stamp}-{number}{ARCHIVE_SUFFIX}"
    return path


def _snapshot_sqlite(using: str, work: Path) -> tuple[Path, dict[str, Any]]:
    """Copy the live SQLite database with the online backup API, then read the copy's state."""
    source_path = _sqlite_path(using)
    if not source_path.is_file():
        raise BackupError(_("数据库文件不存在：%(path)s") % {"path": source_path})
    # The chain head is read before the copy, so the event it names is inside the copy.
    head = chain_head()
    copy = work / "pangting.sqlite3"
    source = sqlite3.connect(source_path, timeout=60)
    target = sqlite3.connect(copy)
    try:
        with target:
            source.backup(target)  # one step: a consistent copy while writers carry on (WAL)
    finally:
        target.close()
        source.close()
    with extra_connection(using, NAME=str(copy), OPTIONS={}) as alias:
        state = {
            "tables": table_checksums(alias),
            "migrations": latest_migrations(alias),
            "audit_chain_head": head,
            "server_version": sqlite3.sqlite_version,
        }
    return copy, state


def _snapshot_postgres(using: str, work: Path) -> tuple[Path, dict[str, Any]]:
    """pg_dump -Fc of the snapshot of one read-only REPEATABLE READ transaction, and its state."""
    dump = work / "pangting.dump"
    pg_dump = pg_tool("pg_dump", using)
    connection = connections[using]
    if connection.in_atomic_block:  # the snapshot's isolation must be set by the transaction's first statement
        raise BackupError(_("备份不能在数据库事务中运行。"))
    connection.ensure_connection()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"], env=_pg_env(using))
        state = {
            "tables": table_checksums(using),
            "migrations": latest_migrations(using),
            "audit_chain_head": chain_head(),
            "server_version": _server_version(using),
        }
    return dump, state


def create_backup(out_dir: Path, *, using: str = "default", media_root: Path | None = None) -> Path:
    """Write one archive of the database `using` and MEDIA_ROOT into `out_dir`; return its path."""
    vendor = _vendor(using)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    out_dir.mkdir(parents=True, exist_ok=True)
    # The copy is made next to the archives, not in /tmp (often small, or memory).
    with tempfile.TemporaryDirectory(prefix=".pangting-backup-", dir=out_dir) as tmp:
        work = Path(tmp)
        if vendor == "sqlite":
            database, state = _snapshot_sqlite(using, work)
            member = SQLITE_MEMBER
        else:
            database, state = _snapshot_postgres(using, work)
            member = POSTGRES_MEMBER
        db_sha, db_size = _sha256_file(database)
        media: list[dict[str, Any]] = []
        for relative, path in _media_files(media_root):
            sha, size = _sha256_file(path)
            media.append({"path": relative, "sha256": sha, "size": size})
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": clock.now().isoformat(),
            "database": {
                "vendor": vendor,
                "server_version": state["server_version"],
                "file": member,
                "sha256": db_sha,
                "size": db_size,
            },
            "migrations": state["migrations"],
            "tables": state["tables"],
            "media": media,
            "audit_chain_head": state["audit_chain_head"],
        }
        manifest["signature"] = sign_manifest(manifest)
        encoded = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
        archive = _archive_path(out_dir)
        partial = archive.with_name(f".{archive.name}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                tar.addfile(_tar_info(MANIFEST, len(encoded)), io.BytesIO(encoded))
                with database.open("rb") as stream:
                    tar.addfile(_tar_info(member, db_size), stream)
                for entry in media:
                    path = media_root / entry["path"]
                    with path.open("rb") as stream:
                        tar.addfile(_tar_info(MEDIA_PREFIX + entry["path"], entry["size"]), stream)
            os.replace(partial, archive)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return archive


def archives_in(directory: Path) -> list[Path]:
    """The archives in `directory`, oldest first (their names sort by time)."""
    return sorted(directory.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}"))


def prune(out_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives in `out_dir`."""
    archives = archives_in(out_dir)
    doomed = archives[: max(len(archives) - keep, 0)]
    for path in doomed:
        path.unlink()
    return doomed


# ---------------------------------------------------------------------------------------
# Verify and restore
# ---------------------------------------------------------------------------------------


@dataclass
class _Opened:
    manifest: dict[str, Any]
    database: Path
    check: Check


_SIGNATURE_SALT = "pangting.core.backup.manifest"


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    return json.dumps(unsigned, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign_manifest(manifest: dict[str, Any], secret: str | None = None) -> str:
    """An HMAC-SHA256 of the manifest under the deployment's SECRET_KEY.

    The files' SHA-256s find a damaged archive; the signature finds a deliberate change that
    recomputed them, by anyone without the key.
    """
    return salted_hmac(_SIGNATURE_SALT, _manifest_bytes(manifest), secret=secret, algorithm="sha256").hexdigest()


def manifest_signature_holds(manifest: dict[str, Any]) -> bool:
    """Whether the manifest's signature is that of the current SECRET_KEY or one of its fallbacks."""
    signature = manifest.get("signature")
    if not isinstance(signature, str):
        return False
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(signature, sign_manifest(manifest, secret)) for secret in secrets)


def _member_stream(tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    stream = tar.extractfile(member)
    if stream is None:
        raise BackupError(_("存档中的 %(name)s 不是普通文件。") % {"name": member.name})
    return stream


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
        stream = tar.extractfile(member)
        if stream is None:
            raise KeyError(MANIFEST)
        manifest = json.loads(stream.read().decode("utf-8"))
    except (KeyError, ValueError, UnicodeDecodeError) as exc:
        raise BackupError(_("存档中没有可读的清单（manifest.json）。")) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("这不是旁听系统的备份存档。"))
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(_("不支持的存档版本：%(version)s。") % {"version": manifest.get("version")})
    return manifest


def _open_archive(archive: Path, work: Path) -> _Opened:
    """Check every member of `archive` against its manifest; extract the database file into `work`."""
    if not archive.is_file():
        raise BackupError(_("找不到存档文件：%(path)s") % {"path": archive})
    check = Check()
    try:
        tar = tarfile.open(archive, mode="r:*")  # noqa: SIM115 (closed by the `with` below)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(_("存档无法读取：%(error)s") % {"error": exc}) from exc
    with tar:
        try:
            manifest = _read_manifest(tar)
            if not manifest_signature_holds(manifest):
                check.problems.append(
                    _(
                        "清单签名不符：清单在备份后被改动过，或本机的 SECRET_KEY 与备份时不同"
                        "（旧密钥可列入 SECRET_KEY_FALLBACKS）。"
                    )
                )
            database_entry = manifest["database"]
            expected = {database_entry["file"]: database_entry["sha256"]}
            expected.update({MEDIA_PREFIX + entry["path"]: entry["sha256"] for entry in manifest["media"]})
            for entry in manifest["media"]:
                if not _is_safe_relative(entry["path"]):
                    check.problems.append(_("存档中的文件路径不安全：%(path)s") % {"path": entry["path"]})
            database = work / PurePosixPath(database_entry["file"]).name
            seen = set()
            for member in tar.getmembers():
                if member.name == MANIFEST:
                    continue
                if member.name not in expected:
                    check.problems.append(_("存档中有清单之外的文件：%(name)s") % {"name": member.name})
                    continue
                if not member.isfile():
                    check.problems.append(_("存档中的 %(name)s 不是普通文件。") % {"name": member.name})
                    continue
                seen.add(member.name)
                stream = _member_stream(tar, member)
                if member.name == database_entry["file"]:
                    with database.open("wb") as copy:
                        sha, _size = _sha256_stream(stream, copy)
                else:
                    sha, _size = _sha256_stream(stream)
                    check.files += 1
                if sha != expected[member.name]:
                    check.problems.append(_("文件 %(name)s 的校验和与清单不一致。") % {"name": member.name})
            for name in sorted(set(expected) - seen):
                check.problems.append(_("存档缺少清单中的文件：%(name)s") % {"name": name})
        except (tarfile.TarError, OSError, EOFError, KeyError, TypeError) as exc:
            raise BackupError(_("存档已损坏：%(error)s") % {"error": exc}) from exc
    check.tables = len(manifest["tables"])
    check.rows = sum(table["rows"] for table in manifest["tables"].values())
    return _Opened(manifest, database, check)


def verify_archive(archive: Path, *, using: str = "default") -> Check:
    """Check an archive against its manifest without restoring anything.

    Every file's SHA-256; for SQLite also every table's rows and checksum, read from the
    archived database file itself. A PostgreSQL dump's tables are checked after a restore.
    """
    with tempfile.TemporaryDirectory(prefix="pangting-verify-") as tmp:
        opened = _open_archive(archive, Path(tmp))
        check = opened.check
        if opened.manifest["database"]["vendor"] == "sqlite" and check.ok:
            with extra_connection(
                using, ENGINE="django.db.backends.sqlite3", NAME=str(opened.database), OPTIONS={}
            ) as alias:
                try:
                    actual = table_checksums(alias)
                except Exception as exc:  # a damaged file is a finding, not a crash
                    check.problems.append(_("存档中的数据库无法读取：%(error)s") % {"error": exc})
                else:
                    check.problems += compare_tables(opened.manifest["tables"], actual)
                    check.tables_checked = True
        return check


def _check_target_empty(using: str, force: bool) -> None:
    tables = connections[using].introspection.table_names(include_views=False)
    if tables and not force:
        raise BackupError(
            _("目标数据库不为空（已有 %(count)s 张表）。恢复会覆盖其中的数据；确认无误后加 --force 再运行。")
            % {"count": len(tables)}
        )


def _media_conflicts(manifest: dict[str, Any], media_root: Path) -> list[str]:
    conflicts = []
    for entry in manifest["media"]:
        target = _safe_media_path(media_root, entry["path"])
        if target.exists() and _sha256_file(target)[0] != entry["sha256"]:
            conflicts.append(entry["path"])
    return conflicts


def _restore_sqlite(using: str, database: Path) -> None:
    target_path = _sqlite_path(using)
    connections[using].close()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(database)
    target = sqlite3.connect(target_path, timeout=60)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_postgres(using: str, database: Path, force: bool) -> None:
    pg_restore = pg_tool("pg_restore", using)
    connections[using].close()
    command = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if force:
        command += ["--clean", "--if-exists"]
    db_name = str(connections[using].settings_dict["NAME"])
    _run([*command, f"--dbname={db_name}", str(database)], env=_pg_env(using))


def _restore_media(archive: Path, manifest: dict[str, Any], media_root: Path) -> None:
    wanted = {MEDIA_PREFIX + entry["path"]: entry for entry in manifest["media"]}
    with tarfile.open(archive, mode="r:*") as tar:
        for member in tar:
            entry = wanted.get(member.name)
            if entry is None or not member.isfile():
                continue
            target = _safe_media_path(media_root, entry["path"])
            target.parent.mkdir(parents=True, exist_ok=True)
            stream = _member_stream(tar, member)
            partial = target.with_name(f".{target.name}.partial")
            with partial.open("wb") as copy:
                _sha256_stream(stream, copy)
            os.replace(partial, target)


def unapplied_migrations(using: str = "default") -> list[str]:
    """Migrations of the code that the restored database has not applied (it is older than the code)."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    applied = set(loader.applied_migrations or {})
    return sorted(f"{app}.{name}" for app, name in loader.graph.leaf_nodes() if (app, name) not in applied)


def restore_backup(
    archive: Path, *, using: str = "default", media_root: Path | None = None, force: bool = False
) -> Check:
    """Restore `archive` into the database `using` and MEDIA_ROOT, then check both against the manifest.

    Refuses a damaged archive, one from the other database vendor, a target database that
    already has tables, and uploaded files that would be overwritten with other content,
    unless `force`. The returned check's problems are the differences found after restoring.
    """
    vendor = _vendor(using)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    _check_target_empty(using, force)  # before reading the archive: the cheap refusal first
    with tempfile.TemporaryDirectory(prefix="pangting-restore-") as tmp:
        opened = _open_archive(archive, Path(tmp))
        if not opened.check.ok:
            raise BackupError(_("存档与清单不符，未恢复：") + _("；").join(opened.check.problems))
        manifest = opened.manifest
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                _("存档来自 %(archived)s 数据库，当前数据库是 %(current)s：不能跨数据库类型恢复。")
                % {"archived": manifest["database"]["vendor"], "current": vendor}
            )
        conflicts = _media_conflicts(manifest, media_root)
        if conflicts and not force:
            raise BackupError(
                _("上传文件目录中已有 %(count)s 个同名但内容不同的文件（如 %(first)s）；确认无误后加 --force 再运行。")
                % {"count": len(conflicts), "first": conflicts[0]}
            )
        if vendor == "sqlite":
            _restore_sqlite(using, opened.database)
        else:
            _restore_postgres(using, opened.database, force)
    _restore_media(archive, manifest, media_root)

    check = Check(tables=len(manifest["tables"]), rows=sum(t["rows"] for t in manifest["tables"].values()))
    check.problems += compare_tables(manifest["tables"], table_checksums(using))
    check.tables_checked = True
    for entry in manifest["media"]:
        path = _safe_media_path(media_root, entry["path"])
        if not path.is_file() or _sha256_file(path)[0] != entry["sha256"]:
            check.problems.append(_("恢复后的文件 %(path)s 与清单不一致。") % {"path": entry["path"]})
        else:
            check.files += 1
    pending = unapplied_migrations(using)
    if pending:
        check.notes.append(
            _("代码中有 %(count)s 个迁移尚未应用到恢复的数据库（存档比代码旧）：请运行 manage.py migrate。")
            % {"count": len(pending)}
        )
    return check
