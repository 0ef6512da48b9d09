"""The ENI SageMaker creates in the customer's subnet for a notebook instance with a SubnetId."""

from __future__ import annotations

from typing import Any

from moto.sagemaker.exceptions import ValidationError

from .state import ec2_backend


def eni_description(notebook_name: str) -> str:
    return f"[DO NOT DELETE] ENI managed by SageMaker for Notebook Instance {notebook_name}"


def validate_network(
    account_id: str, region: str, subnet_id: str | None, security_group_ids: list[str]
) -> None:
    """Reject what AWS rejects before anything is created: unknown subnet, foreign groups."""
    if subnet_id is None:
        return
    ec2 = ec2_backend(account_id, region)
    subnet = _find_subnet(ec2, subnet_id)
    if subnet is None:
        raise ValidationError(f"The subnet ID '{subnet_id}' does not exist")
    for group_id in security_group_ids:
        group = ec2.get_security_group_from_id(group_id)
        if group is None:
            raise ValidationError(f"The security group '{group_id}' does not exist")
        if group.vpc_id != subnet.vpc_id:
            raise ValidationError(
                f"Security group {group_id} does not belong to the VPC of subnet {subnet_id} "
                f"({subnet.vpc_id})."
            )


def create_notebook_eni(
    account_id: str,
    region: str,
    notebook_name: str,
    subnet_id: str,
    security_group_ids: list[str],
) -> str:
    """Create the ENI in moto's EC2 backend and return its id."""
    ec2 = ec2_backend(account_id, region)
    subnet = ec2.get_subnet(subnet_id)
    groups = security_group_ids or default_group_ids(account_id, region, subnet_id)
    eni = ec2.create_network_interface(
        subnet=subnet,
        private_ip_address=None,
        group_ids=groups,
        description=eni_description(notebook_name),
    )
    # The interface belongs to the instance SageMaker runs in its own account: AWS reports it
    # as requester-managed and in use, and the customer cannot delete it.
    eni.requester_managed = True
    eni.status = "in-use"
    return str(eni.id)


def delete_notebook_eni(account_id: str, region: str, eni_id: str | None) -> None:
    if not eni_id:
        return
    ec2 = ec2_backend(account_id, region)
    ec2.enis.pop(eni_id, None)


def _find_subnet(ec2: Any, subnet_id: str) -> Any:
    for per_zone in ec2.subnets.values():
        if subnet_id in per_zone:
            return per_zone[subnet_id]
    return None


def default_group_ids(account_id: str, region: str, subnet_id: str) -> list[str]:
    """The VPC's default security group: what AWS uses when SecurityGroupIds is omitted."""
    ec2 = ec2_backend(account_id, region)
    subnet = ec2.get_subnet(subnet_id)
    group = ec2.get_security_group_by_name_or_id("default", subnet.vpc_id)
    return [str(group.id)]
