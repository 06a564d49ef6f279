"""Sentry settings the Pulumi provider (pulumiverse-sentry 0.0.9) cannot manage, on the one base.

pulumiverse-sentry declares the projects, keys, teams and alert rules (components/error_tracking.py);
it has no data-scrubbing fields, so `scrubbing.ProjectScrubbing` manages them against Sentry's API
(`PUT/GET /api/0/projects/{org}/{project}/`) as a kind of `providers.dynamic`. docs/error-tracking.md.
Import-side-effect free: the provider host imports this package by reference.
"""
