"""Backup and restore of the database and the private files as one archive.

An archive is a gzip-compressed tar holding

    database.sqlite3 or database.pgdump   a consistent copy of the database
    files/<path>                           every file under MEDIA_ROOT (attachments, imports)
    manifest.json                          written last: when, which database, its migration
                                           state, the code's versions, and the sha256 and
                                           size of every other member

`backup_create` writes one; `restore_prepare` reads one completely into temporary places
beside the live database and MEDIA_ROOT, checking every member against the manifest, and
`restore_apply` then swaps the staged copies in. A damaged, altered or unsafe archive is
refused during preparation, before anything live is touched.

The manifest is an integrity check, not a signature: whoever can write an archive can
also rewrite its manifest. Keep archives where only the operators can write.
"""

from __future__ import annotations

import getpass
import hashlib
import io
import json
import os
import platform
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import django
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from . import audit

FORMAT = "minzheng-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FILES_PREFIX = "files/"
# An in-place restore (MEDIA_ROOT is a mount point) works in directories with this prefix
# inside MEDIA_ROOT; a backup leaves them out.
WORK_PREFIX = ".minzheng-restore-"
_MANIFEST_MAX_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024

# libpq reads these from the environment, so nothing secret goes on a command line.
_PG_ENV = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
_PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """An archive cannot be made, read or restored. The message is for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    sha256: str
    size: int


@dataclass
class StagedRestore:
    """A verified archive unpacked beside its targets, ready for `restore_apply`.

    `discard()` removes the staged copies; `restore_apply` always ends by calling it."""

    archive: Path
    manifest: dict[str, Any]
    alias: str
    media_root: Path
    database: Path
    files: Path
    in_place: bool

    def describe_target(self) -> str:
        return _describe_database(connections[self.alias])

    def discard(self) -> None:
        for path in (self.database, self.files):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


# --- backup ---------------------------------------------------------------------------


def default_backup_path() -> Path:
    return (
        Path(settings.VAR_DIR) / "backups" / f"minzheng-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
    )


def backup_create(
    *, output: Path | None = None, alias: str = DEFAULT_DB_ALIAS, media_root: Path | None = None
) -> BackupResult:
    """Write one archive of the database `alias` and of MEDIA_ROOT, safe while the app runs.

    `output` is a file name or an existing directory (the timestamped default name goes in
    it). The archive appears under its final name only when complete, readable by its owner
    only: it holds personal data."""
    connection = connections[alias]
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Backups of {vendor} databases are not supported.")
    media_root = Path(media_root or settings.MEDIA_ROOT)
    target = _output_path(output)
    if target.exists():
        raise BackupError(f"{target} already exists; choose another --output.")
    target.parent.mkdir(parents=True, exist_ok=True)
    migrations = _applied_migrations(connection)
    db_member = DATABASE_MEMBERS[vendor]
    members: dict[str, dict[str, Any]] = {}
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".minzheng-backup-") as work:
        db_copy = Path(work) / db_member
        # The database before the files: an attachment's file is written before its row
        # and never deleted, so every row in the copy finds its file in the archive.
        if vendor == "sqlite":
            _sqlite_copy(connection, db_copy)
        else:
            _run_pg(
                "pg_dump",
                ["--format=custom", "--no-password", f"--file={db_copy}"],
                connection.settings_dict,
            )
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
                    members[db_member] = _add_file(tar, db_copy, db_member)
                    for path in _media_files(media_root):
                        name = FILES_PREFIX + path.relative_to(media_root).as_posix()
                        members[name] = _add_file(tar, path, name)
                    manifest = _manifest(connection, db_member, migrations, members)
                    _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    digest = _sha256_of(target)
    audit.record(
        actor=None,
        action=audit.Action.EXPORT,
        summary=f"备份数据库和附件：{target.name}",
        username=_operator(),
        operation="backup",
        archive=target.name,
        archive_sha256=digest,
        files=manifest["files"],
    )
    return BackupResult(path=target, manifest=manifest, sha256=digest, size=target.stat().st_size)


def _output_path(output: Path | None) -> Path:
    if output is None:
        return default_backup_path()
    output = Path(output)
    if output.is_dir():
        return output / default_backup_path().name
    return output


def _sqlite_copy(connection: BaseDatabaseWrapper, dest: Path) -> None:
    if connection.is_in_memory_db():
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    source_path = Path(connection.settings_dict["NAME"])
    if not source_path.is_file():
        raise BackupError(f"No database file at {source_path}.")
    # A connection of our own, not Django's: Django's may be inside a transaction.
    source = sqlite3.connect(source_path, timeout=20)
    copy = sqlite3.connect(dest)
    try:
        # SQLite's online backup in one step reads one snapshot: everything committed
        # before it began, including what is still only in the -wal file, while the app
        # goes on writing. A copy of the main file alone would miss the -wal's part.
        source.backup(copy)
        # Leave a self-contained file: in rollback-journal mode it opens without creating
        # a -wal beside it. Django's connection setup turns WAL on again after a restore.
        copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"Could not copy the SQLite database {source_path}: {exc}") from exc
    finally:
        copy.close()
        source.close()


def _media_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == root:
            dirnames[:] = [d for d in dirnames if not d.startswith(WORK_PREFIX)]
            filenames = [f for f in filenames if not f.startswith(WORK_PREFIX)]
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            # Symbolic links are left out: restored, a link could point anywhere. The
            # application itself never creates one here.
            if path.is_file() and not path.is_symlink():
                yield path


def _manifest(
    connection: BaseDatabaseWrapper,
    db_member: str,
    migrations: dict[str, list[str]],
    members: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    files = {n: m for n, m in members.items() if n.startswith(FILES_PREFIX)}
    name = connection.settings_dict["NAME"]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.localtime().isoformat(timespec="seconds"),
        "database": {
            "vendor": connection.vendor,
            "member": db_member,
            "name": Path(name).name if connection.vendor == "sqlite" else str(name),
        },
        "migrations": migrations,
        "versions": {
            "minzheng": _project_version(),
            "django": django.get_version(),
            "python": platform.python_version(),
        },
        "files": len(files),
        "files_bytes": sum(m["size"] for m in files.values()),
        "members": members,
    }


def _applied_migrations(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    state: dict[str, list[str]] = {}
    for app_label, name in sorted(recorder.applied_migrations()):
        state.setdefault(app_label, []).append(name)
    return state


def _project_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


class _HashingReader:
    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        self.hash.update(chunk)
        return chunk


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    with path.open("rb") as f:
        st = os.fstat(f.fileno())
        info = _tarinfo(name, st.st_size, int(st.st_mtime))
        reader = _HashingReader(f)
        # tarfile reads exactly `size` bytes, so the hash is of what the archive holds.
        tar.addfile(info, reader)
    return {"sha256": reader.hash.hexdigest(), "size": st.st_size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_tarinfo(name, len(data), int(timezone.now().timestamp())), io.BytesIO(data))


def _tarinfo(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    return info


# --- verify and restore ---------------------------------------------------------------


def backup_verify(*, archive: Path, alias: str | None = None) -> dict[str, Any]:
    """Read the whole archive and check every member against the manifest; with `alias`,
    also check that this installation can restore it. Writes nothing; returns the manifest."""
    manifest = _read_archive(Path(archive), sink=lambda name: None)
    if alias is not None:
        _check_restorable(manifest, connections[alias])
    return manifest


def backup_restore(
    *, archive: Path, alias: str = DEFAULT_DB_ALIAS, media_root: Path | None = None
) -> dict[str, Any]:
    """Replace the database `alias` and MEDIA_ROOT with an archive's. The app and its
    workers must be stopped. Returns the archive's manifest."""
    staged = restore_prepare(archive=archive, alias=alias, media_root=media_root)
    restore_apply(staged)
    return staged.manifest


