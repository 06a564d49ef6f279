"""`backup-jobs`: the backup job and the restore drill, run on schedules in India and monitored, from the
resources themselves — the task definitions and what they reference (image, secrets, roles), the schedules
and the scheduler's role, the heartbeats, the network path to the address the database admits, and the
release's on-demand access. Everything a run needs is followed from the task definition; a missing link
is a violation, so deleting or rewiring one cannot pass."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pulumi_policy import PolicyResource, StackValidationArgs

from lightspeedpay_vocabulary import thresholds as t

from . import aws
from .graph import linked, of_type, prop, stack_name
from .meta import Report, flag, number, strings
from .props import as_list, known

if TYPE_CHECKING:
    from lightspeedpay_vocabulary.facts import BackupFacts

    from .backups import BackupStack

NETWORK_RESTRICTIONS = "pulumi-python:dynamic/supabase:NetworkRestrictions"
HEARTBEAT = "checkly:index/heartbeatMonitor:HeartbeatMonitor"
VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
RELEASE_ACTIONS = ("ecs:RunTask", "ecs:DescribeTasks", "iam:PassRole")
RELEASE_VARIABLES = {"BACKUP_RELEASE_ROLE_ARN": aws.ROLE, "BACKUP_AWS_REGION": "", "BACKUP_ECS_CLUSTER": aws.CLUSTER,
                     "BACKUP_TASK_DEFINITION": aws.TASK_DEFINITION, "BACKUP_SUBNETS": aws.SUBNET,
                     "BACKUP_SECURITY_GROUPS": aws.SECURITY_GROUP}
"""docs/release.md's six variables, and the resource each value must come from."""
_HOURS = {"seconds": 1 / 3600, "minutes": 1 / 60, "hours": 1, "days": 24}

BACKUP_HOURS = number("maxBackupIntervalHours", t.BACKUP_MAX_INTERVAL_HOURS, minimum=1)
DRILL_HOURS = number("maxDrillIntervalHours", t.DRILL_MAX_INTERVAL_HOURS, minimum=1)
GRACE_HOURS = number("maxGraceHours", t.HEARTBEAT_MAX_GRACE_HOURS, minimum=0)
WRITER_ACTIONS = strings("allowedActions", t.BACKUP_WRITER_ACTIONS, min_items=1)
RELEASE_VARIABLES_DECLARED = flag("releaseVariables", True)
SETTINGS = (BACKUP_HOURS, DRILL_HOURS, GRACE_HOURS, WRITER_ACTIONS, RELEASE_VARIABLES_DECLARED)


def check(stack: BackupStack, args: StackValidationArgs, regions: tuple[str, ...], report: Report) -> None:
    name = stack_name(args)
    for publisher, facts in stack.backups:
        bucket = stack.by_urn.get(str(facts.bucket))
        backup = stack.named(facts.backup_task, "backup task definition", publisher, report)
        if backup is not None:
            _scheduled(stack, backup, "backup job", BACKUP_HOURS.of(args), regions, report)
            _heartbeat(stack, backup, "backup job", GRACE_HOURS.of(args), report)
            _task(stack, backup, "backup job", report)
            _backup_container(stack, backup, bucket, regions, report)
            _write_only(stack, backup, bucket, WRITER_ACTIONS.of(args), report)
        drill = stack.named(facts.drill_task, "restore-drill task definition", publisher, report)
        if drill is not None:
            _scheduled(stack, drill, "restore drill", DRILL_HOURS.of(args), regions, report)
            _heartbeat(stack, drill, "restore drill", GRACE_HOURS.of(args), report)
            _task(stack, drill, "restore drill", report)
            _drill_container(drill, name, report)
            _drill_role(stack, drill, report)
        _egress_admitted(stack, report, publisher)
        if backup is not None:
            _release(stack, facts, backup, name, regions, RELEASE_VARIABLES_DECLARED.of(args), publisher, report)


# --- what a task needs ---------------------------------------------------------------------------------------

def containers(task: PolicyResource) -> tuple[bool, list[dict[str, Any]]]:
    ok, parsed = aws.json_prop(task, "containerDefinitions")
    return ok, [c for c in as_list(parsed) if isinstance(c, dict)]


def _environment(container: dict[str, Any]) -> dict[str, str]:
    return {str(e.get("name")): str(e.get("value")) for e in as_list(container.get("environment"))
            if isinstance(e, dict)}


