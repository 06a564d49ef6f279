"""Entry point the Pulumi CLI runs (`--policy-pack policies`); the policies live in lightspeedpay_policies."""

from pulumi_policy import PolicyPack

from lightspeedpay_policies import PACK_KWARGS

PolicyPack(**PACK_KWARGS)
