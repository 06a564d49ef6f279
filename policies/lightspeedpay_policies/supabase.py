"""The Supabase database: data in India, TLS-only, closed network, auth bounds, audit, recovery.

Resource policies check each declared setting (inputs); stack policies check what only the whole
plan shows: that every project carries its hardening resources, that PITR exists in production,
that the declared RPO is achievable with the backups actually declared, and what the organisation
report (read from the Management API, never set) says about MFA and high availability. Values a
preview does not know yet are skipped, never guessed. Thresholds are policy config properties.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from lightspeedpay_vocabulary.facts import DATABASE, DatabaseFacts, FactsError
from lightspeedpay_vocabulary.thresholds import (
    ALLOWLIST_MIN_PREFIX_V4,
    ALLOWLIST_MIN_PREFIX_V6,
    BACKUP_MAX_AGE_HOURS,
    DAILY_BACKUP_WORST_CASE_RPO_MINUTES,
    MAX_JWT_EXPIRY_SECONDS,
    MAX_REFRESH_REUSE_SECONDS,
    MIN_PASSWORD_LENGTH,
    MIN_READ_REPLICAS,
    OPEN_NETWORKS,
    PGAUDIT_CLASSES,
    PGAUDIT_ROLES,
    PITR_RETENTION_DAYS,
    PITR_WORST_CASE_RPO_MINUTES,
    SUPABASE_REGIONS_IN_INDIA,
)

from .graph import facts_of
from .meta import (
    Guard,
    Report,
    Setting,
    cert_in,
    integer,
    pci,
    rbi_cyber_resilience,
    rbi_localisation,
    resource_policy,
    stack_policy,
    strings,
)
from .props import as_list, plain, whole

DYNAMIC = "pulumi-python:dynamic/supabase:"
PROJECT = DYNAMIC + "Project"
REPLICA = DYNAMIC + "ReadReplica"
SSL = DYNAMIC + "SslEnforcement"
NETWORK = DYNAMIC + "NetworkRestrictions"
AUTH = DYNAMIC + "AuthConfig"
PGAUDIT = DYNAMIC + "PgAudit"
PITR = DYNAMIC + "Pitr"
BACKUPS = DYNAMIC + "Backups"
ORGANIZATION = DYNAMIC + "Organization"
PROJECT_SECRETS = ("db_pass", "anon_key", "service_role_key")
ALLOWED_REGIONS = strings("allowedRegions", SUPABASE_REGIONS_IN_INDIA, min_items=1)
MIN_PREFIX_V4 = integer("minIpv4Prefix", ALLOWLIST_MIN_PREFIX_V4, minimum=0, maximum=32)
MIN_PREFIX_V6 = integer("minIpv6Prefix", ALLOWLIST_MIN_PREFIX_V6, minimum=0, maximum=128)
MAX_JWT_EXPIRY = integer("maxJwtExpirySeconds", MAX_JWT_EXPIRY_SECONDS, minimum=30)
MAX_REFRESH_REUSE = integer("maxRefreshReuseIntervalSeconds", MAX_REFRESH_REUSE_SECONDS, minimum=0)
MIN_PASSWORD = integer("minPasswordLength", MIN_PASSWORD_LENGTH, minimum=6)
AUDIT_CLASSES = strings("requiredClasses", PGAUDIT_CLASSES)
AUDIT_ROLES = strings("requiredRoles", PGAUDIT_ROLES)
PITR_MIN_DAYS = Setting("minRetentionDays", PITR_RETENTION_DAYS[0],
                        {"type": "integer", "enum": list(PITR_RETENTION_DAYS)})
PITR_RPO = integer("pitrWorstCaseRpoMinutes", PITR_WORST_CASE_RPO_MINUTES, minimum=1)
DAILY_RPO = integer("dailyBackupWorstCaseRpoMinutes", DAILY_BACKUP_WORST_CASE_RPO_MINUTES, minimum=1)
MEMBERS_WITHOUT_MFA = integer("allowedMembersWithoutMfa", 0, minimum=0)
READ_REPLICAS = integer("minReadReplicas", MIN_READ_REPLICAS, minimum=0)
BACKUP_MAX_AGE = integer("maxBackupAgeHours", BACKUP_MAX_AGE_HOURS, minimum=1)
HARDENING = {SSL: "SslEnforcement", NETWORK: "NetworkRestrictions", AUTH: "AuthConfig",
             PGAUDIT: "PgAudit", BACKUPS: "Backups"}


def _get(props: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """(known, value): unknown during a preview → (False, None)."""
    try:
        return True, whole(plain(props.get(key)))
    except UnknownValueError:
        return False, None


# -- resource policies ----------------------------------------------------------------------

def _region_in_india(args: ResourceValidationArgs, report: Report) -> None:
    allowed = list(ALLOWED_REGIONS.of(args))
    ok, region = _get(args.props, "region")
    if ok and region not in allowed:
        what = "project" if args.resource_type == PROJECT else "read replica"
        report(f"The {what} is in {region!r}; payment data must stay in India ({allowed}).")


def _ssl_enforced(args: ResourceValidationArgs, report: Report) -> None:
    ok, enforced = _get(args.props, "enforced")
    if ok and enforced is not True:
        report("SSL enforcement is off: Postgres and the pooler would accept unencrypted connections.")


def _network_restricted(args: ResourceValidationArgs, report: Report) -> None:
    min_v4, min_v6 = MIN_PREFIX_V4.of(args), MIN_PREFIX_V6.of(args)
    ok, cidrs = _get(args.props, "allowed_cidrs")
    if not ok:
        return
    if not as_list(cidrs):
        report("No allowed CIDR is declared; list the API and worker egress ranges.")
    for cidr in as_list(cidrs):
        try:
            network = ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            report(f"{cidr!r} is not a CIDR network.")
            continue
        if str(network) in OPEN_NETWORKS:
            report(f"{network} opens the database to the whole internet.")
        elif network.prefixlen < (min_v4 if network.version == 4 else min_v6):
            report(f"{network} is broader than /{min_v4 if network.version == 4 else min_v6}; "
                   f"allow only the egress ranges that need the database.")


def _settings(args: ResourceValidationArgs) -> dict[str, Any] | None:
    ok, settings = _get(args.props, "settings")
    return dict(settings) if ok and isinstance(settings, dict) else None


def _token_lifetimes(args: ResourceValidationArgs, report: Report) -> None:
    if (settings := _settings(args)) is None:
        return
    max_jwt, max_reuse = MAX_JWT_EXPIRY.of(args), MAX_REFRESH_REUSE.of(args)
    jwt_exp = settings.get("jwt_exp")
    if not isinstance(jwt_exp, (int, float)) or jwt_exp > max_jwt:
        report(f"jwt_exp is {jwt_exp!r}; access tokens must expire within {max_jwt} seconds.")
    if settings.get("refresh_token_rotation_enabled") is not True:
        report("refresh_token_rotation_enabled is not true: a stolen refresh token would stay valid.")
    reuse = settings.get("security_refresh_token_reuse_interval")
    if not isinstance(reuse, (int, float)) or reuse > max_reuse:
        report(f"security_refresh_token_reuse_interval is {reuse!r}; at most {max_reuse} seconds.")


def _mfa_available(args: ResourceValidationArgs, report: Report) -> None:
    if (settings := _settings(args)) is None:
        return
    totp = settings.get("mfa_totp_enroll_enabled") is True and settings.get("mfa_totp_verify_enabled") is True
    webauthn = (settings.get("mfa_web_authn_enroll_enabled") is True
                and settings.get("mfa_web_authn_verify_enabled") is True)
    if not (totp or webauthn):
        report("No MFA factor can be both enrolled and verified (TOTP or WebAuthn); admins could not use MFA.")
    factors = settings.get("mfa_max_enrolled_factors")
    if not isinstance(factors, (int, float)) or factors < 1:
        report(f"mfa_max_enrolled_factors is {factors!r}; at least one factor must be allowed.")


def _password_policy(args: ResourceValidationArgs, report: Report) -> None:
    if (settings := _settings(args)) is None:
        return
    minimum = MIN_PASSWORD.of(args)
    length = settings.get("password_min_length")
    if not isinstance(length, (int, float)) or length < minimum:
        report(f"password_min_length is {length!r}; at least {minimum} characters.")
    if not settings.get("password_required_characters"):
        report("password_required_characters is empty; require letters and digits at least.")


def _audit_logging(args: ResourceValidationArgs, report: Report) -> None:
    required = set(AUDIT_CLASSES.of(args))
    ok, roles = _get(args.props, "roles")
    if not ok:
        return
    roles = dict(roles or {})
    for role in AUDIT_ROLES.of(args):
        if role not in roles:
            report(f"pgaudit does not log the {role!r} role (the one the API and worker connect as).")
    for role, classes in roles.items():
        logged = set(as_list(classes))
        missing = [] if "all" in logged else sorted(required - logged)
        if missing:
            report(f"pgaudit.log of {role!r} lacks {missing}.")


def _secret_outputs(args: ResourceValidationArgs, report: Report) -> None:
    missing = [k for k in PROJECT_SECRETS if k not in (args.opts.additional_secret_outputs or [])]
    if missing:
        report(f"{missing} are not marked secret (additional_secret_outputs); they would be stored in plain state.")


def _project_protected(args: ResourceValidationArgs, report: Report) -> None:
    if not args.opts.protect:
        report("The project is not protected; `pulumi destroy` or a replacing change would delete the database.")


# -- stack policies -------------------------------------------------------------------------

def _keys(resource: PolicyResource) -> set[str]:
    """How a resource names its project: the project's URN (dependency) or its ref (value)."""
    if resource.resource_type == PROJECT:
        ok, ref = _get(resource.props, "ref")
        return {resource.urn} | ({f"ref:{ref}"} if ok and ref else set())
    keys = {dep.urn for dep in resource.property_dependencies.get("project_ref") or []}
    ok, ref = _get(resource.props, "project_ref")
    return keys | ({f"ref:{ref}"} if ok and ref else set())


