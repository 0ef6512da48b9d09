"""The network interface SageMaker attaches to a VPC notebook instance, read through EC2."""

from __future__ import annotations

from sagedeck.aws.session import AwsConnection
from sagedeck.aws.translate import translate_errors
from sagedeck.errors import NotFound
from sagedeck.models import NetworkInterface, SecurityGroupRef


async def network_interface(conn: AwsConnection, eni_id: str, region: str) -> NetworkInterface:
    client = await conn.client("ec2", region)
    with translate_errors(f"read network interface {eni_id}", "ec2:DescribeNetworkInterfaces"):
        result = await client.describe_network_interfaces(NetworkInterfaceIds=[eni_id])
    items = result.get("NetworkInterfaces", ())
    if not items:
        raise NotFound(f"network interface {eni_id} not found in {region}")
    item = items[0]
    return NetworkInterface(
        eni_id=item["NetworkInterfaceId"],
        private_ip=item.get("PrivateIpAddress"),
        subnet_id=item.get("SubnetId"),
        vpc_id=item.get("VpcId"),
        availability_zone=item.get("AvailabilityZone"),
        security_groups=tuple(
            SecurityGroupRef(g["GroupId"], g.get("GroupName", "")) for g in item.get("Groups", ())
        ),
        status=item.get("Status"),
        mac_address=item.get("MacAddress"),
    )
