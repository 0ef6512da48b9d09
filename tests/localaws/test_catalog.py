"""Lifecycle-config listing, code repositories and tags, as AWS serves them."""

from __future__ import annotations

import base64

from mypy_boto3_sagemaker import SageMakerClient
from mypy_boto3_sagemaker.type_defs import NotebookInstanceLifecycleHookTypeDef

from sagedeck.localaws import LocalAws

from .helpers import aws_error

ARN = "arn:aws:sagemaker:us-east-1:123456789012:{}"


def _script(text: str) -> list[NotebookInstanceLifecycleHookTypeDef]:
    return [{"Content": base64.b64encode(text.encode()).decode()}]


def test_lifecycle_configs_are_listed(sagemaker: SageMakerClient) -> None:
    configs = sagemaker.list_notebook_instance_lifecycle_configs(SortBy="Name")[
        "NotebookInstanceLifecycleConfigs"
    ]
    assert [c["NotebookInstanceLifecycleConfigName"] for c in configs] == [
        "auto-stop-idle",
        "conda-setup",
        "conda-setup-broken",
        "idle-stop",
        "install-extensions",
    ]
    first = configs[0]
    assert first["NotebookInstanceLifecycleConfigArn"] == ARN.format(
        "notebook-instance-lifecycle-config/auto-stop-idle"
    )
    assert first["CreationTime"] <= first["LastModifiedTime"]


def test_lifecycle_config_name_filter_and_default_order(sagemaker: SageMakerClient) -> None:
    conda = sagemaker.list_notebook_instance_lifecycle_configs(NameContains="conda")
    names = [
        c["NotebookInstanceLifecycleConfigName"] for c in conda["NotebookInstanceLifecycleConfigs"]
    ]
    # Default: newest first (SortBy CreationTime).
    assert names == ["conda-setup-broken", "conda-setup"]


def test_lifecycle_configs_page(sagemaker: SageMakerClient) -> None:
    for index in range(7):
        sagemaker.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=f"extra-{index}", OnStart=_script("echo hi")
        )
    seen: list[str] = []
    kwargs: dict[str, str] = {}
    pages = 0
    while True:
        page = sagemaker.list_notebook_instance_lifecycle_configs(
            MaxResults=4,
            SortBy="Name",
            **kwargs,  # type: ignore[arg-type]
        )
        pages += 1
        seen += [
            c["NotebookInstanceLifecycleConfigName"]
            for c in page["NotebookInstanceLifecycleConfigs"]
        ]
        if "NextToken" not in page:
            break
        kwargs = {"NextToken": page["NextToken"]}
    assert pages == 3
    assert len(seen) == len(set(seen)) == 12
    assert seen == sorted(seen)


def test_lifecycle_config_describe_round_trips_base64(sagemaker: SageMakerClient) -> None:
    described = sagemaker.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="auto-stop-idle"
    )
    script = base64.b64decode(described["OnStart"][0]["Content"]).decode()
    assert script.startswith("#!/bin/bash")
    assert "autostop.py" in script
    assert "OnCreate" not in described or not described["OnCreate"]


def test_lifecycle_config_update(sagemaker: SageMakerClient) -> None:
    sagemaker.update_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="install-extensions", OnStart=_script("echo v2")
    )
    described = sagemaker.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="install-extensions"
    )
    assert base64.b64decode(described["OnStart"][0]["Content"]) == b"echo v2"
    with aws_error("ValidationException"):
        sagemaker.update_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="nope", OnStart=_script("echo")
        )


def test_code_repository_lifecycle(sagemaker: SageMakerClient) -> None:
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:gh-token-AbCdEf"
    arn = sagemaker.create_code_repository(
        CodeRepositoryName="team-notebooks",
        GitConfig={
            "RepositoryUrl": "https://github.com/acme-ml/team-notebooks.git",
            "Branch": "main",
            "SecretArn": secret,
        },
    )["CodeRepositoryArn"]
    assert arn == ARN.format("code-repository/team-notebooks")
    described = sagemaker.describe_code_repository(CodeRepositoryName="team-notebooks")
    assert described["GitConfig"] == {
        "RepositoryUrl": "https://github.com/acme-ml/team-notebooks.git",
        "Branch": "main",
        "SecretArn": secret,
    }
    rotated = secret.replace("AbCdEf", "XyZ123")
    sagemaker.update_code_repository(
        CodeRepositoryName="team-notebooks", GitConfig={"SecretArn": rotated}
    )
    after = sagemaker.describe_code_repository(CodeRepositoryName="team-notebooks")
    assert after["GitConfig"]["SecretArn"] == rotated
    assert after["LastModifiedTime"] >= described["LastModifiedTime"]
    sagemaker.delete_code_repository(CodeRepositoryName="team-notebooks")
    with aws_error("ValidationException"):
        sagemaker.describe_code_repository(CodeRepositoryName="team-notebooks")


