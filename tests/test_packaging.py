"""The built wheel carries what the app loads at run time (a known failure of Textual apps:
.tcss files missing from the wheel, so the installed app starts unstyled or not at all)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "sagedeck"


@pytest.mark.timeout(240)
def test_wheel_contains_every_stylesheet_and_the_demo_plugin(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("sagedeck-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    stylesheets = {"sagedeck/" + str(path.relative_to(SRC)) for path in SRC.rglob("*.tcss")}
    assert stylesheets, "the app has stylesheets"
    assert stylesheets <= names, sorted(stylesheets - names)
    assert "sagedeck/py.typed" in names
    assert "sagedeck/scripts/idle_stop.sh" in names  # `lifecycle create --idle-stop` reads it
    assert "sagedeck/localaws/demo_plugin/__main__.py" in names
    assert any(n.endswith("entry_points.txt") for n in names)
