"""The one file both scripts are edited in: what goes out comes back, and what cannot be read
back is one line."""

from __future__ import annotations

import pytest

from sagedeck.aws.lifecycle import Scripts
from sagedeck.errors import InvalidInput
from sagedeck.ui.view.lifecycle_file import Edited, compose, parse


def test_the_scripts_come_back_as_they_went_out() -> None:
    text = compose("conda", "us-east-1", "#!/bin/bash\necho one", "echo two\n\n\n")
    assert text.startswith('# sagedeck: lifecycle configuration "conda" in us-east-1\n')
    assert parse(text) == Edited("#!/bin/bash\necho one\n", "echo two\n")
    assert parse(compose("x", "r", None, None)) == Edited("", "")


def test_only_changed_scripts_are_sent() -> None:
    edited = Edited("echo one\n", "")
    assert edited.changes_from("echo one", "echo two") == Scripts(None, "")
    assert edited.changes_from(None, None) == Scripts("echo one\n", None)
    assert Edited("", "").changes_from(None, "  \n") == Scripts(None, None)


def test_an_emptied_file_cancels() -> None:
    assert parse("") is None
    assert parse("\n  \n") is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("#@sagedeck on-start\necho\n", "keep one"),
        ("#@sagedeck on-create\n#@sagedeck on-create\n#@sagedeck on-start\n", "keep one"),
        ("#@sagedeck on-start\n#@sagedeck on-create\n", "must come before"),
    ],
)
def test_markers_that_cannot_be_read_back(text: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        parse(text)


def test_crlf_line_ends_become_lf() -> None:
    text = compose("x", "r", "echo one", "echo two").replace("\n", "\r\n")
    assert parse(text) == Edited("echo one\n", "echo two\n")
