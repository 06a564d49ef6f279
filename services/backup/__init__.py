"""The off-site backup job: a consistent logical dump of the database, encrypted, stored locked.

`python -m services.backup` runs once and exits (a scheduled task in India, docs/backups.md):
it opens a read-only REPEATABLE READ transaction, exports its snapshot and measures the critical
tables in it (`verification.py`), runs `pg_dump --format=custom --snapshot=…` on that same
snapshot, encrypts the stream to age public keys only (`crypto.py`: the job never holds a key that
can decrypt), uploads it to S3 under COMPLIANCE object lock with a SHA-256 checksum (`store.py`),
writes a manifest beside it (`manifest.py`) and pings the heartbeat (`heartbeat.py`).
Standard library plus the pins in `services/backup/requirements.txt`; no Pulumi import.
`ops.restore_drill` restores what this job stores, with the same modules.
"""