def _task(stack: BackupStack, task: PolicyResource, what: str, report: Report) -> None:
    """The image's repository, the injected secrets and the execution role that may read them."""
    if not aws.depends(task, "containerDefinitions", aws.REPOSITORY):
        report(f"The {what}'s image does not come from the repository the stack declares.", task.urn)
    secrets = aws.depends(task, "containerDefinitions", aws.SECRET)
    if not secrets:
        report(f"The {what} receives no secret the stack declares (its database URL or identity).", task.urn)
    execution = linked(task, "executionRoleArn", aws.ROLE)
    if execution is None:
        report(f"The {what} has no execution role the stack declares: its secrets and image cannot be fetched.",
               task.urn)
        return
    if not stack.companions(aws.POLICY_ATTACHMENT, execution, "role"):
        report(f"The {what}'s execution role has no ECS execution policy attached.", execution.urn)
    readable = {d.urn for policy in stack.companions(aws.ROLE_POLICY, execution, "role")
                for d in aws.depends(policy, "policy", aws.SECRET)}
    unread = [s.name for s in secrets if s.urn not in readable]
    if unread:
        report(f"The {what}'s execution role may not read the secrets it injects ({unread}).", execution.urn)


def _backup_container(stack: BackupStack, task: PolicyResource, bucket: PolicyResource | None,
                      regions: tuple[str, ...], report: Report) -> None:
    ok, found = containers(task)
    if not ok:
        return
    backup = [c for c in found if c.get("name") == "backup"
              and "services.backup" in " ".join(map(str, as_list(c.get("command"))))]
    if not backup:
        report("The backup task has no container named 'backup' running `python -m services.backup`.", task.urn)
    for container in found:
        environment = _environment(container)
        region = environment.get("AWS_REGION")
        if region is not None and region not in regions:
            report(f"The {container.get('name')} container stores copies in {region!r}, outside India.", task.urn)
        name = prop(bucket, "bucket") if bucket is not None else None
        if isinstance(name, str) and environment.get("BACKUP_BUCKET") not in (None, name):
            report(f"The backup stores its copies in {environment['BACKUP_BUCKET']!r}, not the stack's bucket "
                   f"{name!r}.", task.urn)
        lock = _lock_days(stack, bucket)
        days = environment.get("BACKUP_RETENTION_DAYS")
        if lock is not None and days is not None and (not days.isdigit() or int(days) < lock):
            report(f"The backup locks each copy {days} days, less than the bucket's default of {lock}.", task.urn)
    secrets = aws.depends(task, "containerDefinitions", aws.SECRET)
    if secrets and not any(stack.companions(aws.SECRET_VERSION, s, "secretId") for s in secrets):
        report("The backup's database URL secret has no value the stack declares.", task.urn)


def _lock_days(stack: BackupStack, bucket: PolicyResource | None) -> int | None:
    if bucket is None:
        return None
    for lock in stack.companions(aws.LOCK, bucket, "bucket"):
        days = aws.field(lock.props, "rule", "defaultRetention", "days")
        if isinstance(days, int | float):
            return int(days)
    return None


def _drill_container(task: PolicyResource, stack: str, report: Report) -> None:
    ok, found = containers(task)
    commands = [[str(a) for a in as_list(c.get("command"))] for c in found]
    if ok and not any("ops.restore_drill" in command and "--upload-evidence" in command for command in commands):
        report("The drill task does not run `python -m ops.restore_drill --upload-evidence`: no evidence would "
               "reach the bucket.", task.urn)
    for command in commands:
        if "--stack" in command and command.index("--stack") + 1 < len(command) and stack \
                and command[command.index("--stack") + 1] != stack:
            report(f"The drill judges itself against stack {command[command.index('--stack') + 1]!r}'s RTO and "
                   f"Postgres version, not {stack!r}'s.", task.urn)


# --- identities ----------------------------------------------------------------------------------------------

def _role_policy(stack: BackupStack, role: PolicyResource) -> tuple[bool, list[dict[str, Any]]]:
    """(known, Allow statements) of a role's inline policies."""
    allowed: list[dict[str, Any]] = []
    for policy in stack.companions(aws.ROLE_POLICY, role, "role"):
        ok, document = known(policy.props, "policy")
        if not ok:
            return False, []
        allowed += [s for s in aws.statements(document) if s.get("Effect") == "Allow"]
    return True, allowed