def _projects(resources: Iterable[PolicyResource]) -> list[tuple[PolicyResource, dict[str, list[PolicyResource]]]]:
    """Each project with its companion resources, by type (one pass over the stack, then look-ups)."""
    projects: list[PolicyResource] = []
    by_key: dict[str, list[PolicyResource]] = {}
    for resource in resources:
        if resource.resource_type == PROJECT:
            projects.append(resource)
        elif resource.resource_type.startswith(DYNAMIC):
            for key in _keys(resource):
                by_key.setdefault(key, []).append(resource)
    result = []
    for project in projects:
        companions: dict[str, list[PolicyResource]] = {}
        seen: set[int] = set()
        for key in _keys(project):
            for other in by_key.get(key, []):
                if id(other) not in seen:
                    seen.add(id(other))
                    companions.setdefault(other.resource_type, []).append(other)
        result.append((project, companions))
    return result


def _hardened(args: StackValidationArgs, report: Report) -> None:
    projects = _projects(args.resources)
    if not projects:
        report("The stack declares no Supabase project: the platform's database is not managed, so none of its "
               "region, TLS, network, auth, audit or recovery settings is guarded.")
    for project, companions in projects:
        missing = [name for kind, name in HARDENING.items() if not companions.get(kind)]
        if missing:
            report(f"Project {project.name!r} has no {', '.join(missing)} declared; each is part of the "
                   f"database's baseline.", project.urn)


