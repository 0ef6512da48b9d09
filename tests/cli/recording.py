"""What reached the embedded AWS: each SageMaker request's operation and JSON body, recorded
at the server (it runs in the test's process), whoever sent it: sagedeck or the AWS CLI."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from moto.core.responses import BaseResponse

TARGET = "SageMaker."


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def add(self, operation: str, body: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append((operation, body))

    def bodies(self, operation: str) -> list[dict[str, Any]]:
        with self._lock:
            return [body for op, body in self.requests if op == operation]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recording = Recorder()
    original = BaseResponse.call_action

    def call_action(self: BaseResponse) -> Any:
        target = str(self.headers.get("X-Amz-Target", ""))
        if target.startswith(TARGET):
            body = self.body.decode() if isinstance(self.body, bytes) else str(self.body or "")
            recording.add(target.removeprefix(TARGET), json.loads(body or "{}"))
        return original(self)

    monkeypatch.setattr(BaseResponse, "call_action", call_action)
    return recording
