"""The public status page and the planned maintenance it announces (Checkly), from stack config.

Decision (docs/observability.md): Checkly's legacy `StatusPage` with one `StatusPageService` per public
component, not `StatusPageV3`. The provider calls v2 legacy, but in pulumi-checkly 2.14.0 a
`MaintenanceWindow` can be shown only on v2 pages and services (`status_page_visibility.status_page_ids`,
`service_ids`); nothing in it refers to v3. With v3 every maintenance notice would be a manual step in
Checkly's UI; with v2 it is a reviewed change to the stack file, applied by `pulumi up`, and the release
workflow reads the same declarations (`python -m ops.maintenance`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_checkly as checkly

from config.monitoring import STATUS_COMPONENTS, MaintenanceWindowConfig, StatusPageConfig
from config.vocabulary import facts

TITLES = {"site": "Website and dashboard", "checkout": "Hosted checkout", "api": "Payments API",
          "payments": "Payment processing (UPI, cards, netbanking)"}
"""What merchants read on the page for each component (config.monitoring.STATUS_COMPONENTS)."""


@dataclass(frozen=True)
class StatusPageArgs:
    page: StatusPageConfig
    maintenance_windows: Sequence[MaintenanceWindowConfig]
    check_prefix: str
    """Tag of the stack's checks: a maintenance window silences their alerts while it runs."""
    environment: str
    """The stack's environment: pages other than production's say which one they are."""


def _instant(window: MaintenanceWindowConfig, field: str) -> str:
    return getattr(window, field).isoformat().replace("+00:00", "Z")


class StatusPage(pulumi.ComponentResource):
    """A status page with a card per public component, and each declared maintenance window shown on it."""

    page: checkly.StatusPage
    services: dict[str, checkly.StatusPageService]
    windows: dict[str, checkly.MaintenanceWindow]

    def __init__(self, name: str, args: StatusPageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(facts.STATUS_PAGE, name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        suffix = "" if args.environment == "production" else f" ({args.environment})"
        titles = {component: TITLES[component] + suffix for component in STATUS_COMPONENTS}
        self.services = {
            component: checkly.StatusPageService(
                f"{name}-{component}", checkly.StatusPageServiceArgs(name=titles[component]), opts=child)
            for component in STATUS_COMPONENTS
        }
        self.page = checkly.StatusPage(
            f"{name}-page",
            checkly.StatusPageArgs(
                name=args.page.name, url=args.page.url,
                cards=[checkly.StatusPageCardArgs(
                    name=titles[component],
                    service_attachments=[checkly.StatusPageCardServiceAttachmentArgs(service_id=service.id)])
                    for component, service in self.services.items()]),
            opts=child)
        self.windows = {}
        for index, window in enumerate(args.maintenance_windows):
            self.windows[window.name] = checkly.MaintenanceWindow(
                f"{name}-maintenance-{index}",
                checkly.MaintenanceWindowArgs(
                    name=window.name, description=window.description, starts_at=_instant(window, "starts_at"),
                    ends_at=_instant(window, "ends_at"), timezone="Asia/Kolkata",
                    # The stack's checks keep running (the page shows what they see); their alerts are silenced.
                    silence_alerts_tags=[args.check_prefix], tags=[args.check_prefix],
                    status_page_visibility=checkly.MaintenanceWindowStatusPageVisibilityArgs(
                        enabled=True, status_page_ids=[self.page.id],
                        service_ids=[self.services[c].id for c in window.components],
                        severity=window.severity, notify_on_start=True, notify_on_end=True,
                        reminder_minutes_befores=list(window.reminder_minutes_before),
                        auto_start=True, auto_end=True, show_affected_services=True,
                        suppress_auto_incidents=True)),
                opts=child)
        published = facts.StatusPageFacts(
            components={component: service.urn for component, service in self.services.items()},
            maintenance_windows={window.name: list(window.components) for window in args.maintenance_windows})
        self.register_outputs({facts.FACTS_KEY: published.publish()})
