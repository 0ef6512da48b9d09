"""SSM service settings: the advanced-instances tier Session Manager needs for ``mi-`` nodes.

AWS's shape and defaults: the AWS CLI examples for get-service-setting / reset-service-setting
(``SettingValue`` "standard", ``LastModifiedUser`` "System", ``Status`` "Default", the ARN
``arn:aws:ssm:<region>:<account>:servicesetting/ssm/managed-instance/activation-tier``) and the
API reference (UpdateServiceSetting takes "standard" or "advanced"; an unknown id is
ServiceSettingNotFound). StartSession to a hybrid node without the tier is BadRequest, as
sagemaker-ssh-helper's FAQ quotes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from mypy_boto3_ssm import SSMClient

from sagedeck.localaws import LocalAws

from .conftest import Clients
from .helpers import aws_error

TIER = "/ssm/managed-instance/activation-tier"
EAST_ARN = f"arn:aws:ssm:us-east-1:123456789012:servicesetting{TIER}"
DEMO_ARN = "arn:aws:iam::123456789012:user/demo"


def _online_node(ssm: SSMClient, notebook: str) -> str:
    found = ssm.describe_instance_information(
        Filters=[{"Key": "tag:SSHResourceName", "Values": [notebook]}]
    )["InstanceInformationList"]
    return next(n["InstanceId"] for n in found if n["PingStatus"] == "Online")


def test_seeded_regions_have_the_advanced_tier(ssm: SSMClient, clients: Clients) -> None:
    """Both seeded regions have SSH-helper nodes, so both were switched to advanced."""
    setting = ssm.get_service_setting(SettingId=TIER)["ServiceSetting"]
    assert setting["SettingId"] == TIER
    assert setting["SettingValue"] == "advanced"
    assert setting["Status"] == "Customized"
    assert setting["LastModifiedUser"] == DEMO_ARN
    assert setting["ARN"] == EAST_ARN
    assert setting["LastModifiedDate"] < datetime.now(UTC)
    eu = cast(SSMClient, clients.get("ssm", "eu-west-1"))
    west = eu.get_service_setting(SettingId=TIER)["ServiceSetting"]
    assert west["SettingValue"] == "advanced"
    assert west["ARN"] == f"arn:aws:ssm:eu-west-1:123456789012:servicesetting{TIER}"


def test_an_empty_account_has_the_default(aws: LocalAws, ssm: SSMClient) -> None:
    aws.reset(seed=False)
    setting = ssm.get_service_setting(SettingId=TIER)["ServiceSetting"]
    assert {k: v for k, v in setting.items() if k != "LastModifiedDate"} == {
        "SettingId": TIER,
        "SettingValue": "standard",
        "LastModifiedUser": "System",
        "ARN": EAST_ARN,
        "Status": "Default",
    }
    throughput_id = "/ssm/parameter-store/high-throughput-enabled"
    throughput = ssm.get_service_setting(SettingId=throughput_id)["ServiceSetting"]
    assert (throughput["SettingValue"], throughput["Status"]) == ("false", "Default")


def test_the_setting_id_may_be_its_arn(ssm: SSMClient) -> None:
    setting = ssm.get_service_setting(SettingId=EAST_ARN)["ServiceSetting"]
    assert setting["SettingId"] == TIER  # the answer carries the path
    with aws_error("ServiceSettingNotFound"):  # another region's setting is not this one
        ssm.get_service_setting(SettingId=EAST_ARN.replace("us-east-1", "eu-west-1"))


def test_update_and_reset_are_per_region(aws: LocalAws, ssm: SSMClient, clients: Clients) -> None:
    aws.simulator.step(90)
    assert ssm.update_service_setting(SettingId=TIER, SettingValue="standard")
    setting = ssm.get_service_setting(SettingId=TIER)["ServiceSetting"]
    assert (setting["SettingValue"], setting["Status"]) == ("standard", "Customized")
    assert setting["LastModifiedUser"] == DEMO_ARN  # the caller, as GetCallerIdentity names it
    assert setting["LastModifiedDate"].timestamp() == pytest.approx(aws.simulator.now(), abs=1)
    eu = cast(SSMClient, clients.get("ssm", "eu-west-1"))
    assert eu.get_service_setting(SettingId=TIER)["ServiceSetting"]["SettingValue"] == "advanced"

    reset = ssm.reset_service_setting(SettingId=TIER)["ServiceSetting"]
    assert (reset["SettingValue"], reset["Status"], reset["LastModifiedUser"]) == (
        "standard",
        "Default",
        "System",
    )
    assert ssm.get_service_setting(SettingId=TIER)["ServiceSetting"] == reset


def test_unknown_settings_and_values(ssm: SSMClient) -> None:
    with aws_error("ServiceSettingNotFound"):
        ssm.get_service_setting(SettingId="/ssm/no/such-setting")
    with aws_error("ServiceSettingNotFound"):
        ssm.update_service_setting(SettingId="/ssm/no/such-setting", SettingValue="x")
    with aws_error("ServiceSettingNotFound"):
        ssm.reset_service_setting(SettingId="/ssm/no/such-setting")
    with aws_error("ValidationException"):  # the documented values are lower-case
        ssm.update_service_setting(SettingId=TIER, SettingValue="Advanced")
    assert ssm.get_service_setting(SettingId=TIER)["ServiceSetting"]["SettingValue"] == "advanced"


# moto warns that BadRequest has no shape in the SSM model (AWS sends it all the same).
@pytest.mark.filterwarnings(r"ignore:Exception\(BadRequest\):UserWarning")
def test_session_manager_needs_the_advanced_tier(ssm: SSMClient) -> None:
    target = _online_node(ssm, "alice-sandbox")
    ssm.update_service_setting(SettingId=TIER, SettingValue="standard")
    with aws_error(
        "BadRequest",
        "Enable advanced-instances tier to use Session Manager with your on-premises instances",
    ):
        ssm.start_session(Target=target)
    assert ssm.describe_sessions(State="Active")["Sessions"] == []
    ssm.update_service_setting(SettingId=TIER, SettingValue="advanced")
    session_id = ssm.start_session(Target=target)["SessionId"]
    ssm.terminate_session(SessionId=session_id)
