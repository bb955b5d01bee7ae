"""manage.py backup / restore (core.backup).

pytest-django's SQLite test database lives in memory, and a restore replaces a file, so
these tests back up and restore a scratch database file of their own, registered as an
extra database alias; the operation log and the attachments' rows stay in the test database.
"""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.utils import load_backend

from minzheng.core import backup
from minzheng.core.models import OperationLog
from minzheng.core.services import attachment_add
from minzheng.registry.services import PersonInput, person_register

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ALIAS = "backup_scratch"


def _register_alias(**overrides) -> None:
    # Set on the handler, not added to its settings: Django's test case lets a connection
    # made this way reach its database, where a configured alias would need to be in the
    # test's `databases` (and would then be wrapped in a transaction a restore cannot run in).
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict.update(overrides)
    connections[ALIAS] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, ALIAS)


def _unregister_alias() -> None:
    connections[ALIAS].close()
    del connections[ALIAS]


@pytest.fixture
def live_db(db, tmp_path):
    """A WAL-mode SQLite file with a table `t`, known to Django as the alias ALIAS."""
    path = tmp_path / "live" / "minzheng.sqlite3"
    path.parent.mkdir()
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    c.close()
    _register_alias(ENGINE="django.db.backends.sqlite3", NAME=str(path), OPTIONS={"timeout": 20})
    yield path
    _unregister_alias()


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    root = tmp_path / "private"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def _rows(path: Path) -> list[int]:
    c = sqlite3.connect(path)
    try:
        return [x for (x,) in c.execute("SELECT x FROM t ORDER BY x")]
    finally:
        c.close()


def _insert(path: Path, *values: int) -> None:
    c = sqlite3.connect(path, isolation_level=None)
    c.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    c.close()


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under root (the database's directory, MEDIA_ROOT) with its content."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}


def _write_archive(path: Path, members: list[tuple[tarfile.TarInfo | str, bytes]]) -> Path:
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            if isinstance(info, str):
                info = tarfile.TarInfo(info)
            if info.isfile():
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


# --- the two faults of the old procedure ------------------------------------------------


def test_an_attachment_backed_up_is_served_again_after_restore(
    client, guicheng_worker, live_db, media_root, tmp_path
):
    person = person_register(
        actor=guicheng_worker,
        data=PersonInput(name="陈大文", residence_division_code="440605011001"),
    )
    attachment = attachment_add(
        actor=guicheng_worker, owner=person, upload=SimpleUploadedFile("证明.pdf", PDF)
    )
    url = f"/staff/attachments/{attachment.token}/"
    client.force_login(guicheng_worker)
    client.raise_request_exception = False
    result = backup.backup_create(output=tmp_path / "b.tar.gz", alias=ALIAS)
    assert result.manifest["files"] == 1
    assert f"files/{attachment.file.name}" in _members(result.path)

    # given: the private files are lost (a new host, or a restore of the database alone),
    # and a file appears that the backup does not know
    shutil.rmtree(media_root)
    (media_root / "attachments").mkdir(parents=True)
    (media_root / "attachments" / "later.pdf").write_bytes(PDF)
    assert client.get(url).status_code == 500

    backup.backup_restore(archive=result.path, alias=ALIAS)

    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert _tree(media_root) == {attachment.file.name: PDF}
    # the staging and the replaced copy are gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.tar.gz", "live", "private"]
    assert sorted(p.name for p in live_db.parent.iterdir()) == ["minzheng.sqlite3"]
    logged = OperationLog.objects.filter(username__startswith="manage.py").order_by("id")
    assert [(r.action, r.detail["operation"], r.detail["files"]) for r in logged] == [
        ("export", "backup", 1),
        ("import", "restore", 1),
    ]


def test_restore_drops_changes_made_after_the_backup_even_with_a_stale_wal(
    live_db, media_root, tmp_path
):
    # given: rows 1-3 committed but still only in the -wal (an open connection, no
    # checkpoint) when the backup is taken
    keeper = sqlite3.connect(live_db, isolation_level=None)
    keeper.execute("PRAGMA wal_autocheckpoint=0")
    keeper.executemany("INSERT INTO t VALUES (?)", [(1,), (2,), (3,)])
    assert Path(f"{live_db}-wal").stat().st_size > 0
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "b.tar.gz"), "--database", ALIAS, stdout=out)
    archive = tmp_path / "b.tar.gz"
    assert "Backup written to" in out.getvalue()
    assert archive.stat().st_mode & 0o777 == 0o600
    assert sorted(_members(archive)) == ["database.sqlite3", "manifest.json"]
    keeper.close()
    connections[ALIAS].close()

    # and: rows 4-5 written by a process that dies without closing (kill -9, power cut),
    # which leaves its -wal and -shm beside the database
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('PRAGMA wal_autocheckpoint=0')\n"
            "c.executemany('INSERT INTO t VALUES (?)', [(4,), (5,)])\n"
            "os._exit(0)\n",
            str(live_db),
        ],
        check=True,
    )
    assert Path(f"{live_db}-wal").stat().st_size > 0

    out = io.StringIO()
    call_command("restore", str(archive), "--check", "--database", ALIAS, stdout=out)
    assert "every member matches its checksum" in out.getvalue()
    call_command("restore", str(archive), "--yes", "--database", ALIAS, stdout=out)

    assert "Restored the backup" in out.getvalue()
    assert not Path(f"{live_db}-wal").exists() and not Path(f"{live_db}-shm").exists()
    assert _rows(live_db) == [1, 2, 3]