def restore_prepare(
    *, archive: Path, alias: str = DEFAULT_DB_ALIAS, media_root: Path | None = None
) -> StagedRestore:
    """Unpack an archive beside its targets, checking it completely. Nothing live changes;
    on any refusal the staged copies are removed again."""
    archive = Path(archive)
    connection = connections[alias]
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Restoring {vendor} databases is not supported.")
    if vendor == "sqlite" and connection.is_in_memory_db():
        raise BackupError("An in-memory SQLite database cannot be restored into.")
    media_root = Path(media_root or settings.MEDIA_ROOT)
    # Stage on the same file systems as the targets, so that the swap is a rename. A
    # mount point cannot be renamed: then its contents are swapped inside it.
    in_place = media_root.is_dir() and os.path.ismount(media_root)
    if in_place:
        files = Path(tempfile.mkdtemp(dir=media_root, prefix=WORK_PREFIX))
    else:
        media_root.parent.mkdir(parents=True, exist_ok=True)
        files = Path(tempfile.mkdtemp(dir=media_root.parent, prefix=f".{media_root.name}.restore-"))
    if vendor == "sqlite":
        db_target = Path(connection.settings_dict["NAME"])
        db_target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=db_target.parent, prefix=f".{db_target.name}.restore-")
    else:
        handle, name = tempfile.mkstemp(dir=files.parent, prefix=WORK_PREFIX, suffix=".pgdump")
    os.close(handle)
    staged = StagedRestore(
        archive=archive,
        manifest={},
        alias=alias,
        media_root=media_root,
        database=Path(name),
        files=files,
        in_place=in_place,
    )
    expected_db = DATABASE_MEMBERS[vendor]

    def sink(member: str) -> Path:
        if member == expected_db:
            return staged.database
        if member in DATABASE_MEMBERS.values():
            other = next(v for v, m in DATABASE_MEMBERS.items() if m == member)
            raise BackupError(
                f"This is a backup of a {other} database; the {alias!r} database here is {vendor}."
            )
        return files.joinpath(*member.split("/")[1:])

    try:
        staged.manifest = _read_archive(archive, sink=sink)
        _check_restorable(staged.manifest, connection)
        if vendor == "sqlite":
            _sqlite_check(staged.database)
        if media_root.is_dir():
            shutil.copymode(media_root, files)
    except BaseException:
        staged.discard()
        raise
    return staged