def test_code_repositories_list(sagemaker: SageMakerClient) -> None:
    listed = sagemaker.list_code_repositories()["CodeRepositorySummaryList"]
    assert [r["CodeRepositoryName"] for r in listed] == [
        "fraud-detection",
        "ml-utils",
        "notebook-templates",
        "sagemaker-examples",
    ]
    public = next(r for r in listed if r["CodeRepositoryName"] == "sagemaker-examples")
    assert "SecretArn" not in public["GitConfig"]
    utils = sagemaker.list_code_repositories(NameContains="utils")["CodeRepositorySummaryList"]
    assert [r["GitConfig"]["Branch"] for r in utils] == ["develop"]


def test_code_repository_errors(sagemaker: SageMakerClient) -> None:
    with aws_error("ValidationException"):
        sagemaker.create_code_repository(
            CodeRepositoryName="ml-utils",
            GitConfig={"RepositoryUrl": "https://github.com/acme-ml/ml-utils.git"},
        )
    with aws_error("ValidationException"):
        sagemaker.create_code_repository(
            CodeRepositoryName="plain-http",
            GitConfig={"RepositoryUrl": "http://example.com/repo.git"},
        )
    with aws_error("ValidationException"):
        sagemaker.delete_code_repository(CodeRepositoryName="never-was")


def test_notebook_with_unknown_repository_name_is_rejected(sagemaker: SageMakerClient) -> None:
    with aws_error("ValidationException"):
        sagemaker.create_notebook_instance(
            NotebookInstanceName="with-repo",
            InstanceType="ml.t3.medium",
            RoleArn="arn:aws:iam::123456789012:role/x",
            DefaultCodeRepository="not-registered",
        )


def test_add_tags_overwrites_existing_keys(sagemaker: SageMakerClient) -> None:
    arn = ARN.format("notebook-instance/nb")
    sagemaker.add_tags(
        ResourceArn=arn, Tags=[{"Key": "owner", "Value": "carol"}, {"Key": "new", "Value": "1"}]
    )
    tags = sagemaker.list_tags(ResourceArn=arn)["Tags"]
    keys = [tag["Key"] for tag in tags]
    assert len(keys) == len(set(keys))
    assert {tag["Key"]: tag["Value"] for tag in tags} == {
        "team": "data-science",
        "owner": "carol",
        "cost-center": "CC-1001",
        "env": "dev",
        "new": "1",
    }
    sagemaker.delete_tags(ResourceArn=arn, TagKeys=["new"])
    assert "new" not in {t["Key"] for t in sagemaker.list_tags(ResourceArn=arn)["Tags"]}


def test_tags_on_unknown_arn_are_validation_errors(sagemaker: SageMakerClient) -> None:
    ghost = ARN.format("notebook-instance/ghost")
    with aws_error("ValidationException"):
        sagemaker.list_tags(ResourceArn=ghost)
    with aws_error("ValidationException"):
        sagemaker.add_tags(ResourceArn=ghost, Tags=[{"Key": "a", "Value": "b"}])
    with aws_error("ValidationException"):
        sagemaker.list_tags(ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:widget/x")


def test_tags_on_code_repositories(sagemaker: SageMakerClient) -> None:
    arn = ARN.format("code-repository/ml-utils")
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "platform"}])
    assert sagemaker.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "platform"}]


# --- what `sagedeck lifecycle` and `sagedeck repos` rely on --------------------------------


def test_lifecycle_config_update_and_delete(sagemaker: SageMakerClient) -> None:
    """UpdateNotebookInstanceLifecycleConfig replaces the hooks it is given (an empty list
    removes one); DeleteNotebookInstanceLifecycleConfig removes the configuration, and
    describing it then is AWS's ValidationException."""
    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="tmp-config",
        OnCreate=_script("echo create"),
        OnStart=_script("echo start"),
    )
    sagemaker.update_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="tmp-config", OnCreate=[]
    )
    described = sagemaker.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="tmp-config"
    )
    assert described.get("OnCreate", []) == []
    assert described["OnStart"] == _script("echo start")
    sagemaker.delete_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="tmp-config"
    )
    with aws_error("ValidationException"):
        sagemaker.describe_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="tmp-config"
        )


def test_the_seeded_git_secret_is_described_without_its_value(aws: LocalAws) -> None:
    """The repositories' SecretArn points at a real secret: DescribeSecret (metadata, no
    value) finds it by that ARN; an unknown ARN is Secrets Manager's ResourceNotFoundException."""
    for region in ("us-east-1", "eu-west-1"):
        secrets = aws.client("secretsmanager", region)
        arn = f"arn:aws:secretsmanager:{region}:123456789012:secret:github-acme-ml-Xq3LmB"
        described = secrets.describe_secret(SecretId=arn)
        assert described["ARN"] == arn
        assert described["Name"] == "github-acme-ml"
        assert "SecretString" not in described
        with aws_error("ResourceNotFoundException"):
            secrets.describe_secret(SecretId=arn.replace("github-acme-ml", "missing"))
    repository = aws.client("sagemaker", "us-east-1").describe_code_repository(
        CodeRepositoryName="ml-utils"
    )
    assert repository["GitConfig"]["SecretArn"].endswith(":secret:github-acme-ml-Xq3LmB")
