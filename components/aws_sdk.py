"""The pulumi_aws submodules the program uses, and only those, loaded when the program is imported.

pulumi_aws loads each of its ~240 submodules lazily, on first attribute access: the package itself costs
almost nothing, a submodule ~0.05-0.35 s of CPU. The program touches each of its ten here, at import, so
the cost is paid with the other SDK imports (and frozen out of garbage collection with them by the ops
commands and the tests) rather than in the middle of a program run. Components import AWS from here.
"""

from __future__ import annotations

from pulumi_aws import cloudwatch, ec2, ecr, ecs, iam, kms, lambda_, s3, scheduler, secretsmanager

MODULES = (cloudwatch, ec2, ecr, ecs, iam, kms, lambda_, s3, scheduler, secretsmanager)
for _module in MODULES:
    _module.__file__  # noqa: B018 (any attribute access runs the lazily imported module)

__all__ = ["cloudwatch", "ec2", "ecr", "ecs", "iam", "kms", "lambda_", "s3", "scheduler", "secretsmanager"]
