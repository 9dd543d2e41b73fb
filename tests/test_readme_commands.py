"""Every `duban ...` command line the README shows runs as written: a newcomer copies them from the command table,
the quick start and the examples. Each line (placeholders such as FILE or PATH filled in, `[optional]` parts both
left out and given, `a|b` alternatives each) must be accepted by the `duban` command's arguments; the ones that are
safe to run on a scratch folder (the table's and the examples' lines but `serve` and `deploy`, which start a server
or talk to Prefect; a span in the text only has its arguments checked: `duban restore PATH` there asks first) are run
for real there, in the README's order, on the default database ./duban.db, and must succeed — or, for an example that
shows its own output (`$ duban ...` followed by what it prints), print exactly that."""
from __future__ import annotations

import itertools
from datetime import date, timedelta
import re
import shlex
from pathlib import Path

import pytest

from engine.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SPAN = re.compile(r"`([^`\n]+)`")
PLACEHOLDERS = {  # what a reader types for each placeholder the README uses
    "PATH...": ["definitions/directive.yaml", "definitions/incoming_document.yaml"],
    "FILE": ["definitions/org.demo.yaml"],
    "DATE": ["2027-02-06"],
    "URL": ["sqlite:///other.db"],
    "START": ["2026-02-12T09:00:00+08:00"],
    "ISO": ["2026-02-12T09:00:00+08:00"],
    # `simulate --due` without `--start` rehearses from today: a due date a month ahead
    "YYYY-MM-DD": [(date.today() + timedelta(days=30)).isoformat()],
    "FIELD=VALUE": ["priority=urgent"],
    "JSON": ['{"priority": "urgent"}'],
    "LOGIN": ["finance.qian"],
    "NAME": ["钱会计"],
    "UNIT": ["finance"],
    "ROLE": ["staff"],
    "C": ["staff"],
}
PATH_BY_COMMAND = {"backup": "duban-backup.db", "restore": "duban-backup.db"}  # PATH: else a definition file
# they start a server, talk to a Prefect server or to a directory server: their arguments are checked only
# `duban user` asks for a password at the terminal (its own tests feed it: tests/runtime/test_user_cli.py)
NOT_RUN = {("serve",), ("deploy",), ("org", "sync-ldap"), ("user",)}
# A code block right after this line holds a real server's commands (its paths, its people): arguments checked only.
SERVER_ONLY = "<!-- readme-commands: arguments only -->"


def readme_lines() -> list[tuple[str, tuple[str, ...], bool]]:
    """(command line, the output the README shows under it, whether it is a span in running text) for every
    `duban` line: the command table's cells (`duban calendar show ...` / `set ...` / `unset ...`: the later spans
    continue the first's command), the lines of code blocks, and code spans in the text (where `duban validate`
    may name a command rather than show a line to type)."""
    found: list[tuple[str, tuple[str, ...], bool]] = []
    lines = README.splitlines()
    in_block = False
    server_only = False
    for i, line in enumerate(lines):
        if line.strip() == SERVER_ONLY:
            server_only = True
            continue
        if line.startswith("```"):
            in_block = not in_block
            server_only = server_only and in_block
            continue
        if in_block:
            command = line.split("  #")[0].strip()
            shown = command.startswith("$ ")
            command = re.sub(r"^(\$ )?([A-Z_]+=\S+ )*(\.venv/bin/)?", "", command)
            if command.startswith("duban "):
                output = list(itertools.takewhile(lambda x: not x.startswith(("```", "$ ")), lines[i + 1:]))
                found.append((command, tuple(output) if shown else (), server_only))
            continue
        if line.startswith("| `duban "):
            cell = line.split(" | ")[0]
            spans = [s.replace("\\|", "|") for s in SPAN.findall(cell)]
            group = " ".join(spans[0].split()[:2])
            found += [(s if s.startswith("duban ") else f"{group} {s}", (), False) for s in spans]
            continue
        found += [(s, (), True) for s in SPAN.findall(line) if s.startswith("duban ")]
    return list(dict.fromkeys(found))