def restore_apply(staged: StagedRestore) -> None:
    """Swap a prepared restore in: the database first, then the private files.

    A failing PostgreSQL restore changes nothing (one transaction) and the files are not
    touched; a failing file swap after the database was replaced says where the files are."""
    connection = connections[staged.alias]
    keep_files = False
    try:
        if connection.in_atomic_block:
            raise BackupError("A restore cannot run inside a database transaction.")
        # Our own connection to the old database must not outlive it.
        connection.close()
        if connection.vendor == "sqlite":
            _sqlite_replace(Path(connection.settings_dict["NAME"]), staged.database)
        else:
            _run_pg(
                "pg_restore",
                [
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                    "--no-password",
                    str(staged.database),
                ],
                connection.settings_dict,
            )
        try:
            _replace_directory(staged.media_root, staged.files, in_place=staged.in_place)
        except OSError as exc:
            keep_files = True  # the operator needs them now
            raise BackupError(
                f"The database was restored, but the private files could not be swapped in "
                f"({exc}). The restored files are in {staged.files}; move them to "
                f"{staged.media_root} by hand before starting the app."
            ) from exc
    finally:
        if keep_files:
            staged.database.unlink(missing_ok=True)
        else:
            staged.discard()
    audit.record(
        actor=None,
        action=audit.Action.IMPORT,
        summary=f"从备份恢复数据库和附件：{staged.archive.name}",
        username=_operator(),
        operation="restore",
        archive=staged.archive.name,
        backup_created_at=staged.manifest["created_at"],
        files=staged.manifest["files"],
    )


def _read_archive(archive: Path, *, sink: Callable[[str], Path | None]) -> dict[str, Any]:
    """Read every member once, write each where `sink` says (None: only hash it), and
    check the whole against the manifest. Unsafe members are refused before any byte of
    them is written."""
    if not archive.is_file():
        raise BackupError(f"No such file: {archive}")
    seen: dict[str, dict[str, Any]] = {}
    manifest_bytes: bytes | None = None
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                name = _checked_name(member)
                if name in seen or (name == MANIFEST and manifest_bytes is not None):
                    raise BackupError(f"Refusing the archive: {name!r} appears twice.")
                source = tar.extractfile(member)
                assert source is not None  # a regular file, checked above
                if name == MANIFEST:
                    if member.size > _MANIFEST_MAX_BYTES:
                        raise BackupError(
                            "Refusing the archive: its manifest is implausibly large."
                        )
                    manifest_bytes = source.read()
                    continue
                seen[name] = _copy_member(source, sink(name))
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{archive} is not a readable backup archive ({exc}).") from exc
    if manifest_bytes is None:
        raise BackupError(f"{archive} has no {MANIFEST}: not a Minzheng backup, or cut short.")
    manifest = _parse_manifest(manifest_bytes)
    _check_members(manifest, seen)
    return manifest


