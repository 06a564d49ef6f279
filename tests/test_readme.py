"""The README stays true: the two commands, every secret key, every stack."""

from __future__ import annotations

from config import SECRETS
from tests.harness import REPO

README = (REPO / "README.md").read_text()


def test_readme_lists_every_secret_key() -> None:
    missing = [s.key for s in SECRETS if f"`{s.key}`" not in README]
    assert missing == []


def test_readme_gives_the_two_commands_and_ci_runs_the_test_command() -> None:
    assert "./dev plan" in README and "./dev test" in README
    assert "./dev test" in (REPO / ".ci" / "run").read_text()


def test_the_stacks_table_has_a_column_per_stack_file() -> None:
    """The README's "Stacks" table compares exactly the stacks that exist, each with its policy config."""
    section = README.split("\n## Stacks\n", 1)[1]
    header = next(line for line in section.splitlines() if line.startswith("|"))
    columns = [cell.strip() for cell in header.strip("|").split("|")][1:]
    stacks = sorted(path.name.split(".")[1] for path in REPO.glob("Pulumi.*.yaml"))
    assert sorted(columns) == stacks
    assert all((REPO / "policies" / "config" / f"{stack}.json").is_file() for stack in stacks)


def test_readme_lists_every_policy() -> None:
    from tests.harness import pack

    missing = [name for name in pack("production").policy_names() if f"`{name}`" not in README]
    assert missing == []
