"""Queue-depth autoscaler for the Railway worker fleet (Railway has no metric-based autoscaling).

Every poll it reads the number of waiting jobs from Redis and the worker's live replica map from
Railway, decides (`decide.py`, pure) and, when the count must move, writes the full replica map
back through Railway's API with a project token scoped to the worker's environment.
Standard library only, plus this repository's HTTP/GraphQL client; see docs/railway.md.
"""