def _checked_name(member: tarfile.TarInfo) -> str:
    name = member.name
    if not member.isfile():
        kind = "link" if member.issym() or member.islnk() else "directory or device"
        raise BackupError(f"Refusing the archive: member {name!r} is a {kind}, not a file.")
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\x00" in name:
        raise BackupError(
            f"Refusing the archive: member {name!r} has an unsafe path "
            "(absolute, or with '..'): it could write outside the restore."
        )
    if name == MANIFEST or name in DATABASE_MEMBERS.values():
        return name
    if name.startswith(FILES_PREFIX) and len(parts) > 1:
        return name
    raise BackupError(f"Refusing the archive: unexpected member {name!r}.")


def _copy_member(source: IO[bytes], dest: Path | None) -> dict[str, Any]:
    """Hash a member, writing it to `dest` on the way. Reading errors propagate (the
    archive is unreadable); writing errors become a BackupError naming the place."""
    digest, size = hashlib.sha256(), 0
    out: IO[bytes] | None = None
    try:
        if dest is not None:
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                out = dest.open("wb")
            except OSError as exc:
                raise BackupError(f"Could not write {dest}: {exc}") from exc
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if out is not None:
                try:
                    out.write(chunk)
                except OSError as exc:
                    raise BackupError(f"Could not write {dest}: {exc}") from exc
    finally:
        if out is not None:
            out.close()
    return {"sha256": digest.hexdigest(), "size": size}


def _parse_manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} is damaged: {exc}.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} is not a Minzheng backup manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"This archive has format version {manifest.get('format_version')!r}; "
            f"this code reads version {FORMAT_VERSION}."
        )
    database, members = manifest.get("database"), manifest.get("members")
    well_formed = (
        isinstance(manifest.get("created_at"), str)
        and isinstance(manifest.get("files"), int)
        and isinstance(manifest.get("migrations"), dict)
        and all(isinstance(v, list) for v in manifest["migrations"].values())
        and isinstance(database, dict)
        and database.get("vendor") in DATABASE_MEMBERS
        and database.get("member") == DATABASE_MEMBERS[database["vendor"]]
        and isinstance(members, dict)
        and all(
            isinstance(e, dict)
            and isinstance(e.get("sha256"), str)
            and isinstance(e.get("size"), int)
            for e in members.values()
        )
    )
    if not well_formed:
        raise BackupError(f"{MANIFEST} is damaged: a field is missing or of the wrong type.")
    return manifest


def _check_members(manifest: dict[str, Any], seen: dict[str, dict[str, Any]]) -> None:
    expected = manifest["members"]
    missing = sorted(expected.keys() - seen.keys())
    extra = sorted(seen.keys() - expected.keys())
    if missing or extra:
        raise BackupError(
            "The archive does not match its manifest: "
            f"missing {_few(missing) or 'nothing'}, not listed {_few(extra) or 'nothing'}."
        )
    bad = sorted(
        name
        for name, entry in expected.items()
        if entry["sha256"] != seen[name]["sha256"] or entry["size"] != seen[name]["size"]
    )
    if bad:
        raise BackupError(f"Checksum mismatch for {_few(bad)}: the archive is damaged or altered.")
    files = sum(1 for name in seen if name.startswith(FILES_PREFIX))
    if files != manifest["files"]:
        raise BackupError(
            f"The manifest counts {manifest['files']} files; the archive holds {files}."
        )
    if manifest["database"]["member"] not in seen:
        raise BackupError("The archive holds no database copy.")