def _pitr_enabled(args: StackValidationArgs, report: Report) -> None:
    minimum = PITR_MIN_DAYS.of(args)
    for project, companions in _projects(args.resources):
        pitr = companions.get(PITR) or []
        if not pitr:
            report(f"Project {project.name!r} has no point-in-time recovery (Pitr add-on).", project.urn)
            continue
        ok, days = _get(pitr[0].props, "retention_days")
        if ok and (not isinstance(days, (int, float)) or days < minimum):
            report(f"PITR keeps {days!r} days; at least {minimum}.", pitr[0].urn)


def _recovery_facts(project: PolicyResource, report: Report) -> DatabaseFacts | None:
    """The recovery declarations of the Database component that declares ``project``."""
    parent = project.parent
    if parent is None or parent.resource_type != DATABASE:
        report(f"Project {project.name!r} is not declared by a components.database.Database, so no recovery "
               f"objective is published for it.", project.urn)
        return None
    try:
        return facts_of(parent, DatabaseFacts)
    except FactsError as error:
        report(f"The database component publishes no usable recovery facts ({error}).", parent.urn)
        return None


def _rpo_met(args: StackValidationArgs, report: Report) -> None:
    pitr_rpo, daily_rpo = PITR_RPO.of(args), DAILY_RPO.of(args)
    for project, companions in _projects(args.resources):
        facts = _recovery_facts(project, report)
        if facts is None:
            continue
        achievable, how = (pitr_rpo, "PITR") if companions.get(PITR) else (daily_rpo, "daily backups")
        if not companions.get(BACKUPS):
            achievable, how = 0, "no backups"
        if not isinstance(facts.rpo_minutes, int | float) or facts.rpo_minutes < achievable or not achievable:
            report(f"The declared RPO of {facts.rpo_minutes!r} minutes cannot be met: {how} lose up to "
                   f"{achievable or 'all'} minutes of data.", project.urn)


