"""The README's command table matches ``healthgap --help`` (issue 17, done-when)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from healthgap.cli.main import app

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_commands(text: str) -> list[str]:
    """Command names in the first column of README's ``| command | what it does |`` table."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\|\s*command\s*\|", line))
    names: list[str] = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        first = re.split(r"(?<!\\)\|", line)[1]
        for span in re.findall(r"`([^`]+)`", first):
            words = span.removeprefix("healthgap ").split()
            if words and re.fullmatch(r"[a-z][a-z-]*", words[0]):
                names.append(words[0])
    return names


def help_commands(text: str) -> list[str]:
    """Command names listed under ``Commands:`` in ``healthgap --help``."""
    section = text.split("Commands:", 1)[1]
    names = []
    for line in section.splitlines()[1:]:
        if not line.startswith("  ") or not line.strip():
            break
        names.append(line.split()[0])
    return names


def test_readme_table_parser_reads_combined_rows() -> None:
    text = (
        "| command | what |\n|---|---|\n"
        "| `healthgap init` / `status [--json]` | x |\n| `healthgap a \\| b` | y |\n"
    )
    assert readme_commands(text) == ["init", "status", "a"]


def test_readme_command_table_matches_help() -> None:
    shown = CliRunner().invoke(app, ["--help"])
    assert shown.exit_code == 0
    listed = help_commands(shown.output)
    assert len(listed) >= 10
    documented = readme_commands(README.read_text(encoding="utf-8"))
    assert sorted(set(documented)) == sorted(listed), (
        f"README lacks {sorted(set(listed) - set(documented))}; "
        f"README has unknown {sorted(set(documented) - set(listed))}"
    )
    assert len(documented) == len(set(documented)), "a command is in the README table twice"