def _check_restorable(manifest: dict[str, Any], connection: BaseDatabaseWrapper) -> None:
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"This is a backup of a {vendor} database; the {connection.alias!r} database here "
            f"is {connection.vendor}."
        )
    unknown = _unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(
            f"The backup's database has migrations this code does not have ({_few(unknown)}): "
            "it was made by a newer version. Restore it with that version of the code."
        )


def _unknown_migrations(state: dict[str, list[str]]) -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(tuple(r) for r in migration.replaces)
    # Rows of apps no longer installed stay in django_migrations for ever; they say
    # nothing about whether this code fits the data.
    installed = {config.label for config in apps.get_app_configs()}
    return [
        f"{app_label}.{name}"
        for app_label, names in sorted(state.items())
        if app_label in installed
        for name in names
        if (app_label, name) not in known
    ]


def _sqlite_check(path: Path) -> None:
    try:
        db = sqlite3.connect(path)
        try:
            result = db.execute("PRAGMA quick_check").fetchone()
            db.execute("PRAGMA journal_mode=DELETE")
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise BackupError(
            f"The archive's database copy is not a usable SQLite file: {exc}"
        ) from exc
    if result != ("ok",):
        raise BackupError(f"The archive's database copy fails SQLite's check: {result[0]}")


def _sqlite_replace(target: Path, staged: Path) -> None:
    # The old file's -wal and -shm belong to it, but nothing in them ties them to it: left
    # beside the restored file, SQLite would replay the old -wal's frames (changes made
    # after the backup) onto the restored copy. A hot -journal would be rolled back onto
    # it the same way. Remove them before the new file takes the name.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    if target.exists():
        shutil.copymode(target, staged)
    # On disk before it takes the name, so a crash leaves the old file or the whole new one.
    with staged.open("rb+") as f:
        os.fsync(f.fileno())
    os.replace(staged, target)
    _fsync_directory(target.parent)


def _replace_directory(target: Path, staged: Path, *, in_place: bool) -> None:
    if in_place:
        old = Path(tempfile.mkdtemp(dir=target, prefix=WORK_PREFIX))
        for child in list(target.iterdir()):
            if not child.name.startswith(WORK_PREFIX):
                os.rename(child, old / child.name)
        for child in list(staged.iterdir()):
            os.rename(child, target / child.name)
        staged.rmdir()
        shutil.rmtree(old)
        return
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.replaced-{secrets.token_hex(4)}")
        os.rename(target, old)
    try:
        os.rename(staged, target)
    except OSError:
        if old is not None:
            os.rename(old, target)
        raise
    _fsync_directory(target.parent)
    if old is not None:
        shutil.rmtree(old)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- PostgreSQL client programs -------------------------------------------------------


def _run_pg(program: str, args: list[str], db: dict[str, Any]) -> None:
    env = os.environ.copy()
    for key, var in _PG_ENV.items():
        if db.get(key):
            env[var] = str(db[key])
    for key, var in _PG_OPTION_ENV.items():
        if db.get("OPTIONS", {}).get(key):
            env[var] = str(db["OPTIONS"][key])
    # As a connection string, a database name with "=" in it cannot be misread.
    dbname = str(db["NAME"]).replace("\\", "\\\\").replace("'", "\\'")
    command = [program, *args, f"--dbname=dbname='{dbname}'"]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(
            f"{program} is not installed: install the PostgreSQL client programs "
            "(postgresql-client on Debian), of the server's major version or newer."
        ) from exc
    if done.returncode != 0:
        raise BackupError(
            f"{program} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}"
        )


# --- helpers --------------------------------------------------------------------------


def _describe_database(connection: BaseDatabaseWrapper) -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite file {db['NAME']}"
    return f"PostgreSQL database {db['NAME']!r} on {db.get('HOST') or 'local socket'}"


def _operator() -> str:
    # Run from the command line, not by a signed-in user: name the system account.
    try:
        return f"manage.py ({getpass.getuser()})"[:150]
    except (KeyError, OSError):
        return "manage.py"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _few(names: list[str], limit: int = 5) -> str:
    return ", ".join(names[:limit]) + (
        f" and {len(names) - limit} more" if len(names) > limit else ""
    )
