"""Small services this repository deploys itself (they run on Railway, not under Pulumi)."""
