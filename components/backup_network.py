"""The backup network in India: private subnet, one NAT gateway with an Elastic IP (the static egress the
database's network restrictions admit), and a free S3 gateway endpoint for the dumps.

Why NAT and not an IPv6 subnet (docs/backups.md, "Static egress"): the job connects through Supavisor's
session mode (the read-only backup role's URL), which Supabase serves over IPv4 only, and the release
workflow starts the same task without a public IP. The NAT gateway costs an hourly charge; the dumps
themselves go to S3 through the gateway endpoint, not through the NAT.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi

from config.aws import BackupsConfig

from .aws_sdk import ec2

POSTGRES_PORTS = (5432, 6543)
"""Supavisor's session (5432) and transaction (6543) ports, and the direct connection's 5432."""


def subnets(vpc_cidr: str) -> tuple[str, str]:
    """(public, private): the two halves of the backup network."""
    public, private = ipaddress.ip_network(vpc_cidr).subnets(prefixlen_diff=1)
    return str(public), str(private)


@dataclass(frozen=True)
class BackupNetworkArgs:
    config: BackupsConfig
    """The stack's `lightspeedpay:backups` section (availability zone, VPC range)."""
    name_prefix: str
    region: str


class BackupNetwork(pulumi.ComponentResource):
    """One private subnet whose only way out is a NAT gateway with a fixed public address."""

    egress_ip: pulumi.Output[str]
    """The Elastic IP every connection of the backup tasks leaves from."""
    egress_cidr: pulumi.Output[str]
    """``<egress_ip>/32``: what the database's network restrictions must admit (and take from here)."""
    private_subnet_id: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    s3_endpoint_id: pulumi.Output[str]

    def __init__(self, name: str, args: BackupNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:backups:BackupNetwork", name, {}, opts)
        cfg, region = args.config, args.region
        child = pulumi.ResourceOptions(parent=self)
        public_range, private_range = subnets(cfg.vpc_cidr)

        vpc = ec2.Vpc(f"{name}-vpc", cidr_block=cfg.vpc_cidr, enable_dns_support=True, enable_dns_hostnames=True,
                      region=region, tags={"Name": f"{args.name_prefix}-backups"}, opts=child)
        public = ec2.Subnet(f"{name}-public", vpc_id=vpc.id, cidr_block=public_range,
                            availability_zone=cfg.availability_zone, map_public_ip_on_launch=False, region=region,
                            tags={"Name": f"{args.name_prefix}-backups-public"}, opts=child)
        private = ec2.Subnet(f"{name}-private", vpc_id=vpc.id, cidr_block=private_range,
                             availability_zone=cfg.availability_zone, map_public_ip_on_launch=False, region=region,
                             tags={"Name": f"{args.name_prefix}-backups-private"}, opts=child)
        gateway = ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, region=region, opts=child)
        # The address is the database's admission ticket: protected so that no replacement silently changes it.
        eip = ec2.Eip(f"{name}-egress-ip", domain="vpc", region=region,
                      tags={"Name": f"{args.name_prefix}-backups-egress"},
                      opts=pulumi.ResourceOptions(parent=self, protect=True))
        nat = ec2.NatGateway(f"{name}-nat", allocation_id=eip.id, subnet_id=public.id, connectivity_type="public",
                             region=region, opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]))

        public_routes = ec2.RouteTable(f"{name}-public-routes", vpc_id=vpc.id, region=region, routes=[
            {"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}], opts=child)
        ec2.RouteTableAssociation(f"{name}-public-routes", subnet_id=public.id, route_table_id=public_routes.id,
                                  region=region, opts=child)
        # The VPC's main table (every subnet without its own, the private one): out through the NAT only.
        private_routes = ec2.DefaultRouteTable(f"{name}-private-routes", region=region,
                                               default_route_table_id=vpc.default_route_table_id,
                                               routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
                                               opts=child)
        s3_endpoint = ec2.VpcEndpoint(f"{name}-s3", vpc_id=vpc.id, service_name=f"com.amazonaws.{region}.s3",
                                      vpc_endpoint_type="Gateway", route_table_ids=[private_routes.id],
                                      region=region, opts=child)

        # Nothing comes in; out go HTTPS (S3, ECR, Secrets Manager, CloudWatch, the heartbeat) and Postgres.
        group = ec2.SecurityGroup(
            f"{name}-tasks", vpc_id=vpc.id, region=region, description="Backup and restore-drill tasks: egress only",
            ingress=[],
            egress=[{"protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": ["0.0.0.0/0"],
                     "description": what}
                    for port, what in ((443, "HTTPS"), *((p, "Postgres (Supabase)") for p in POSTGRES_PORTS))],
            opts=child)

        self.egress_ip = eip.public_ip
        self.egress_cidr = eip.public_ip.apply(lambda ip: f"{ip}/32")
        self.private_subnet_id = private.id
        self.security_group_id = group.id
        self.s3_endpoint_id = s3_endpoint.id
        self.register_outputs({"egressIp": self.egress_ip, "privateSubnetId": self.private_subnet_id,
                               "securityGroupId": self.security_group_id})