def _write_only(stack: BackupStack, task: PolicyResource, bucket: PolicyResource | None, allowed: tuple[str, ...],
                report: Report) -> None:
    role = linked(task, "taskRoleArn", aws.ROLE)
    if role is None:
        report("The backup task has no task role the stack declares: its identity cannot be checked.", task.urn)
        return
    for attachment in stack.companions(aws.POLICY_ATTACHMENT, role, "role"):
        report(f"The backup writer role has a managed policy attached ({prop(attachment, 'policyArn')}): it may "
               f"only write new copies.", attachment.urn)
    ok, statements = _role_policy(stack, role)
    if not ok:
        return
    granted = {a for s in statements for a in aws.actions(s)}
    extra = sorted(granted - set(allowed))
    if extra:
        report(f"The backup writer role may also {extra}; it may only {list(allowed)} (no read, list or delete: a "
               f"stolen job credential must not reach the copies).", role.urn)
    if "s3:PutObject" not in granted:
        report("The backup writer role cannot s3:PutObject: the job cannot store a copy.", role.urn)
    name = prop(bucket, "bucket") if bucket is not None else None
    outside = sorted({r for s in statements if any(a.startswith("s3:") for a in aws.actions(s))
                      for r in aws.resources_of(s)} - {f"arn:aws:s3:::{name}/postgres/*"}) if name else []
    if outside:
        report(f"The backup writer role writes {outside}, not only the stack's bucket's postgres/ prefix.", role.urn)


def _drill_role(stack: BackupStack, task: PolicyResource, report: Report) -> None:
    role = linked(task, "taskRoleArn", aws.ROLE)
    if role is None:
        report("The drill task has no task role the stack declares: it cannot read a copy.", task.urn)
        return
    ok, statements = _role_policy(stack, role)
    granted = {a for s in statements for a in aws.actions(s)}
    if ok and not {"s3:GetObject", "s3:PutObject"} <= granted:
        report("The drill role cannot read the copies and write its evidence (s3:GetObject, s3:PutObject).",
               role.urn)
    destructive = sorted(a for a in granted if a in ("s3:*", "*") or a.startswith(("s3:Delete", "s3:PutBucket")))
    if destructive:
        report(f"The drill role may {destructive}: it reads copies and writes evidence, nothing more.", role.urn)


# --- schedules and heartbeats -----------------------------------------------------------------------------------

def _schedules(stack: BackupStack, task: PolicyResource) -> list[PolicyResource]:
    return [s for s in stack.companions(aws.SCHEDULE, task, "target") if prop(s, "state", "ENABLED") != "DISABLED"]


def interval(schedules: Iterable[PolicyResource]) -> float | None:
    """The shortest longest-gap of the enabled schedules (how often the job surely runs), None if unknown."""
    gaps = [t.schedule_max_interval_hours(str(prop(s, "scheduleExpression", ""))) for s in schedules]
    known_gaps = [gap for gap in gaps if gap is not None]
    return min(known_gaps) if known_gaps else None


def _scheduled(stack: BackupStack, task: PolicyResource, what: str, max_hours: float, regions: tuple[str, ...],
               report: Report) -> None:
    where = aws.region_of(task)
    if where not in ("(unknown)", *regions):
        report(f"The {what} runs in {where!r}; it must run in India ({list(regions)}).", task.urn)
    schedules = _schedules(stack, task)
    if not schedules:
        report(f"No enabled schedule runs the {what}.", task.urn)
        return
    every = interval(schedules)
    if every is None:
        report(f"The {what}'s schedule is not an expression whose period can be checked "
               f"({[prop(s, 'scheduleExpression') for s in schedules]}).", schedules[0].urn)
    elif every > max_hours:
        report(f"The {what} runs only every {every:g} hours; at least every {max_hours:g} hours is required.",
               schedules[0].urn)
    for schedule in schedules:
        _schedule_target(stack, schedule, task, what, report)


