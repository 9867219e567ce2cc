"""Bad input: one line on stderr, exit code 2, never a traceback.

One case of each kind goes through the real command line (a subprocess); the variants
run in-process through the same `main`."""

from __future__ import annotations

import pytest

from tests.analyst.conftest import cli_many

# (arguments, what the one line says; None: not an error)
SUBPROCESS_CASES = [
    (("search", '"*-NEAR:()'), None),  # query syntax is searched as text: no error, exit 0
    (("search", "新疆", "--source", "taiyuan"), "unknown source 'taiyuan'; did you mean taiyuan_industry?"),
    (("export", "--province", "火星"), "unknown province '火星'; known: "),
    (("search", "新疆", "--since", "last week"), "--since: expected a date like 2024-05-01, got 'last week'"),
]
IN_PROCESS_CASES = [
    (("search", "*():-^"), "has no word to search for"),
    (("search", "新疆", "--province", "山东x"), "unknown province '山东x'; did you mean 山东省"),
    (("export", "--since", "2024-13-45"), "--since: expected a date like 2024-05-01, got '2024-13-45'"),
    (("search", "新疆", "--limit", "0"), "argument --limit: expected 1 or more, got 0"),
    (("export", "--format", "xml"), "argument --format: invalid choice: 'xml'"),
    (("stats", "--db", "postgresql://nobody@127.0.0.1:1/none"), "cannot open the database"),
    (("stats", "--db", "not a url"), "--db: not a database URL"),
]


def check(returncode: int, stdout: str, stderr: str, want: str | None) -> None:
    assert "Traceback" not in stderr, stderr
    if want is None:
        assert returncode == 0, stderr
        assert "no article matches" in stdout
        return
    assert returncode == 2, (stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and want in lines[0], lines[0]


def test_bad_input_through_the_command_line(demo_sqlite, tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    calls = [(args, {"db": demo_sqlite}) for args, _ in SUBPROCESS_CASES] + [
        (("stats",), {"db": f"sqlite:///{tmp_path / 'missing.db'}"}),
        (("health",), {"db": f"sqlite:///{empty}"}),
    ]
    wants = [w for _, w in SUBPROCESS_CASES] + ["no database at", "is empty or not an aggregator database"]
    for run, want in zip(cli_many(calls), wants):
        check(run.returncode, run.stdout, run.stderr, want)


@pytest.mark.parametrize("args,want", IN_PROCESS_CASES, ids=[" ".join(a) for a, _ in IN_PROCESS_CASES])
def test_bad_input_in_process(demo_sqlite, capsys, args, want):
    from aggregator.cli import main

    argv = list(args) if "--db" in args else ["--db", demo_sqlite, *args]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    check(code, out, err, want)


@pytest.mark.parametrize("since", ["2024-10-01", "2024-10-01T08:00", "2024-10-01T08:00+08:00"])
def test_since_accepts_dates_and_times(since):
    from aggregator.cli.common import parse_since

    assert parse_since(since).isoformat().startswith("2024-10-01T")
