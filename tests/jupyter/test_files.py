"""``jupyter.files``: cp both ways through a real Jupyter server's contents API."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagedeck.errors import InvalidInput, NotFound, SagedeckError
from sagedeck.jupyter.files import (
    CHUNK,
    Remote,
    _failure,
    download,
    parse_spec,
    plan_copy,
    upload,
)
from sagedeck.jupyter.link import JupyterHttpError

from .token_server import TokenLink


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "sagedeck-part" in p.name)


async def test_a_20_mb_random_file_round_trips_byte_identical(
    link: TokenLink, root: Path, tmp_path: Path
) -> None:
    data = os.urandom(20 * 1024 * 1024 + 123)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    seen: list[tuple[int, int | None]] = []
    placed = await upload(link, source, Remote("nb", "big.bin"), lambda d, t: seen.append((d, t)))
    assert placed == Remote("nb", "big.bin")
    assert (root / "big.bin").read_bytes() == data
    assert seen[-1] == (len(data), len(data))
    assert len(seen) == 21  # one per 1 MiB chunk
    back = tmp_path / "back.bin"
    await download(link, Remote("nb", "big.bin"), back)
    assert back.read_bytes() == data
    assert leftovers(root) == []
    assert leftovers(tmp_path) == []


async def test_small_and_empty_files_and_into_a_directory(
    link: TokenLink, root: Path, tmp_path: Path
) -> None:
    (root / "data").mkdir(exist_ok=True)
    for name, data in (("small.txt", b"hello\n"), ("empty", b"")):
        (tmp_path / name).write_bytes(data)
        placed = await upload(link, tmp_path / name, Remote("nb", "data"))
        assert placed == Remote("nb", f"data/{name}")
        assert (root / "data" / name).read_bytes() == data
        local = tmp_path / "in"
        local.mkdir(exist_ok=True)
        assert await download(link, placed, local) == local / name
        assert (local / name).read_bytes() == data


async def test_an_existing_file_is_replaced_whole(
    link: TokenLink, root: Path, tmp_path: Path
) -> None:
    (root / "same.txt").write_text("old contents, longer than the new\n")
    (tmp_path / "same.txt").write_text("new\n")
    await upload(link, tmp_path / "same.txt", Remote("nb", "same.txt"))
    assert (root / "same.txt").read_text() == "new\n"
    assert leftovers(root) == []


async def test_errors_are_one_line_and_leave_nothing(
    link: TokenLink, root: Path, tmp_path: Path
) -> None:
    (root / "folder").mkdir(exist_ok=True)
    with pytest.raises(NotFound, match=r"nb:missing.txt: no such file"):
        await download(link, Remote("nb", "missing.txt"), tmp_path / "x")
    with pytest.raises(SagedeckError, match=r"nb:folder: is a directory"):
        await download(link, Remote("nb", "folder"), tmp_path / "x")
    with pytest.raises(NotFound, match="no such file"):
        await upload(link, tmp_path / "nothing-here", Remote("nb", "x"))
    with pytest.raises(SagedeckError, match="is a directory"):
        await upload(link, tmp_path, Remote("nb", "x"))
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotFound, match="nb:no/such/dir: no such directory"):
        await upload(link, tmp_path / "f", Remote("nb", "no/such/dir/f"))
    (root / "folder" / "a.txt").write_text("a")
    with pytest.raises(NotFound, match="no such file"):
        await download(link, Remote("nb", "folder/a.txt"), tmp_path / "no" / "dir" / "f")
    assert leftovers(root) == []
    assert leftovers(root / "folder") == []
    assert not (tmp_path / "x").exists()


@pytest.fixture
def small_disk(root: Path) -> Iterator[Path]:
    """A 1.5 MiB file system under the Jupyter root (needs mount rights: root)."""
    folder = root / "small-disk"
    folder.mkdir(exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small file system here (not root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, check=False)


async def test_a_full_disk_is_said_and_leaves_nothing(
    link: TokenLink, small_disk: Path, tmp_path: Path
) -> None:
    (tmp_path / "big").write_bytes(os.urandom(3 * CHUNK))
    with pytest.raises(SagedeckError) as raised:
        await upload(link, tmp_path / "big", Remote("nb", "small-disk/big"))
    # Jupyter's delete moves a file to a trash on the same disk: a full disk refuses it, so
    # the partial file stays, and the message names it; never the final name.
    (partial,) = leftovers(small_disk)
    assert str(raised.value).startswith("nb:small-disk/big: the instance's disk is full (")
    assert str(raised.value).endswith(
        f"the partial upload small-disk/{partial} is left (delete it once there is room)"
    )
    assert not (small_disk / "big").exists()


def test_specs() -> None:
    assert parse_spec("nb-1:data/x.csv") == Remote("nb-1", "data/x.csv")
    assert parse_spec("nb:/home/ec2-user/SageMaker/a/b") == Remote("nb", "a/b")
    assert parse_spec("nb:") == Remote("nb", "")
    assert parse_spec("./nb:x") == Path("./nb:x")
    assert parse_spec("local.txt") == Path("local.txt")
    with pytest.raises(InvalidInput, match="relative to the Jupyter root"):
        parse_spec("nb:/etc/passwd")
    with pytest.raises(InvalidInput, match=r"'\.\.'"):
        parse_spec("nb:../x")
    with pytest.raises(InvalidInput, match="one side"):
        plan_copy("a", "b")
    with pytest.raises(InvalidInput, match="one side"):
        plan_copy("nb:a", "nb:b")


def test_server_errors_in_cps_words() -> None:
    remote = Remote("nb", "x")
    denied = _failure(remote, JupyterHttpError("nb", 403, "Permission denied: x"))
    assert str(denied) == "nb:x: permission denied (Permission denied: x)"
    full = JupyterHttpError("nb", 500, "Unexpected error: [Errno 28] No space left on device")
    assert "disk is full" in str(_failure(remote, full))
