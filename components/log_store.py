"""The log store, declared: a CloudWatch Logs group in India with a real retention, and the ingest URL every
runtime ships to (docs/logs.md).

Children: the log group, encrypted with the account's one key (components.aws_account), which also
encrypts the function's environment (retention: the vocabulary's one threshold, as CloudWatch accepts it); the
ingest function (services/log_ingest, standard library only) whose application logs *are* the store; its
role (write to that group, nothing else); its public function URL (Vercel cannot sign AWS requests: the
function checks Vercel's HMAC signature and the workers' bearer token itself) with the two permissions a
function URL needs since October 2025; the drain's signing secret and the workers' ingest token, generated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pulumi
import pulumi_random as random
import pulumiverse_vercel as vercel

from config.aws import LogStoreConfig
from config.vocabulary import facts, thresholds

from . import aws_documents as documents
from .aws_sdk import cloudwatch, iam, lambda_

INGEST_CODE = "services/log_ingest"
"""The function's code, relative to the project root: the CLI runs the program there and resolves an archive's
path against it, so the state names no one's checkout (an absolute path would differ between machines)."""
RETENTION_DAYS = thresholds.cloudwatch_retention_days(thresholds.LOG_RETENTION_DAYS)
"""What every log group of the stack keeps: the shortest CloudWatch retention that meets the one threshold."""
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


@dataclass(frozen=True)
class LogStoreArgs:
    config: LogStoreConfig
    name_prefix: str
    account_id: str
    region: str
    """The stack's AWS region (India)."""
    key_arn: pulumi.Input[str]
    """The account's key (components.aws_account)."""
    vercel_provider: vercel.Provider
    """For the team's endpoint verification code (an invoke), which the function answers Vercel with."""


class LogStore(pulumi.ComponentResource):
    """One place, one retention, one region in India for every log the platform ships."""

    log_group: cloudwatch.LogGroup
    ingest_url: pulumi.Output[str]
    """The function URL (``https://….lambda-url.<region>.on.aws/``)."""
    vercel_endpoint: pulumi.Output[str]
    audit_endpoint: pulumi.Output[str]
    otlp_endpoint: pulumi.Output[str]
    """Base URL of the OTLP exporters (they append ``/v1/logs``)."""
    ingest_urn: pulumi.Output[str]
    """URN of the function URL: what the job fleet's facts name as its log store's ingest."""
    drain_secret: pulumi.Output[str]
    """Signs Vercel's drains (secret)."""
    otlp_token: pulumi.Output[str]
    """The workers' bearer token (secret); the function holds only its SHA-256."""
    ready: list[pulumi.Resource]
    """What must exist before a drain is created (Vercel calls the URL at once)."""
    retention_days: int

    def __init__(self, name: str, args: LogStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(facts.LOG_STORE, name, {}, opts)
        region = args.region
        child = pulumi.ResourceOptions(parent=self)
        self.retention_days = RETENTION_DAYS

        self.log_group = cloudwatch.LogGroup(
            f"{name}-group", name=f"/{args.name_prefix}/logs", retention_in_days=RETENTION_DAYS,
            kms_key_id=args.key_arn, region=region, opts=child)

        drain_secret = random.RandomPassword(f"{name}-drain-secret", length=48, special=False, opts=child)
        otlp_token = random.RandomPassword(f"{name}-otlp-token", length=48, special=False, opts=child)
        verification = vercel.get_endpoint_verification_output(
            opts=pulumi.InvokeOutputOptions(provider=args.vercel_provider))

        role = iam.Role(f"{name}-ingest", name=f"{args.name_prefix}-log-ingest",
                        assume_role_policy=documents.service_trust("lambda.amazonaws.com", args.account_id),
                        opts=child)
        iam.RolePolicy(f"{name}-ingest", role=role.id, policy=self.log_group.arn.apply(documents.ingest_policy),
                       opts=child)
        function = lambda_.Function(
            f"{name}-ingest", name=f"{args.name_prefix}-log-ingest", role=role.arn, runtime="python3.12",
            architectures=["arm64"], handler="handler.handler", code=pulumi.FileArchive(INGEST_CODE),
            memory_size=256, timeout=15, kms_key_arn=args.key_arn, region=region,
            environment={"variables": {
                "VERCEL_VERIFY": verification.verification_code,
                "DRAIN_SECRET": drain_secret.result,
                "INGEST_TOKEN_SHA256": otlp_token.result.apply(lambda t: hashlib.sha256(t.encode()).hexdigest()),
            }},
            logging_config={"log_format": "JSON", "log_group": self.log_group.name, "application_log_level": "INFO",
                            "system_log_level": "WARN"},
            opts=child)
        url = lambda_.FunctionUrl(f"{name}-url", function_name=function.name, authorization_type="NONE",
                                  region=region, opts=child)
        # A public function URL needs both permissions since October 2025 (AWS Lambda, "urls-auth").
        invoke_url = lambda_.Permission(f"{name}-invoke-url", action="lambda:InvokeFunctionUrl",
                                        function=function.name, principal="*", function_url_auth_type="NONE",
                                        region=region, opts=child)
        invoke = lambda_.Permission(f"{name}-invoke", action="lambda:InvokeFunction", function=function.name,
                                    principal="*", invoked_via_function_url=True, region=region, opts=child)

        base = url.function_url.apply(lambda u: u.rstrip("/"))
        self.ingest_url = url.function_url
        self.vercel_endpoint = base.apply(lambda b: f"{b}/vercel")
        self.audit_endpoint = base.apply(lambda b: f"{b}/vercel-audit")
        self.otlp_endpoint = base
        self.ingest_urn = url.urn
        self.drain_secret = pulumi.Output.secret(drain_secret.result)
        self.otlp_token = pulumi.Output.secret(otlp_token.result)
        self.ready = [url, invoke_url, invoke]
        published = facts.LogStoreFacts(region=region, log_group=self.log_group.urn, ingest=url.urn,
                                        vercel_plan=args.config.vercel_plan)
        self.register_outputs({facts.FACTS_KEY: published.publish(), "logGroup": self.log_group.name,
                               "ingestUrl": self.ingest_url})