def _schedule_target(stack: BackupStack, schedule: PolicyResource, task: PolicyResource, what: str,
                     report: Report) -> None:
    """The schedule runs the task on a declared cluster, in the backup network, with a role allowed to."""
    if not aws.depends(schedule, "target", aws.CLUSTER):
        report(f"The {what}'s schedule targets no cluster the stack declares.", schedule.urn)
    subnets, groups = aws.depends(schedule, "target", aws.SUBNET), aws.depends(schedule, "target", aws.SECURITY_GROUP)
    if not subnets or not groups:
        report(f"The {what}'s schedule runs it outside the backup network (no declared subnet and security group).",
               schedule.urn)
    for subnet in subnets:
        _egress_path(stack, subnet, what, report)
    roles = aws.depends(schedule, "target", aws.ROLE)
    allowed = [p for r in roles for p in stack.companions(aws.ROLE_POLICY, r, "role")
               if any(d.urn == task.urn for d in aws.depends(p, "policy", aws.TASK_DEFINITION))]
    if not allowed:
        report(f"The {what}'s schedule has no role allowed to run its task: the schedule would fail silently.",
               schedule.urn)


def _heartbeat(stack: BackupStack, task: PolicyResource, what: str, max_grace: float, report: Report) -> None:
    monitors = [stack.by_urn.get(d.urn, d) for d in aws.depends(task, "containerDefinitions", HEARTBEAT)]
    if not monitors:
        report(f"The {what} pings no heartbeat monitor: a missed run would page no one.", task.urn)
        return
    every = interval(_schedules(stack, task))
    for monitor in monitors:
        if prop(monitor, "activated") is not True or prop(monitor, "muted") is True:
            report(f"The {what}'s heartbeat monitor is not active (or muted).", monitor.urn)
        ok, subscriptions = known(monitor.props, "alertChannelSubscriptions")
        if ok and (not as_list(subscriptions)
                   or not all(aws.field(s, "activated") is True for s in as_list(subscriptions))):
            report(f"The {what}'s heartbeat alerts no channel, or has silenced one: subscribe it, active, to the "
                   f"stack's alert channels.", monitor.urn)
        beat = prop(monitor, "heartbeat", {}) or {}
        period = (aws.field(beat, "period") or 0) * _HOURS.get(str(aws.field(beat, "periodUnit")), 0)
        grace = (aws.field(beat, "grace") or 0) * _HOURS.get(str(aws.field(beat, "graceUnit")), 0)
        if every is not None and period > every:
            report(f"The {what}'s heartbeat expects a ping every {period:g} hours, but the job runs every "
                   f"{every:g}: missed runs would go unnoticed.", monitor.urn)
        if grace > max_grace:
            report(f"The {what}'s heartbeat waits {grace:g} hours past a missed ping; at most {max_grace:g}.",
                   monitor.urn)
        escalations = as_list(aws.field(prop(monitor, "alertSettings", {}) or {}, "runBasedEscalations"))
        if any((aws.field(e, "failedRunThreshold") or 1) > 1 for e in escalations):
            report(f"The {what}'s heartbeat alerts only after several missed pings: the first must page.",
                   monitor.urn)


# --- the network path to the admitted address ----------------------------------------------------------------

def _egress_path(stack: BackupStack, subnet: PolicyResource, what: str, report: Report) -> None:
    """The private subnet routes out through a NAT gateway whose Elastic IP the database admits, and the NAT
    sits in a subnet routed to an internet gateway of the same VPC."""
    vpcs = aws.depends(subnet, "vpcId", aws.VPC)
    tables = [r for r in of_type(stack.resources, aws.DEFAULT_ROUTE_TABLE)
              if any(v.urn in {d.urn for d in aws.depends(r, "defaultRouteTableId", aws.VPC)} for v in vpcs)]
    tables += [stack.by_urn.get(d.urn, d) for a in stack.companions(aws.ROUTE_ASSOCIATION, subnet, "subnetId")
               for d in aws.depends(a, "routeTableId", aws.ROUTE_TABLE)]
    nats = [n for table in tables for n in aws.depends(table, "routes", aws.NAT)]
    if not vpcs or not nats:
        report(f"The {what}'s subnet does not route out through a NAT gateway the stack declares: its traffic "
               f"has no fixed address the database admits.", subnet.urn)
        return
    admitted = {e.urn for r in of_type(stack.resources, NETWORK_RESTRICTIONS)
                for e in aws.depends(r, "allowed_cidrs", aws.EIP)}
    for nat in nats:
        if not any(e.urn in admitted for e in aws.depends(nat, "allocationId", aws.EIP)):
            report(f"The {what}'s NAT gateway leaves from an address the database's restrictions do not admit.",
                   nat.urn)
        public = aws.depends(nat, "subnetId", aws.SUBNET)
        routed = [d for p in public for a in stack.companions(aws.ROUTE_ASSOCIATION, p, "subnetId")
                  for table in aws.depends(a, "routeTableId", aws.ROUTE_TABLE)
                  for d in aws.depends(stack.by_urn.get(table.urn, table), "routes", aws.GATEWAY)]
        if not routed:
            report(f"The {what}'s NAT gateway sits in no subnet routed to an internet gateway: nothing leaves.",
                   nat.urn)


