"""A crash prints Textual's traceback to the terminal (and into bug reports): no presigned
URL or token may be in it, though the crashing frame holds one in a local."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sagedeck.localaws import LocalAws
from sagedeck.models import JupyterView, NotebookKey, PresignedUrl
from sagedeck.ui.app import SagedeckApp
from ui.support import SIZE, build_app

TOKEN = "s3cr3t-t0ken"  # short: rich shows a local string up to 80 characters
URL = f"https://nb.notebook.us-east-1.sagemaker.aws?authToken={TOKEN}"


class Crash(RuntimeError):
    pass


def crash_holding_a_url() -> None:
    url = URL  # a plain string, as clipboard.copy() holds it
    presigned = PresignedUrl(
        url, NotebookKey("us-east-1", "nb"), JupyterView.LAB, datetime.now(UTC), 3600
    )
    raise Crash(f"crashed near {presigned.notebook.name}")


async def run_until_it_crashes(app: SagedeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        app.call_later(crash_holding_a_url)
        await pilot.pause()


async def test_the_crash_report_has_the_traceback_but_no_locals(
    aws_env: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    app = build_app(aws_env)
    with pytest.raises(Crash):
        await run_until_it_crashes(app)
    report = capsys.readouterr().err
    assert "crash_holding_a_url" in report  # the report is there...
    assert "crashed near nb" in report
    assert TOKEN not in report  # ...without the token
    assert "authToken" not in report
    assert app.return_code == 1
