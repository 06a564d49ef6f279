"""What a stack asks of a drill: its RTO and its database's major version, read from its stack file.

Read with the same reader and model as the program (config.stackfile, config.database), without
the Pulumi engine: the drill runs on a schedule in India, not under `pulumi`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from config.database import DatabaseConfig
from config.errors import ConfigError
from config.model import PROJECT
from config.stackfile import read_stack_file, stack_file_path


@dataclass(frozen=True)
class StackTargets:
    rto_minutes: float | None
    postgres_major: int | None


def stack_targets(stack: str) -> StackTargets:
    """``database.recovery.rtoMinutes`` and ``database.postgresMajorVersion`` of ``Pulumi.<stack>.yaml``."""
    try:
        values = read_stack_file(stack_file_path(stack), stack).values
    except ConfigError as error:
        raise ValueError(str(error)) from None
    key = f"{PROJECT}:database"
    if key not in values:
        raise ValueError(f"{stack_file_path(stack).name} has no {key}: pass --rto and --postgres-major")
    try:
        database = DatabaseConfig.model_validate(values[key])
    except ValidationError as error:
        raise ValueError(f"{key} in {stack_file_path(stack).name} is invalid: {error.errors()[0]['msg']}") from None
    return StackTargets(float(database.recovery.rto_minutes), database.postgres_major_version)
