"""SSM service settings (GetServiceSetting, UpdateServiceSetting, ResetServiceSetting), absent
from moto 5.2.5, per account and region.

The one sagedeck reads is ``/ssm/managed-instance/activation-tier``: Session Manager reaches
hybrid-activated nodes (``mi-…``) only in the advanced-instances tier. A setting nobody changed
answers as the AWS CLI's examples show: ``LastModifiedUser`` ``System``, ``Status`` ``Default``.
A SettingId may be the path or the setting's ARN; the answer always carries the path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.ssm.exceptions import SSMException, ValidationException

from .identity import caller
from .state import CLOCK, extension_state

ACTIVATION_TIER = "/ssm/managed-instance/activation-tier"


@dataclass(frozen=True, slots=True)
class SettingSpec:
    default: str
    allowed: tuple[str, ...]


# The settings whose AWS defaults are documented (the AWS CLI examples and the API reference).
SETTINGS = {
    ACTIVATION_TIER: SettingSpec("standard", ("standard", "advanced")),
    "/ssm/parameter-store/high-throughput-enabled": SettingSpec("false", ("true", "false")),
    "/ssm/parameter-store/default-parameter-tier": SettingSpec(
        "Standard", ("Standard", "Advanced", "Intelligent-Tiering")
    ),
}
# When the defaults were provisioned: the date the AWS CLI's example shows for the tier.
PROVISIONED = datetime.fromtimestamp(1550708144.058, UTC).replace(tzinfo=None)


class ServiceSettingNotFound(SSMException):
    code = "ServiceSettingNotFound"


@dataclass(frozen=True, slots=True)
class SettingRecord:
    value: str
    modified: datetime
    user: str
    status: str


def _settings(backend: Any) -> dict[str, SettingRecord]:
    return extension_state(backend, "_sagedeck_service_settings", dict)


def setting_arn(backend: Any, setting_id: str) -> str:
    return f"arn:aws:ssm:{backend.region_name}:{backend.account_id}:servicesetting{setting_id}"


def _setting_id(backend: Any, given: str | None) -> str:
    """The setting's path, from its path or its ARN; ServiceSettingNotFound for anything else."""
    given = given or ""
    path = given
    if given.startswith("arn:"):
        prefix = setting_arn(backend, "")
        path = given[len(prefix) :] if given.startswith(prefix) else ""
    if path not in SETTINGS:
        raise ServiceSettingNotFound(f"ServiceSetting {given} is not found.")
    return path


def current(backend: Any, setting_id: str) -> SettingRecord:
    record = _settings(backend).get(setting_id)
    if record is None:
        return SettingRecord(SETTINGS[setting_id].default, PROVISIONED, "System", "Default")
    return record


def customise(backend: Any, setting_id: str, value: str, user: str, when: datetime) -> None:
    """Set a value as UpdateServiceSetting does (the seed uses it for the fleet's tier)."""
    spec = SETTINGS[setting_id]
    if value not in spec.allowed:
        raise ValidationException(
            f"{value} is not a valid value for {setting_id}. "
            f"Valid values are: {', '.join(spec.allowed)}."
        )
    _settings(backend)[setting_id] = SettingRecord(value, when, user, "Customized")


def activation_tier(backend: Any) -> str:
    return current(backend, ACTIVATION_TIER).value


def _result(backend: Any, setting_id: str) -> ActionResult:
    record = current(backend, setting_id)
    return ActionResult(
        {
            "ServiceSetting": {
                "SettingId": setting_id,
                "SettingValue": record.value,
                "LastModifiedDate": record.modified,
                "LastModifiedUser": record.user,
                "ARN": setting_arn(backend, setting_id),
                "Status": record.status,
            }
        }
    )


def get_service_setting(self: Any) -> ActionResult:
    backend = self.ssm_backend
    return _result(backend, _setting_id(backend, self._get_param("SettingId")))


def update_service_setting(self: Any) -> ActionResult:
    backend = self.ssm_backend
    setting_id = _setting_id(backend, self._get_param("SettingId"))
    customise(
        backend, setting_id, self._get_param("SettingValue"), caller(self).arn, CLOCK.utcnow()
    )
    return ActionResult({})


def reset_service_setting(self: Any) -> ActionResult:
    backend = self.ssm_backend
    setting_id = _setting_id(backend, self._get_param("SettingId"))
    _settings(backend).pop(setting_id, None)
    return _result(backend, setting_id)