def refused(argv: list[str]) -> int | None:
    """The exit status when `duban` refuses these arguments, else None."""
    try:
        build_parser().parse_args(argv)
    except SystemExit as e:
        return e.code or 0  # type: ignore[return-value]
    return None


def expand(line: str) -> list[list[str]]:
    """The argument lists a reader may type for one README line."""
    words = shlex.split(line.replace("[", " [ ").replace("]", " ] "))[1:]
    forms: list[list[str]] = [[]]
    optional: list[str] | None = None
    for word in words:
        if word == "[":
            optional = []
            continue
        if word == "...":  # `[--subject FIELD=VALUE ...]`: the option may be given again; once is typed here
            continue
        if word == "]":
            forms = [f for form in forms for f in (form, form + optional)]
            optional = None
            continue
        if word in PLACEHOLDERS or word == "PATH":
            choices = [[PATH_BY_COMMAND.get(words[0], "definitions/directive.yaml")]] if word == "PATH" \
                else [PLACEHOLDERS[word]]
        else:
            assert not re.fullmatch(r"[A-Z][A-Z_.]*", word), f"{line}: what does a reader type for {word}?"
            choices = [[w] for w in word.split("|")]
        if optional is not None:
            optional += choices[0]
        else:
            forms = [form + c for form in forms for c in choices]
    return forms


def test_the_readme_shows_the_commands_a_newcomer_needs():
    lines = [c for c, _, _ in readme_lines()]
    for expected in ("duban org load FILE [--with-passwords] [--db URL]", "duban validate PATH...", "duban serve --demo",
                     "duban calendar unset DATE", "duban backup duban-2026-11-20.dump"):
        assert expected in lines, expected


@pytest.mark.parametrize("line,prose", sorted({(c, prose) for c, _, prose in readme_lines()}))
def test_every_readme_command_line_is_accepted_by_duban(line, prose):
    """A line to type must be accepted whole; a span in the text that only names a command (`duban validate`) must
    be the start of a line the README shows in full."""
    full = [c for c, _, p in readme_lines() if not p]
    for argv in expand(line):
        code = refused(argv)
        if code is not None:
            assert prose and any(c.startswith(line + " ") for c in full), \
                f"`{line}` as `duban {shlex.join(argv)}` is refused (exit {code})"


def test_the_readme_commands_run_as_written_in_a_fresh_folder(tmp_path, monkeypatch, capsys):
    """In README order, in an empty folder with the project's definitions (and the broken examples) beside it,
    without DUBAN_DATABASE_URL: the default ./duban.db is created there, `org load` fills it, `calendar set` changes
    it, `backup` copies it and `restore --yes` puts it back."""
    (tmp_path / "definitions").symlink_to(ROOT / "definitions")
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DUBAN_DATABASE_URL", raising=False)
    ran = []
    for line, shown, prose in readme_lines():
        for argv in expand(line):
            if tuple(argv[:1]) in NOT_RUN or tuple(argv[:2]) in NOT_RUN or prose:
                continue
            code = main(argv)
            out, err = capsys.readouterr()
            if shown:
                assert (out + err).splitlines() == [s for s in shown if s], line
                assert code != 0, f"`{line}` shows a failure and must exit non-zero"
            else:
                assert code == 0, f"`duban {shlex.join(argv)}` (README: `{line}`) failed:\n{out}\n{err}"
            ran.append(argv)
    assert ["org", "load", "definitions/org.demo.yaml", "--db", "sqlite:///other.db"] in ran
    assert ["org", "load", "definitions/org.demo.yaml"] in ran
    assert (tmp_path / "duban.db").exists() and (tmp_path / "other.db").exists()
    assert (tmp_path / "duban-2026-11-20.dump").exists()
    monkeypatch.setenv("DUBAN_DATABASE_URL", "sqlite:///from-the-environment.db")  # the third way to name it
    assert main(["org", "load", "definitions/org.demo.yaml"]) == 0
    assert (tmp_path / "from-the-environment.db").exists()
