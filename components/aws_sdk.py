"""The pulumi_aws submodules the program uses, and only those, loaded when the program is imported.

pulumi_aws loads each of its ~240 submodules lazily, on first attribute access: the package itself costs
almost nothing, a submodule ~0.05-0.35 s of CPU. The program touches a class of each of its ten here, at import, so
the cost is paid with the other SDK imports (and frozen out of garbage collection with them by the ops
commands and the tests) rather than in the middle of a program run. Components import AWS from here.
"""

from __future__ import annotations

from pulumi_aws import cloudwatch, ec2, ecr, ecs, iam, kms, lambda_, s3, scheduler, secretsmanager

MODULES = (cloudwatch, ec2, ecr, ecs, iam, kms, lambda_, s3, scheduler, secretsmanager)
# A class of each: a dunder such as __file__ is answered without loading, a class name runs the module.
CLASSES = (cloudwatch.LogGroup, ec2.Vpc, ecr.Repository, ecs.Cluster, iam.Role, kms.Key, lambda_.Function,
           s3.Bucket, scheduler.Schedule, secretsmanager.Secret)

__all__ = ["cloudwatch", "ec2", "ecr", "ecs", "iam", "kms", "lambda_", "s3", "scheduler", "secretsmanager"]