# --- refusals: nothing changes ----------------------------------------------------------


@pytest.fixture
def made_backup(live_db, media_root, tmp_path):
    """A backup of rows 1-2 and one private file, then a later state: rows 1-3, a changed
    file. Returns (archive, snapshot of the later state)."""
    _insert(live_db, 1, 2)
    (media_root / "attachments").mkdir()
    (media_root / "attachments" / "a.pdf").write_bytes(PDF)
    archive = backup.backup_create(output=tmp_path / "b.tar.gz", alias=ALIAS).path
    _insert(live_db, 3)
    (media_root / "attachments" / "a.pdf").write_bytes(PDF + b"later")
    connections[ALIAS].close()

    def state():
        return (
            _rows(live_db),
            _tree(live_db.parent),
            _tree(media_root),
            sorted(p.name for p in tmp_path.iterdir()),
            OperationLog.objects.filter(action="import").count(),
        )

    return archive, state


def _rebuilt(archive: Path, out: Path, *, change=None, drop=(), add=()) -> Path:
    members = _members(archive)
    rebuilt = [
        (name, change(name, data) if change else data)
        for name, data in members.items()
        if name not in drop
    ]
    return _write_archive(out, [*rebuilt, *add])


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("altered file", "Checksum mismatch for files/attachments/a.pdf"),
        ("altered database", "Checksum mismatch for database.sqlite3"),
        ("missing file", "missing files/attachments/a.pdf"),
        ("file not listed", "not listed files/attachments/b.pdf"),
        ("no manifest", "has no manifest.json"),
        ("manifest edited", "manifest.json is damaged"),
        ("truncated", "is not a readable backup archive"),
        ("not gzip", "is not a readable backup archive"),
    ],
)
def test_a_damaged_or_altered_archive_is_refused_and_nothing_changes(
    made_backup, tmp_path, damage, message
):
    archive, state = made_backup
    bad = tmp_path / "bad.tar.gz"
    if damage == "altered file":
        _rebuilt(archive, bad, change=lambda n, d: d + b"x" if n.endswith("a.pdf") else d)
    elif damage == "altered database":
        other = tmp_path / "other.sqlite3"
        c = sqlite3.connect(other)
        c.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
        c.execute("INSERT INTO t VALUES (99)")
        c.commit()
        c.close()
        data = other.read_bytes()
        other.unlink()
        _rebuilt(archive, bad, change=lambda n, d: data if n == "database.sqlite3" else d)
    elif damage == "missing file":
        _rebuilt(archive, bad, drop={"files/attachments/a.pdf"})
    elif damage == "file not listed":
        _rebuilt(archive, bad, add=[("files/attachments/b.pdf", PDF)])
    elif damage == "no manifest":
        _rebuilt(archive, bad, drop={"manifest.json"})
    elif damage == "manifest edited":

        def edit(name, data):
            if name != "manifest.json":
                return data
            manifest = json.loads(data)
            del manifest["members"]
            return json.dumps(manifest).encode()

        _rebuilt(archive, bad, change=edit)
    elif damage == "truncated":
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    else:
        bad.write_bytes(b"not an archive at all")
    before = state()

    with pytest.raises(backup.BackupError, match=message):
        backup.backup_restore(archive=bad, alias=ALIAS)
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("restore", str(bad), "--yes", "--database", ALIAS, stdout=io.StringIO())

    assert state() == before


