"""`aggregator export -o`: never the database itself, however spelled; a missing
folder or an unwritable target is one `error:` line (exit 2) and leaves nothing
half-written."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from tests.analyst.conftest import cli
from tests.conftest import ROOT


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_error_line(result, *, contains: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: export: "), result.stderr
    assert contains in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def run_in_process(capsys, *argv: str):
    """`aggregator ARGV` in this process (much faster than a new interpreter each)."""
    from types import SimpleNamespace

    from aggregator.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=out, stderr=err)


def test_export_refuses_the_database_however_spelled(sqlite_copy, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    db = Path(sqlite_copy.removeprefix("sqlite:///"))
    before = digest(db), db.stat().st_size
    (tmp_path / "sub").mkdir()
    os.symlink(db, tmp_path / "link.db")
    os.link(db, tmp_path / "hard.db")
    relative = os.path.relpath(db, ROOT)
    spellings = [str(db), relative, f"./{relative}", str(tmp_path / "sub" / ".." / db.name),
                 str(tmp_path / "link.db"), str(tmp_path / "hard.db"), str(tmp_path / "sub" / ".." / "link.db")]
    calls = [("--db", sqlite_copy, "export", "-o", o) for o in spellings]
    calls += [("--db", sqlite_copy, "export", "--format", "jsonl", "-o", str(db))]
    calls += [("--db", f"sqlite:///{relative}", "export", "-o", str(tmp_path / "hard.db"))]  # URL relative too
    for argv in calls:
        result = run_in_process(capsys, *argv)
        assert_one_error_line(result, contains="is the database file")
        assert (digest(db), db.stat().st_size) == before, f"{argv} changed the database"
    # the real command line says the same, and the database still works
    result = cli("export", "-o", relative, db=sqlite_copy)
    assert_one_error_line(result, contains="is the database file")
    assert run_in_process(capsys, "--db", sqlite_copy, "stats").returncode == 0
    assert leftovers(tmp_path) == []


def test_export_to_a_missing_folder_or_an_unwritable_target(sqlite_copy, tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    cases = [
        (str(tmp_path / "no" / "such" / "out.csv"), ["csv"], "does not exist"),
        (str(tmp_path / "afile" / "out.csv"), ["csv"], "is not a folder"),  # unwritable even for root
        (str(tmp_path / "adir"), ["csv"], "is a directory"),
        ("/dev/full", ["csv", "jsonl", "parquet"], "cannot write to /dev/full"),
    ]
    for output, formats, message in cases:
        for fmt in formats:
            if fmt == "parquet":
                try:
                    import pyarrow  # noqa: F401
                except ImportError:
                    continue
            result = run_in_process(capsys, "--db", sqlite_copy, "export", "--format", fmt, "-o", output)
            assert_one_error_line(result, contains=message)
    # and through the real command line: no traceback
    assert_one_error_line(cli("export", "-o", "/dev/full", db=sqlite_copy), contains="cannot write to /dev/full")
    assert (tmp_path / "afile").read_text() == "x"
    assert not (tmp_path / "no").exists()
    assert leftovers(tmp_path) == [] and list((tmp_path / "adir").iterdir()) == []


def test_export_to_standard_output_on_a_full_device(sqlite_copy):
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "aggregator.cli", "--db", sqlite_copy, "export"],
                                cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert_one_error_line(result, contains="cannot write to standard output")


def test_a_failure_half_way_leaves_the_old_file(sqlite_copy, tmp_path, monkeypatch, capsys):
    from aggregator.cli import export, main

    out = tmp_path / "out.csv"
    out.write_text("the previous export\n", encoding="utf-8")
    real_records = export._records
    calls = []

    def records_then_disk_full(conn, rows):
        calls.append(1)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_records(conn, rows)

    monkeypatch.setattr(export, "BATCH", 5)
    monkeypatch.setattr(export, "_records", records_then_disk_full)
    assert main(["--db", sqlite_copy, "export", "-o", str(out)]) == 2
    assert capsys.readouterr().err.strip() == f"error: export: cannot write to {out}: No space left on device"
    assert out.read_text(encoding="utf-8") == "the previous export\n"
    assert leftovers(tmp_path) == []
    # and a good export replaces it whole, through a symlink without replacing the link
    os.symlink(out, tmp_path / "via-link.csv")
    monkeypatch.setattr(export, "_records", real_records)
    assert main(["--db", sqlite_copy, "export", "-o", str(tmp_path / "via-link.csv")]) == 0
    assert (tmp_path / "via-link.csv").is_symlink()
    assert out.read_text(encoding="utf-8").startswith("id,url,source,title")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_to_a_new_file_is_complete(sqlite_copy, tmp_path, fmt, capsys):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"new.{fmt}"
    result = run_in_process(capsys, "--db", sqlite_copy, "export", "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 1000 and oct(out.stat().st_mode & 0o777) != "0o600"
    assert leftovers(tmp_path) == []
