"""The create form as ``make screenshots`` shows it (screenshots/create.svg), at the pinned
moment of the other snapshots. Regenerate after a deliberate change:
``pytest tests/ui/test_manage_snapshot.py --snapshot-update``."""

from __future__ import annotations

from sagedeck.devtools.screenshots import demo_app
from sagedeck.localaws import LocalAws

from .test_snapshots import SnapCompare, pinned, snap

__all__ = ["pinned"]  # the fixture, shared


def test_create_form_half_filled_in(pinned: LocalAws, snap_compare: SnapCompare) -> None:
    assert snap(snap_compare, demo_app(pinned), "create")