def _egress_admitted(stack: BackupStack, report: Report, publisher: PolicyResource) -> None:
    restrictions = of_type(stack.resources, NETWORK_RESTRICTIONS)
    for network in restrictions:
        if linked(network, "allowed_cidrs", aws.EIP) is None:
            report("The database's network restrictions do not take the backup job's egress address from the "
                   "backup network's Elastic IP: the job would be refused, or a typed address could drift.",
                   network.urn)
    if not restrictions:
        report("The database declares no network restrictions for the backup job's egress address.", publisher.urn)
    for eip in of_type(stack.resources, aws.EIP):
        if stack.production and not eip.opts.protect:
            report("The backup job's Elastic IP is not protected: a replacement would change the address the "
                   "database admits.", eip.urn)


# --- the release's on-demand run ---------------------------------------------------------------------------

def _release(stack: BackupStack, facts: BackupFacts, backup: PolicyResource, name: str, regions: tuple[str, ...],
             variables_declared: bool, publisher: PolicyResource, report: Report) -> None:
    role = stack.named(facts.release_role, "release role", publisher, report)
    if role is None:
        return
    oidc = aws.depends(role, "assumeRolePolicy", aws.OIDC_PROVIDER)
    if not oidc or any(prop(p, "url") != GITHUB_OIDC_URL for p in oidc):
        report("The release role is not trusted through GitHub's OIDC provider the stack declares.", role.urn)
    ok, document = known(role.props, "assumeRolePolicy")
    subjects = {str(v) for s in aws.statements(document)
                for v in as_list(aws.field(s, "Condition", "StringEquals",
                                           "token.actions.githubusercontent.com:sub"))} if ok else set()
    if ok and (not subjects or any(not s.endswith(f":environment:{name}") for s in subjects)):
        report(f"The release role trusts {sorted(subjects) or 'any workflow'}, not only the application "
               f"repository's {name!r} environment.", role.urn)
    ok, statements = _role_policy(stack, role)
    extra = sorted({a for s in statements for a in aws.actions(s)} - set(RELEASE_ACTIONS))
    if ok and extra:
        report(f"The release role may also {extra}; it may only start and watch the backup task.", role.urn)
    if not any(d.urn == backup.urn for p in stack.companions(aws.ROLE_POLICY, role, "role")
               for d in aws.depends(p, "policy", aws.TASK_DEFINITION)):
        report("The release role may not run the backup task the schedule runs.", role.urn)
    if variables_declared:
        _variables(stack, name, regions, role, publisher, report)


def _variables(stack: BackupStack, name: str, regions: tuple[str, ...], role: PolicyResource,
               publisher: PolicyResource, report: Report) -> None:
    # The release component's own variables (siblings of its role), so two releases never mix.
    parent = role.parent.urn if role.parent is not None else None
    declared = {str(prop(v, "variableName")): v for v in stack.resources if v.resource_type == VARIABLE
                and str(prop(v, "variableName", "")).startswith("BACKUP_")
                and (v.parent.urn if v.parent is not None else None) == parent}
    for variable, source in RELEASE_VARIABLES.items():
        found = declared.get(variable)
        if found is None:
            report(f"The release reads {variable}, which the stack does not declare on the application repository's "
                   f"{name!r} environment.", publisher.urn)
            continue
        if prop(found, "environment") != name:
            report(f"{variable} is declared on the {prop(found, 'environment')!r} environment, not {name!r}.",
                   found.urn)
        if source and not aws.depends(found, "value", source):
            report(f"{variable} is not taken from the resource it names ({source}): it could drift from the "
                   f"schedule.", found.urn)
        if variable == "BACKUP_RELEASE_ROLE_ARN" and role.urn not in {d.urn for d in aws.depends(found, "value",
                                                                                               aws.ROLE)}:
            report(f"{variable} is not the release role's ARN.", found.urn)
        if variable == "BACKUP_AWS_REGION" and prop(found, "value") not in (None, *regions):
            report(f"{variable} is {prop(found, 'value')!r}, outside India.", found.urn)
