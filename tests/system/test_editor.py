"""$EDITOR as git runs it: the user's command (with its arguments), a private temporary file
deleted whatever happens, and one line when the editor fails or is missing."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest

from sagedeck.errors import SagedeckError
from sagedeck.system.editor import edit_text, editor_command


def write_editor(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "editor.sh"
    script.write_text(
        "#!/bin/bash\n"
        f'for last; do :; done; echo "$last" > {tmp_path}/path; echo "$*" > {tmp_path}/args\n'
        f'stat -c %a "$last" > {tmp_path}/mode\n' + body + "\n"
    )
    script.chmod(0o755)
    return script


@pytest.fixture(autouse=True)
def _no_user_editor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)


def test_visual_then_editor_then_vi(monkeypatch: pytest.MonkeyPatch) -> None:
    assert editor_command() == ["vi"]
    monkeypatch.setenv("EDITOR", "nano -w")
    assert editor_command() == ["nano", "-w"]
    monkeypatch.setenv("VISUAL", "code --wait")
    assert editor_command() == ["code", "--wait"]
    monkeypatch.setenv("VISUAL", "'unclosed")
    with pytest.raises(SagedeckError, match=r"\$VISUAL cannot be parsed"):
        editor_command()


def test_the_text_comes_back_as_saved_from_a_private_file_then_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = write_editor(tmp_path, 'for last; do :; done; sed -i "s/before/after/" "$last"')
    monkeypatch.setenv("EDITOR", f"{editor} --flag")
    entered: list[str] = []

    def hand_over() -> AbstractContextManager[None]:
        entered.append("terminal")
        return nullcontext()

    assert edit_text("text before\n", suffix=".sh", hand_over=hand_over) == "text after\n"
    assert entered == ["terminal"]
    path = Path((tmp_path / "path").read_text().strip())
    assert path.suffix == ".sh"
    assert not path.exists()
    assert (tmp_path / "mode").read_text().strip() == "600"
    assert (tmp_path / "args").read_text().startswith("--flag ")


def test_a_failing_editor_changes_nothing_and_the_file_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", str(write_editor(tmp_path, "exit 1")))
    with pytest.raises(SagedeckError, match="exited with status 1"):
        edit_text("secret-free text")
    assert not Path((tmp_path / "path").read_text().strip()).exists()


def test_a_missing_editor_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "/nonexistent/editor")
    with pytest.raises(
        SagedeckError, match=r"editor '/nonexistent/editor' not found: set \$EDITOR"
    ):
        edit_text("x")
