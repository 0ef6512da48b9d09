"""Where sagedeck connects: flags > AWS_* environment > config file > ~/.aws/config."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagedeck.aws.session import (
    CLIENT_CONFIG,
    DEFAULT_REGION,
    AwsConnection,
    AwsTarget,
    StaticCredentials,
    parse_regions,
    resolve_target,
    sagemaker_regions,
    validate_endpoint_url,
)
from sagedeck.errors import InvalidInput, ReadOnly

AWS_CONFIG = """\
[default]
region = ap-southeast-2

[profile dev]
region = eu-central-1

[profile noregion]
output = json
"""


@pytest.fixture
def configured(aws_home: Path) -> Path:
    (aws_home / "config").write_text(AWS_CONFIG, encoding="utf-8")
    return aws_home


def test_aws_config_region_of_default_profile(configured: Path) -> None:
    target = resolve_target()
    assert target.regions == ("ap-southeast-2",)
    assert target.profile is None


def test_aws_config_region_of_named_profile(configured: Path) -> None:
    assert resolve_target(profile="dev").regions == ("eu-central-1",)


def test_profile_without_region_falls_back_to_us_east_1(configured: Path) -> None:
    assert resolve_target(profile="noregion").regions == (DEFAULT_REGION,)


def test_nothing_configured_falls_back_to_us_east_1(aws_home: Path) -> None:
    assert resolve_target().regions == (DEFAULT_REGION,)


def test_config_file_defaults_beat_aws_config(configured: Path) -> None:
    target = resolve_target(default_profile="dev", default_regions=("us-west-2", "eu-west-1"))
    assert target.profile == "dev"
    assert target.regions == ("us-west-2", "eu-west-1")


def test_environment_beats_config_file(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "noregion")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    target = resolve_target(default_profile="dev", default_regions=("us-west-2",))
    assert target.profile == "noregion"
    assert target.regions == ("eu-west-2",)
    monkeypatch.setenv("AWS_REGION", "eu-west-3")  # AWS_REGION beats AWS_DEFAULT_REGION
    assert resolve_target().regions == ("eu-west-3",)


def test_flags_beat_environment(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "noregion")
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    target = resolve_target(
        profile="dev",
        region="sa-east-1,us-east-2",
        default_profile="default",
        default_regions=("us-west-2",),
    )
    assert target.profile == "dev"
    assert target.regions == ("sa-east-1", "us-east-2")


def test_region_all_is_every_sagemaker_region(aws_home: Path) -> None:
    regions = resolve_target(region="all").regions
    assert regions == sagemaker_regions()
    assert {"us-east-1", "eu-west-1", "ap-northeast-1"} <= set(regions)
    assert not any(r.startswith(("cn-", "us-gov-")) for r in regions)  # other partitions
    assert len(regions) >= 20


def test_region_list_is_deduplicated_and_trimmed() -> None:
    assert parse_regions(" us-east-1, eu-west-1 ,us-east-1,") == ("us-east-1", "eu-west-1")
    assert parse_regions("us-gov-west-1") == ("us-gov-west-1",)  # known, other partition


@pytest.mark.parametrize("spec", ["moon-1", "us-east-1,nowhere", ",", " ", "US-EAST-1"])
def test_unknown_region_is_refused(spec: str) -> None:
    with pytest.raises(InvalidInput, match="region"):
        parse_regions(spec)


def test_unknown_region_in_config_file_is_refused(aws_home: Path) -> None:
    with pytest.raises(InvalidInput, match="unknown region 'atlantis-1'"):
        resolve_target(default_regions=("atlantis-1",))


def test_unknown_profile_is_one_line(configured: Path) -> None:
    with pytest.raises(InvalidInput, match=r"unknown AWS profile 'nope' \(known: default, dev"):
        resolve_target(profile="nope")


def test_unknown_profile_from_environment(
    configured: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "ghost")
    with pytest.raises(InvalidInput, match="'ghost'"):
        resolve_target()


def test_corrupt_aws_config_is_one_line(aws_home: Path) -> None:
    (aws_home / "config").write_text("[default\nregion = us-east-1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="AWS config file cannot be parsed") as info:
        resolve_target()
    assert "\n" not in str(info.value)


def test_endpoint_url_is_kept(aws_home: Path) -> None:
    target = resolve_target(endpoint_url="http://127.0.0.1:5000", read_only=True)
    assert target.endpoint_url == "http://127.0.0.1:5000"
    assert target.read_only


@pytest.mark.parametrize(
    "url",
    [
        "127.0.0.1:5000",
        "ftp://host",
        "http://",
        "http://[::1",
        "http://host:99999",
        "http://host:port",
        "http://exa mple.com",
        "https://under_score.example.com",
    ],
)
def test_malformed_endpoint_url(url: str) -> None:
    with pytest.raises(InvalidInput, match="malformed endpoint URL"):
        validate_endpoint_url(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:5000", "https://sagemaker.us-east-1.amazonaws.com", "http://[::1]:80"]
)
def test_good_endpoint_url(url: str) -> None:
    validate_endpoint_url(url)


def test_client_settings_fit_a_ui() -> None:
    options = vars(CLIENT_CONFIG)  # botocore keeps each option as an attribute
    assert options["retries"]["mode"] == "standard"
    assert options["retries"]["total_max_attempts"] <= 3
    assert options["connect_timeout"] <= 3
    assert options["read_timeout"] <= 15


async def test_read_only_connection_refuses_before_any_client() -> None:
    target = AwsTarget(
        None, ("us-east-1",), read_only=True, credentials=StaticCredentials("a", "b")
    )
    async with AwsConnection(target) as conn:
        with pytest.raises(ReadOnly, match="StartNotebookInstance changes AWS") as info:
            conn.require_allowed("sagemaker:StartNotebookInstance")
        assert info.value.operation == "sagemaker:StartNotebookInstance"
        conn.require_allowed("sagemaker:DescribeNotebookInstance")  # a read: no error
        assert conn.read_only
    async with AwsConnection(AwsTarget(None, ("us-east-1",))) as conn:
        conn.require_allowed("sagemaker:StartNotebookInstance")  # writable: no error


async def test_one_client_per_service_and_region(aws_home: Path) -> None:
    target = AwsTarget(None, ("us-east-1",), credentials=StaticCredentials("a", "b"))
    async with AwsConnection(target) as conn:
        first = await conn.client("sagemaker", "us-east-1")
        assert await conn.client("sagemaker", "us-east-1") is first
        other = await conn.client("sagemaker", "eu-west-1")
        assert other is not first
        assert other.meta.region_name == "eu-west-1"
        await conn.reset_clients()
        assert await conn.client("sagemaker", "us-east-1") is not first
