"""Pulumi dynamic provider for Railway's public GraphQL API (backboard.railway.com/graphql/v2).

Layout (read docs/railway.md first):
- `documents`: every GraphQL document the package can send, in one registry;
- `client`: the GraphQL client on top of `providers.http.JsonHttpClient`, with typed errors;
- `replicas`: pure helpers for Railway's multi-region replica map (shared with the autoscaler);
- `vocabulary`: what Railway accepts (regions, restart policies, patterns; the plans and their caps are
  the vocabulary the pack shares, `config.vocabulary.thresholds`);
- `base`: Railway on the shared base (`providers.dynamic`): token, client, what "gone" means;
- `project`, `service`, `variables`, `redis`, `token`: the resources, `pulumi-python:dynamic/railway:<Kind>`.

This package file imports nothing on purpose: the autoscaler service uses `client` and
`replicas` without the Pulumi SDK, and the dynamic-provider host imports these modules by
reference when it unpickles a provider (so no module here may have side effects).
"""
