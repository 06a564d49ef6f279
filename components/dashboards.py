"""Grafana dashboards and alert-rule queries as data (pure functions beside components/metrics.py).

The series: Supabase's metrics endpoint (Prometheus format, node_exporter and postgres_exporter names, scraped
by Grafana Cloud under the job the scrape job is named after) and the autoscaler's own gauges, which it pushes
over OTLP (services/autoscaler contract, docs/observability-oncall.md): `lightspeedpay_queue_depth` and
`lightspeedpay_worker_replicas`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from config.vocabulary import oncall

PROMETHEUS_UID = "grafanacloud-prom"
"""The Prometheus data source every Grafana Cloud stack is provisioned with."""
QUEUE_DEPTH = oncall.QUEUE_DEPTH_METRIC
WORKER_REPLICAS = oncall.WORKER_REPLICAS_METRIC


@dataclass(frozen=True)
class Series:
    title: str
    expr: str
    unit: str = "short"


def database_series(job: str) -> list[Series]:
    sel = f'job="{job}"'
    return [
        Series("Scrape up (1 = the metrics endpoint answers)", f"up{{{sel}}}"),
        Series("CPU busy %", f'100 * (1 - avg(rate(node_cpu_seconds_total{{{sel},mode="idle"}}[5m])))', "percent"),
        Series("Disk free %", f'100 * min(node_filesystem_avail_bytes{{{sel},mountpoint="/"}} / '
                              f'node_filesystem_size_bytes{{{sel},mountpoint="/"}})', "percent"),
        Series("Client connections", f"sum(pg_stat_database_numbackends{{{sel}}})"),
        Series("Memory available", f"min(node_memory_MemAvailable_bytes{{{sel}}})", "bytes"),
    ]


def worker_series(environment: str) -> list[Series]:
    """The autoscaler's gauges of one Railway environment (its data-point attribute deployment.environment)."""
    sel = f'deployment_environment="{environment}"'
    return [Series("Jobs waiting in the queue", f"max({QUEUE_DEPTH}{{{sel}}})"),
            Series("Worker replicas", f"max({WORKER_REPLICAS}{{{sel}}})")]


def dashboard(uid: str, title: str, series: list[Series], tags: list[str]) -> str:
    """A Grafana dashboard model (JSON) with one time-series panel per series, two per row."""
    panels = [{
        "id": index + 1, "type": "timeseries", "title": item.title,
        "datasource": {"type": "prometheus", "uid": PROMETHEUS_UID},
        "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
        "fieldConfig": {"defaults": {"unit": item.unit}, "overrides": []},
        "targets": [{"refId": "A", "expr": item.expr, "datasource": {"type": "prometheus", "uid": PROMETHEUS_UID}}],
    } for index, item in enumerate(series)]
    model = {"uid": uid, "title": title, "tags": tags, "timezone": "Asia/Kolkata", "schemaVersion": 39,
             "time": {"from": "now-6h", "to": "now"}, "refresh": "1m", "panels": panels}
    return json.dumps(model, sort_keys=True)


@dataclass(frozen=True)
class AlertRule:
    """One Grafana-managed alert rule: a PromQL query, a threshold, how long it must hold, who hears of it."""

    name: str
    expr: str
    operator: str
    """Grafana threshold evaluator: ``gt`` or ``lt``."""
    threshold: float
    hold: str
    """How long the condition must hold before the rule fires (Grafana ``for``)."""
    severity: str
    """``critical`` pages the person on call (notification policy); anything else mails the lower channel."""
    summary: str


def alert_rules(job: str, environment: str, *, cpu_percent: float, disk_free_percent: float, connections: int,
                queue_depth: int, min_workers: int, critical: str) -> list[AlertRule]:
    db, workers = database_series(job), worker_series(environment)
    return [
        AlertRule("Database metrics endpoint down", db[0].expr, "lt", 1, "5m", critical,
                  "Grafana Cloud cannot scrape the database's metrics: the database or its endpoint is down."),
        AlertRule("Database disk nearly full", db[2].expr, "lt", disk_free_percent, "10m", critical,
                  f"Less than {disk_free_percent:g}% of the database disk is free."),
        AlertRule("Database CPU high", db[1].expr, "gt", cpu_percent, "10m", "warning",
                  f"Database CPU above {cpu_percent:g}% for 10 minutes."),
        AlertRule("Database connections high", db[3].expr, "gt", connections, "10m", "warning",
                  f"More than {connections} client connections for 10 minutes."),
        AlertRule("Job queue backing up", workers[0].expr, "gt", queue_depth, "10m", critical,
                  f"More than {queue_depth} jobs waiting for 10 minutes: payments are not being processed."),
        AlertRule("Workers below their minimum", workers[1].expr, "lt", min_workers, "10m", critical,
                  f"Fewer than {min_workers} worker replicas for 10 minutes (Railway service health)."),
    ]


def rule_data(rule: AlertRule) -> list[dict[str, object]]:
    """The rule's two stages: the PromQL query (A) and the threshold on it (C, the condition)."""
    return [
        {"ref_id": "A", "datasource_uid": PROMETHEUS_UID, "window": 600,
         "model": json.dumps({"refId": "A", "expr": rule.expr, "instant": True}, sort_keys=True)},
        {"ref_id": "C", "datasource_uid": "__expr__", "window": 0,
         "model": json.dumps({"refId": "C", "type": "threshold", "expression": "A",
                              "conditions": [{"evaluator": {"type": rule.operator, "params": [rule.threshold]}}]},
                             sort_keys=True)},
    ]