@pytest.mark.parametrize(
    "member",
    ["files/../../evil.txt", "../evil.txt", "ABSOLUTE", "files/./evil.txt", "symlink", "hardlink"],
)
def test_a_member_that_could_write_outside_the_restore_is_refused(made_backup, tmp_path, member):
    archive, state = made_backup
    members = _members(archive)
    manifest = json.loads(members.pop("manifest.json"))
    evil = tmp_path / "evil.txt"
    if member == "ABSOLUTE":
        member = str(evil)
    if member in ("symlink", "hardlink"):
        info = tarfile.TarInfo("files/evil.txt")
        info.type = tarfile.SYMTYPE if member == "symlink" else tarfile.LNKTYPE
        info.linkname = str(evil)
        extra = (info, b"")
    else:
        # listed in the manifest with its right checksum: only the path is wrong
        manifest["members"][member] = {"sha256": backup.hashlib.sha256(b"!").hexdigest(), "size": 1}
        extra = (member, b"!")
    bad = _write_archive(
        tmp_path / "bad.tar.gz",
        [extra, *members.items(), ("manifest.json", json.dumps(manifest).encode())],
    )
    before = state()

    with pytest.raises(backup.BackupError, match="Refusing the archive"):
        backup.backup_restore(archive=bad, alias=ALIAS)

    assert not evil.exists() and not (tmp_path.parent / "evil.txt").exists()
    assert state() == before


def test_restore_without_yes_when_not_interactive_is_refused(made_backup):
    archive, state = made_backup
    before = state()
    with pytest.raises(CommandError, match="without --yes"):
        call_command("restore", str(archive), "--database", ALIAS, stdin=io.StringIO("yes\n"))
    assert state() == before


def test_a_backup_with_migrations_this_code_does_not_have_is_refused(live_db, media_root, tmp_path):
    c = sqlite3.connect(live_db)
    c.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app, name, applied)")
    c.execute(
        "INSERT INTO django_migrations (app, name, applied) VALUES ('core', '0999_later', '2030-01-01 00:00:00')"
    )
    c.commit()
    c.close()
    archive = backup.backup_create(output=tmp_path / "b.tar.gz", alias=ALIAS).path
    _insert(live_db, 7)

    with pytest.raises(backup.BackupError, match=r"does not have \(core.0999_later\)"):
        backup.backup_restore(archive=archive, alias=ALIAS)
    assert _rows(live_db) == [7]


def test_when_media_root_is_a_mount_point_its_contents_are_swapped_inside_it(
    made_backup, media_root, monkeypatch
):
    archive, _state = made_backup
    (media_root / "later.pdf").write_bytes(PDF)
    real_ismount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == media_root or real_ismount(p))
    inode = media_root.stat().st_ino

    backup.backup_restore(archive=archive, alias=ALIAS)

    assert media_root.stat().st_ino == inode  # the same directory, never renamed
    assert _tree(media_root) == {"attachments/a.pdf": PDF}


# --- PostgreSQL -----------------------------------------------------------------------

SCRATCH_PG = "minzheng_restore_check_backup"


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_round_trip_drops_a_row_written_after_the_backup(media_root, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    import psycopg

    db = connection.settings_dict
    server = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or 5432,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**server) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_PG} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {SCRATCH_PG}")
    _register_alias(NAME=SCRATCH_PG)
    try:
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE backup_check (id integer PRIMARY KEY, note text)")
            cursor.execute("INSERT INTO backup_check VALUES (1, '备份前'), (2, '备份前')")
        (media_root / "a.pdf").write_bytes(PDF)
        result = backup.backup_create(output=tmp_path / "b.tar.gz", alias=ALIAS)
        assert sorted(_members(result.path)) == ["database.pgdump", "files/a.pdf", "manifest.json"]
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("INSERT INTO backup_check VALUES (3, '备份后')")
        (media_root / "a.pdf").unlink()

        backup.backup_restore(archive=result.path, alias=ALIAS)

        with connections[ALIAS].cursor() as cursor:
            cursor.execute("SELECT id, note FROM backup_check ORDER BY id")
            assert cursor.fetchall() == [(1, "备份前"), (2, "备份前")]
        assert _tree(media_root) == {"a.pdf": PDF}
    finally:
        _unregister_alias()
        with psycopg.connect(**server) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_PG} WITH (FORCE)")
