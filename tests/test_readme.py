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


def test_readme_names_every_stack() -> None:
    for path in REPO.glob("Pulumi.*.yaml"):
        assert path.name.split(".")[1] in README


def test_readme_lists_every_policy() -> None:
    from tests.harness import pack

    missing = [name for name in pack("production").policy_names() if f"`{name}`" not in README]
    assert missing == []
