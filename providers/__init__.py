"""Pulumi dynamic providers for APIs that have no Pulumi provider on PyPI (Railway, Supabase)."""
