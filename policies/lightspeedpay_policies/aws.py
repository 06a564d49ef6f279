"""AWS resources as the pack reads them (type tokens, region, account, IAM documents, companions), and the one
data-residency answer for the stack's AWS account: every AWS resource in an Indian region of that account."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from lightspeedpay_vocabulary.thresholds import AWS_REGIONS_IN_INDIA

from .graph import of_type, prop
from .meta import Report, rbi_localisation, stack_policy, strings
from .props import as_list, known

PROVIDER = "pulumi:providers:aws"
BUCKET = "aws:s3/bucket:Bucket"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
KMS_KEY = "aws:kms/key:Key"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
CLUSTER = "aws:ecs/cluster:Cluster"
REPOSITORY = "aws:ecr/repository:Repository"
SCHEDULE = "aws:scheduler/schedule:Schedule"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
EIP = "aws:ec2/eip:Eip"
NAT = "aws:ec2/natGateway:NatGateway"
GATEWAY = "aws:ec2/internetGateway:InternetGateway"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
ROUTE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
FUNCTION = "aws:lambda/function:Function"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
PERMISSION = "aws:lambda/permission:Permission"
GLOBAL = ("aws:iam/",)
"""Resources that live in no region."""


def field(value: Any, *path: str) -> Any:
    """A nested field of a property, None when absent or still unknown in a preview."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        ok, value = known(value, key)
        if not ok:
            return None
    return value


def region_of(resource: PolicyResource) -> str | None:
    """Where an AWS resource lives: its own ``region`` (every regional resource takes one in pulumi-aws 7),
    else its provider's; None when neither says (AWS_REGION of whoever runs it would decide) or while unknown."""
    ok, region = known(resource.props, "region")
    if not ok:
        return "(unknown)"
    if region:
        return str(region)
    provider = resource.provider
    if provider is not None:
        ok, region = known(provider.props, "region")
        return str(region) if ok and region else None
    return None


def allowed_accounts(resource: PolicyResource) -> list[str]:
    """The account ids an AWS provider resource accepts (a JSON list in the engine's encoding of its inputs)."""
    value = field(resource.props, "allowedAccountIds")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    return [str(v) for v in as_list(value)]


def statements(document: Any) -> list[dict[str, Any]]:
    """The statements of an IAM or bucket policy given as JSON text ([] when it is not one)."""
    if not isinstance(document, str):
        return []
    try:
        parsed = json.loads(document)
    except ValueError:
        return []
    return [s for s in as_list(parsed.get("Statement")) if isinstance(s, dict)] if isinstance(parsed, dict) else []


def actions(statement: Mapping[str, Any]) -> list[str]:
    return [str(a) for a in as_list(statement.get("Action"))]


def resources_of(statement: Mapping[str, Any]) -> list[str]:
    return [str(r) for r in as_list(statement.get("Resource"))]


def depends(resource: PolicyResource, prop_name: str, type_: str) -> list[PolicyResource]:
    """The resources of ``type_`` the property ``prop_name`` was computed from (declared ones only)."""
    return [d for d in resource.property_dependencies.get(prop_name, []) if d.resource_type == type_]


def companions(resources: Iterable[PolicyResource], type_: str, of: PolicyResource, prop_name: str
               ) -> list[PolicyResource]:
    """Every resource of ``type_`` whose ``prop_name`` was computed from ``of`` (e.g. a bucket's lock)."""
    return [r for r in of_type(resources, type_)
            if any(d.urn == of.urn for d in r.property_dependencies.get(prop_name, []))]


def json_prop(resource: PolicyResource, key: str) -> tuple[bool, Any]:
    """(known, parsed JSON) of a property that holds JSON text, such as ECS container definitions."""
    ok, text = known(resource.props, key)
    if not ok or not isinstance(text, str):
        return ok, None
    try:
        return True, json.loads(text)
    except ValueError:
        return True, None


def trusted_accounts(role: PolicyResource) -> set[str]:
    """The ``aws:SourceAccount`` values a role's trust policy requires (service roles)."""
    ok, document = known(role.props, "assumeRolePolicy")
    found: set[str] = set()
    for statement in statements(document) if ok else []:
        found |= {str(v) for v in as_list(field(statement, "Condition", "StringEquals", "aws:SourceAccount"))}
    return found


REGIONS = strings("allowedRegions", AWS_REGIONS_IN_INDIA, min_items=1)


def _account_in_india(args: StackValidationArgs, report: Report) -> None:
    regions = REGIONS.of(args)
    accounts: set[str] = set()
    for provider in of_type(args, PROVIDER):
        allowed = allowed_accounts(provider)
        if len(allowed) != 1:
            report(f"The AWS provider accepts {allowed or 'any'} account(s); it must name exactly the stack's one "
                   f"account (allowed_account_ids), so credentials of another account cannot deploy here.",
                   provider.urn)
        accounts |= set(allowed)
        where = field(provider.props, "region")
        if where is not None and where not in regions:
            report(f"The AWS provider's region is {where!r}; the stack's AWS resources stay in India "
                   f"({list(regions)}).", provider.urn)
    for resource in args.resources:
        if not resource.resource_type.startswith("aws:") or resource.resource_type.startswith(GLOBAL):
            continue
        where = region_of(resource)
        if where != "(unknown)" and where not in regions:
            report(f"{resource.resource_type.rsplit(':', 1)[-1]} {resource.name!r} is in {where or 'no region'}; "
                   f"the stack's AWS resources stay in India ({list(regions)}).", resource.urn)
    if len(accounts) == 1:
        [account] = accounts
        for role in of_type(args, ROLE):
            foreign = trusted_accounts(role) - accounts
            if foreign:
                report(f"Role {prop(role, 'name', role.name)!r} trusts services on behalf of account(s) "
                       f"{sorted(foreign)}, not the stack's {account}.", role.urn)
        for key in of_type(args, KMS_KEY):
            ok, document = known(key.props, "policy")
            principals = {str(field(s, "Principal", "AWS")) for s in statements(document) if ok}
            if ok and principals - {"None"} and f"arn:aws:iam::{account}:root" not in principals:
                report(f"The key's policy delegates to {sorted(principals - {'None'})}, not the stack's account "
                       f"{account}.", key.urn)


POLICIES = [
    stack_policy(
        "aws-account-in-india",
        "Every AWS resource of the stack must be in an Indian region of the stack's one account.",
        validate=_account_in_india, severity=Severity.CRITICAL, framework=rbi_localisation(),
        config=[REGIONS],
        remediation="Keep lightspeedpay:aws.region in India (every component names it on each resource) and "
                    "lightspeedpay:aws.accountId the stack's own account (the provider's allowed_account_ids); roles "
                    "and the key name that account.",
        tags=["aws", "data-localisation"]),
]
