"""The log store's ingest: a small, standard-library-only AWS Lambda behind a function URL (docs/logs.md).

`handler.handler` takes Vercel's log drains and audit-log drain (signed with HMAC-SHA1) and the workers'
OpenTelemetry logs (OTLP/HTTP JSON, bearer token) and writes one JSON line per record to stdout, which
Lambda delivers to the stack's log group: the log store, in India, kept for the stack's log retention.
"""
