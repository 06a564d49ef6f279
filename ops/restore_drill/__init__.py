"""Restore drills that prove the off-site backups restore, within the RTO (docs/backups.md).

`drill.py` runs one drill and returns its evidence record (schema and validator:
policies/lightspeedpay_policies/backup_evidence.py); `cluster.py` is the throwaway PostgreSQL it
restores into; `targets.py` reads the stack's RTO and major version; `__main__.py` is the command.
"""
