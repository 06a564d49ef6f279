"""Local fakes of the vendor APIs we cannot reach (Railway, Supabase, Redis), for tests and benchmarks.

Each fake checks every request against the vendor's published schema (in `schemas/`) and does
what the vendor documents for each write (a PUT that replaces replaces; a PATCH merges). Nothing
here imports pytest: `ops.bench_*` use the same fakes as the tests.
"""
