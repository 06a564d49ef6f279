"""Session-wide set-up: the heavy SDKs are imported once per test process, not once per test."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ops.cli import freeze_loaded_objects


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist's controller only hands tests to its workers: it would pay ~4 s of CPU, before any
    # worker starts, for SDKs it never uses. Workers (and a run without -n) import them here, once.
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return
    import pulumi_cloudflare  # noqa: F401  (~3 s to import; every test of the process shares it)
    import pulumi_github  # noqa: F401
    import pulumiverse_vercel  # noqa: F401

    import components.aws_sdk  # noqa: F401  (pulumi_aws's submodules load lazily: loaded here, before the freeze)

    # The SDKs' objects live for the whole session; keep the collector from walking them again and again.
    freeze_loaded_objects()


@pytest.fixture(autouse=True)
def fresh_pulumi_runtime() -> Iterator[None]:
    """Each test owns an event loop and a clean Pulumi runtime (no root stack, mocks or config leak)."""
    import pulumi
    from pulumi.runtime import settings

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    settings.reset_options()
    yield
    settings.reset_options()
    pulumi.runtime.set_all_config({}, [])
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture(scope="session")
def production_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m ops.plan --stack production --export` run once per session (read-only: copy to edit)."""
    from ops import plan as plan_cli

    path = tmp_path_factory.mktemp("export") / "production.json"
    assert plan_cli.main(["--stack", "production", "--export", str(path)]) == 0
    return path


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Any]:
    """One real PostgreSQL per test process (tests/postgres.py), shared by the modules that need one; they
    are in the xdist group "postgres", so one worker runs them all against this one cluster."""
    from tests.postgres import start_cluster

    cluster = start_cluster()
    print(f"\nPostgreSQL tests run against PostgreSQL {cluster.version} ({cluster.postgres.path}); "
          f"production's major version is database.postgresMajorVersion")
    yield cluster
    cluster.stop()