def _backups_taken(args: StackValidationArgs, report: Report) -> None:
    max_age = dt.timedelta(hours=BACKUP_MAX_AGE.of(args))
    now = dt.datetime.now(dt.UTC)
    for project, companions in _projects(args.resources):
        for backups in companions.get(BACKUPS) or []:
            ok, latest = _get(backups.props, "latest_backup_at")
            ok_pitr, pitr_live = _get(backups.props, "pitr_enabled")
            if ok_pitr and pitr_live is False and companions.get(PITR):
                report("PITR is declared but Supabase reports it off: no WAL is archived.", backups.urn)
            if not ok:
                continue
            if latest is None:
                report.not_verified(f"that backups of {project.name!r} are taken: the state holds no completed "
                                    f"backup read from Supabase (refresh the stack to read it)", backups.urn)
                continue
            try:
                taken = dt.datetime.fromisoformat(str(latest).replace("Z", "+00:00"))
            except ValueError:
                report(f"The latest backup time {latest!r} is not a timestamp.", backups.urn)
                continue
            if taken.tzinfo is None:
                taken = taken.replace(tzinfo=dt.UTC)
            if now - taken > max_age:
                report(f"The newest completed backup of {project.name!r} is from {taken:%Y-%m-%d %H:%M} UTC, older "
                       f"than {max_age.total_seconds() / 3600:.0f} hours: backups have stopped.", backups.urn)


def _organizations(args: StackValidationArgs) -> list[tuple[PolicyResource, dict[str, Any], dict[str, Any]]]:
    """Organisation reports whose facts are known (they are read from the API, so not offline)."""
    found = []
    for resource in args.resources:
        if resource.resource_type != ORGANIZATION:
            continue
        ok_m, members = _get(resource.props, "members")
        ok_e, entitlements = _get(resource.props, "entitlements")
        if ok_m and ok_e and isinstance(members, dict) and isinstance(entitlements, dict):
            found.append((resource, members, entitlements))
    return found


def _members_mfa(args: StackValidationArgs, report: Report) -> None:
    allowed = MEMBERS_WITHOUT_MFA.of(args)
    for resource, members, _ in _organizations(args):
        without = members.get("without_mfa")
        if not isinstance(without, (int, float)) or without > allowed:
            report(f"{without!r} organisation member(s) have no MFA (of whom {members.get('privileged_without_mfa')!r} "
                   f"owners/administrators); every member can reach production data from the dashboard.",
                   resource.urn)


def _high_availability(args: StackValidationArgs, report: Report) -> None:
    minimum = READ_REPLICAS.of(args)
    for resource, _, entitlements in _organizations(args):
        if entitlements.get("high_availability") is not True:
            report("The organisation's plan has no high-availability entitlement; automatic failover is a "
                   "contract step with Supabase, not something this stack can switch on.", resource.urn)
    for project, companions in _projects(args.resources):
        if len(companions.get(REPLICA) or []) < minimum:
            report(f"Project {project.name!r} has fewer than {minimum} read replica(s) for redundancy.", project.urn)


