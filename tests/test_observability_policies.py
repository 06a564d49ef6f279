"""Heartbeats, SSL monitors, the status page and planned maintenance (issue 13 items 3 and 6): what the program
declares, and each policy refusing the careless edit and passing the planned stacks, through the real analyzer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ops.resources import is_secret
from tests.harness import find, mutate, plan, plan_violations, refused, resources

HEARTBEAT = "checkly:index/heartbeatMonitor:HeartbeatMonitor"
SSL = "checkly:index/sslMonitor:SslMonitor"
PAGE = "checkly:index/statusPage:StatusPage"
SERVICE = "checkly:index/statusPageService:StatusPageService"
WINDOW = "checkly:index/maintenanceWindow:MaintenanceWindow"
VARIABLES = "pulumi-python:dynamic/railway:Variables"
MONITORING = "lightspeedpay:monitoring:UptimeMonitoring"
POLICIES = ("heartbeat-alerting", "background-services-heartbeat", "ssl-monitor-expiry", "ssl-monitors-cover-hostnames",
            "status-page-components", "maintenance-windows-declared", "checkly-plan-entitled")


def _of(type_: str, stack: str = "production") -> list[Any]:
    return [r for r in plan(stack).resources if r.type == type_]


def test_what_production_declares_and_that_it_passes() -> None:
    beats = {r.inputs["name"]: r.inputs for r in _of(HEARTBEAT)}
    assert set(beats) == {"lightspeedpay worker heartbeat", "lightspeedpay autoscaler heartbeat"}
    worker = beats["lightspeedpay worker heartbeat"]["heartbeat"]
    assert [worker[k] for k in ("period", "periodUnit", "grace", "graceUnit")] == [5, "minutes", 5, "minutes"]
    assert is_secret(worker["pingToken"])
    # Each ping URL reaches its service sealed, computed from the monitor's own token.
    for service in ("worker", "autoscaler"):
        variables = find(plan("production").resources, VARIABLES, f"{service}-variables")
        assert is_secret(variables.inputs["sealedVariables"]["HEARTBEAT_URL"])
        assert "HEARTBEAT_URL" not in variables.inputs["variables"]
    monitors = {r.inputs["request"]["hostname"]: r.inputs for r in _of(SSL)}
    assert set(monitors) == {"lightspeedpay.com", "www.lightspeedpay.com", "checkout.lightspeedpay.com",
                             "api.lightspeedpay.com"}
    # One certificate-expiry setting: the SSL monitors, the uptime checks' channels and ops.smoke share it.
    assert {m["request"]["alertDaysBeforeExpiry"] for m in monitors.values()} == {21}
    [page] = _of(PAGE)
    assert [card["name"] for card in page.inputs["cards"]] == [
        "Website and dashboard", "Hosted checkout", "Payments API", "Payment processing (UPI, cards, netbanking)"]
    [window] = _of(WINDOW)
    visibility = window.inputs["statusPageVisibility"]
    assert window.inputs["startsAt"] == "2027-01-10T20:30:00Z"
    assert window.inputs["silenceAlertsTags"] == ["lightspeedpay"]
    assert len(visibility["serviceIds"]) == 3 and visibility["notifyOnStart"] and visibility["severity"] == "MAJOR"
    assert visibility["reminderMinutesBefores"] == [4320, 1440, 60]
    assert not _of(WINDOW, "staging") and len(_of(PAGE, "staging")) == 1
    for stack in ("production", "staging"):
        assert not [v for v in plan_violations(stack) if v.policy in POLICIES]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.__setitem__("activated", False), "deactivated"),
        (lambda p: p.__setitem__("alertChannelSubscriptions", []), "Nobody is alerted"),
        (lambda p: p["heartbeat"].update(period=1, periodUnit="hours"), "silent 65 minutes"),
    ],
    ids=["off", "alerts nobody", "hour-long silence"],
)
def test_a_weakened_heartbeat_isrefused(change: Callable[[dict[str, Any]], None], message: str) -> None:
    assert any(message in m for m in refused(mutate("production", HEARTBEAT, "worker", change), "heartbeat-alerting"))


def test_a_service_without_its_heartbeat_url_isrefused() -> None:
    items = resources("production")
    find(items, VARIABLES, "autoscaler-variables").property_dependencies["sealedVariables"] = []
    assert refused(items, "background-services-heartbeat") == [
        "The autoscaler gets no heartbeat ping URL from a heartbeat monitor of the stack (sealed HEARTBEAT_URL): if "
        "it stalls, nobody is paged."]
    no_monitors = [r for r in resources("production") if r.type != HEARTBEAT]
    assert len(refused(no_monitors, "background-services-heartbeat")) == 2


def test_certificates_watched_late_or_not_at_all_arerefused() -> None:
    late = mutate("production", SSL, "ssl-api", lambda p: p["request"].__setitem__("alertDaysBeforeExpiry", 3))
    assert any("alerts 3 days before" in m for m in refused(late, "ssl-monitor-expiry"))
    unwatched = [r for r in resources("production")
                 if not (r.type == SSL and r.name.endswith("ssl-www-lightspeedpay-com"))]
    assert refused(unwatched, "ssl-monitors-cover-hostnames") == [
        "www.lightspeedpay.com is public but no SSL monitor watches its certificate."]


def test_a_status_page_missing_a_component_isrefused() -> None:
    no_payments = [r for r in resources("production") if not (r.type == SERVICE and r.name.endswith("status-payments"))]
    assert refused(no_payments, "status-page-components") == [
        "The status page has no service for the payments: merchants cannot see its state."]
    off_card = mutate("production", PAGE, "", lambda p: p.__setitem__("cards", p["cards"][:3]))
    find(off_card, PAGE).property_dependencies["cards"] = find(off_card, PAGE).property_dependencies["cards"][:3]
    assert any("is on no card" in m for m in refused(off_card, "status-page-components"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["statusPageVisibility"].__setitem__("enabled", False), "is not shown on the status page"),
        (lambda p: p["statusPageVisibility"].__setitem__("affectAllServices", True), "marks every service"),
        (lambda p: p["statusPageVisibility"].update(notifyOnStart=False, reminderMinutesBefores=[]),
         "notifies no subscriber"),
    ],
    ids=["hidden", "everything affected", "nobody told"],
)
def test_maintenance_not_announced_properly_isrefused(change: Callable[[dict[str, Any]], None], message: str) -> None:
    assert any(message in m for m in refused(mutate("production", WINDOW, "", change), "maintenance-windows-declared"))


def test_maintenance_on_an_undeclared_component_isrefused() -> None:
    items = resources("production")
    stray = find(items, SERVICE, "status-api")
    twin = type(stray)(**{**stray.__dict__, "urn": stray.urn + "-legacy", "name": stray.name + "-legacy"})
    items.append(twin)
    find(items, WINDOW).property_dependencies["statusPageVisibility"].append(twin.urn)
    assert any("not one of the status page's declared components" in m
               for m in refused(items, "maintenance-windows-declared"))


def test_features_the_checkly_plan_lacks_are_findings() -> None:
    items = resources("production")
    facts = find(items, MONITORING).outputs["facts"]
    facts["entitlements"] = ["browserChecks"]
    messages = refused(items, "checkly-plan-entitled")
    assert [m.split("(")[1].split(")")[0] for m in messages] == [
        "lightspeedpay:monitoring.checklyEntitlements lacks 'heartbeats'",
        "lightspeedpay:monitoring.checklyEntitlements lacks 'statusPages'",
        "lightspeedpay:monitoring.checklyEntitlements lacks 'statusPageMaintenance'"]