_RBI = rbi_localisation()
_HARDENED = Guard("the project and its hardening resources", refused_by="supabase-project-hardened")
_DR = rbi_cyber_resilience("A Cyber Crisis Management Plan covers recovery from incidents.")

POLICIES = [
    resource_policy(
        "supabase-region-in-india",
        "The Supabase project and its read replicas must be in an Indian region.",
        judges=[PROJECT, REPLICA],
        guard=_HARDENED, validate=_region_in_india, severity=Severity.CRITICAL, framework=_RBI,
        config=[ALLOWED_REGIONS],
        remediation="Set lightspeedpay:database.region and readReplicaRegions to ap-south-1 (Mumbai). A "
                    "project's region cannot change: create a new project and migrate the data.",
        tags=["supabase", "data-localisation"]),
    resource_policy(
        "supabase-ssl-enforced",
        "Postgres and the connection pooler must refuse connections without TLS.",
        judges=[SSL], guard=_HARDENED, validate=_ssl_enforced, severity=Severity.HIGH,
        framework=pci("4.2.1", "Strong cryptography safeguards data during transmission over open networks."),
        remediation="Set lightspeedpay:database.sslEnforced to true; connection strings use sslmode=require.",
        tags=["supabase", "tls"]),
    resource_policy(
        "supabase-network-restricted",
        "Database network access must be limited to declared egress ranges, never the whole internet.",
        judges=[NETWORK], guard=_HARDENED, validate=_network_restricted, severity=Severity.CRITICAL,
        framework=pci("1.3.1", "Inbound traffic to the CDE is restricted to only traffic that is necessary."),
        config=[MIN_PREFIX_V4, MIN_PREFIX_V6],
        remediation="List only the API and worker egress CIDRs in lightspeedpay:database.allowedCidrs; never "
                    "0.0.0.0/0 or ::/0.",
        tags=["supabase", "network"]),
    resource_policy(
        "supabase-auth-token-lifetimes",
        "Access tokens must be short-lived and refresh tokens rotated with a short reuse window.",
        judges=[AUTH], guard=_HARDENED, validate=_token_lifetimes, severity=Severity.HIGH,
        framework=rbi_cyber_resilience(
            "Procedures limit, lock and terminate sessions after a pre-defined period of inactivity."),
        config=[MAX_JWT_EXPIRY, MAX_REFRESH_REUSE],
        remediation="Set lightspeedpay:database.auth.jwtExpirySeconds (≤ 3600), refreshTokenRotation: true and "
                    "refreshTokenReuseIntervalSeconds (≤ 10).",
        tags=["supabase", "auth"]),
    resource_policy(
        "supabase-mfa-available",
        "Users, and admins above all, must be able to enroll and verify a second factor.",
        judges=[AUTH], guard=_HARDENED, validate=_mfa_available, severity=Severity.HIGH,
        framework=pci("8.4.2", "MFA is implemented for all access into the CDE."),
        remediation="Set lightspeedpay:database.auth.mfaTotp to true and mfaMaxEnrolledFactors to at least 1; "
                    "the application requires MFA for admin users.",
        tags=["supabase", "auth", "mfa"]),
    resource_policy(
        "supabase-password-policy",
        "User passwords must meet the minimum length and character rules.",
        judges=[AUTH], guard=_HARDENED, validate=_password_policy, severity=Severity.MEDIUM,
        framework=pci("8.3.6", "Passwords are at least 12 characters and contain letters and numbers."),
        config=[MIN_PASSWORD],
        remediation="Set lightspeedpay:database.auth.passwordMinLength (≥ 12) and passwordRequiredCharacters.",
        tags=["supabase", "auth"]),
    resource_policy(
        "supabase-audit-logging",
        "The pgaudit extension must log schema changes and writes for the roles the applications use.",
        judges=[PGAUDIT], guard=_HARDENED, validate=_audit_logging, severity=Severity.HIGH,
        framework=cert_in("Enable logs of all ICT systems and maintain them securely for 180 days."),
        config=[AUDIT_CLASSES, AUDIT_ROLES],
        remediation="Set lightspeedpay:database.audit.pgaudit to true with pgauditLogClasses including ddl and "
                    "write, and roles including postgres.",
        tags=["supabase", "logging"]),
    resource_policy(
        "supabase-secret-outputs",
        "The database password and API keys must be marked secret so state never holds them in plain text.",
        judges=[PROJECT], guard=_HARDENED, validate=_secret_outputs, severity=Severity.CRITICAL,
        framework=pci("8.6.2", "Credentials are not hard coded or exposed in configuration files."),
        remediation="Declare the project through providers.supabase.Project, which sets additional_secret_outputs.",
        tags=["supabase", "secrets"]),
    resource_policy(
        "supabase-project-protected",
        "The production database project must be protected against deletion and replacement.",
        judges=[PROJECT], guard=_HARDENED, validate=_project_protected, severity=Severity.HIGH,
        framework=pci("6.5.1", "Changes to production are made according to established procedures."),
        remediation="Keep DatabaseArgs(production=True), which sets protect=True; unprotect deliberately with "
                    "`pulumi state unprotect` when a deletion is intended.",
        tags=["supabase", "disaster-recovery"]),
    stack_policy(
        "supabase-project-hardened",
        "Every Supabase project must carry SSL, network, auth, audit and recovery declarations.",
        validate=_hardened, severity=Severity.HIGH,
        framework=pci("1.3.1", "Inbound traffic to the CDE is restricted to only traffic that is necessary."),
        remediation="Declare the project through components.database.Database, which adds each of them.",
        tags=["supabase"]),
    stack_policy(
        "supabase-pitr-enabled",
        "Point-in-time recovery must be on for the database.",
        validate=_pitr_enabled, severity=Severity.HIGH,
        framework=rbi_cyber_resilience("A Cyber Crisis Management Plan covers recovery from incidents."),
        config=[PITR_MIN_DAYS],
        remediation="Set lightspeedpay:database.pitrDays to 7, 14 or 28 (needs instanceSize small or larger).",
        tags=["supabase", "disaster-recovery"]),
    stack_policy(
        "supabase-rpo-met",
        "The declared recovery point objective must be achievable with the backups that are declared.",
        validate=_rpo_met, severity=Severity.HIGH,
        framework=rbi_cyber_resilience("A Cyber Crisis Management Plan covers recovery from incidents."),
        config=[PITR_RPO, DAILY_RPO],
        remediation="Either enable PITR (pitrDays) or relax lightspeedpay:database.recovery.rpoMinutes to what "
                    "daily backups give (1440 minutes).",
        tags=["supabase", "disaster-recovery"]),
    stack_policy(
        "supabase-org-members-mfa",
        "Every member of the Supabase organisation must sign in with MFA.",
        validate=_members_mfa, severity=Severity.CRITICAL,
        framework=rbi_cyber_resilience("The use of privileged accounts shall be with multi-factor authentication."),
        config=[MEMBERS_WITHOUT_MFA],
        remediation="Ask each member to enable MFA (Account → Security) and an owner to turn on 'Require MFA to "
                    "access organization' in the dashboard; then run `pulumi up --refresh` to re-read the report.",
        tags=["supabase", "mfa"]),
    stack_policy(
        "supabase-high-availability",
        "The production database should have automatic failover and at least one read replica.",
        validate=_high_availability, severity=Severity.MEDIUM,
        framework=rbi_cyber_resilience("A Cyber Crisis Management Plan covers recovery from incidents."),
        config=[READ_REPLICAS],
        remediation="High availability is an Enterprise/contract feature with no API setting: arrange it with "
                    "Supabase. Declare read replicas in lightspeedpay:database.readReplicaRegions meanwhile.",
        tags=["supabase", "disaster-recovery"]),
    stack_policy(
        "supabase-backups-taken",
        "The database's backups must actually be taken: a completed backup no older than a day, PITR running.",
        validate=_backups_taken, severity=Severity.HIGH, framework=_DR, config=[BACKUP_MAX_AGE],
        remediation="Check the project's backups in the Supabase dashboard (Database → Backups) and the plan's "
                    "backup entitlement; `pulumi refresh` reads the newest completed backup into state.",
        tags=["supabase", "disaster-recovery"]),
]
