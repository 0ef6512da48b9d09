"""``cp`` through Jupyter's contents API: one file, either way, never half-written.

Upload: the file goes up in base64 chunks of 1 MiB (``"chunk": 1, 2, …, -1``, as JupyterLab
uploads large files) under a temporary name beside the target, then is renamed (``PATCH``) to
the final name; an existing file of that name is deleted first (Jupyter moves it to the trash
when it can). A failure deletes the temporary file. Jupyter refuses hidden names (a leading
dot) by default, so the temporary name is visible while it is written.

Download: ``GET /files/<path>`` streamed to a temporary file beside the target, renamed when
complete; a failure removes it.

Remote paths are relative to the Jupyter root (``/home/ec2-user/SageMaker`` on an instance);
an absolute path under that root is accepted too.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import os
import posixpath
import re
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import aiohttp

from sagedeck.errors import InvalidInput, NotFound, SagedeckError
from sagedeck.jupyter.link import JupyterHttpError, JupyterLink

CHUNK = 1024 * 1024  # JupyterLab's chunk size
JUPYTER_ROOT = "/home/ec2-user/SageMaker"
_REMOTE = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9-]{0,62})):(.*)$", re.DOTALL)

Progress = Callable[[int, int | None], None]  # bytes done, total when known


@dataclass(frozen=True, slots=True)
class Remote:
    """``NAME:path``: a path on a notebook instance, relative to its Jupyter root."""

    instance: str
    path: str  # "" for the root itself

    def __str__(self) -> str:
        return f"{self.instance}:{self.path}"


def parse_spec(spec: str) -> Remote | Path:
    """``NAME:path`` is remote (a notebook instance's name: letters, digits, hyphens); any
    other argument, or one with a ``/`` before its colon, is a local path."""
    found = _REMOTE.match(spec)
    if not found:
        return Path(spec)
    return Remote(found.group(1), remote_path(found.group(2), spec))


def remote_path(path: str, spec: str) -> str:
    if path.startswith("/"):
        root = JUPYTER_ROOT + "/"
        if path != JUPYTER_ROOT and not path.startswith(root):
            raise InvalidInput(
                f"{spec}: remote paths are relative to the Jupyter root {JUPYTER_ROOT}"
            )
        path = path[len(JUPYTER_ROOT) :]
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InvalidInput(f"{spec}: '..' is not allowed in a remote path")
    return "/".join(parts)


def plan_copy(source: str, destination: str) -> tuple[Remote | Path, Remote | Path]:
    """The two sides, exactly one of them remote."""
    src, dst = parse_spec(source), parse_spec(destination)
    if isinstance(src, Remote) == isinstance(dst, Remote):
        raise InvalidInput(
            "cp copies between this machine and one instance: name the instance on one side,"
            " as NAME:path"
        )
    return src, dst


def _failure(remote: Remote, err: JupyterHttpError) -> SagedeckError:
    """A contents API error, in the words of cp."""
    reason = err.reason
    if err.status == 404:
        return NotFound(f"{remote}: no such file or directory")
    if err.status == 403:
        return SagedeckError(f"{remote}: permission denied ({reason})")
    if "No space left" in reason or "ENOSPC" in reason or "[Errno 28]" in reason:
        return SagedeckError(f"{remote}: the instance's disk is full ({reason})")
    return SagedeckError(f"{remote}: {reason} (HTTP {err.status})")


def _local_failure(path: Path, err: OSError) -> SagedeckError:
    if err.errno == errno.ENOSPC:
        return SagedeckError(f"{path}: no space left on this machine's disk")
    if err.errno in (errno.EACCES, errno.EPERM):
        return SagedeckError(f"{path}: permission denied")
    if err.errno == errno.ENOENT:
        return NotFound(f"{path}: no such file or directory")
    if err.errno == errno.EISDIR:
        return SagedeckError(f"{path}: is a directory (cp copies one file)")
    return SagedeckError(f"{path}: {err.strerror or err}")


def _open_source(source: Path) -> BinaryIO:
    try:
        if source.is_dir():
            raise SagedeckError(f"{source}: is a directory (cp copies one file)")
        return source.open("rb")
    except OSError as err:
        raise _local_failure(source, err) from None


def _local_target(dest: Path, name: str) -> Path:
    return dest / name if dest.is_dir() else dest


def _temp_beside(dest: Path) -> tuple[int, str]:
    """A new file in the target's folder (so the rename is atomic), hidden by its name."""
    try:
        fd, temp = tempfile.mkstemp(
            prefix=f".{dest.name}.", suffix=".sagedeck-part", dir=dest.parent
        )
    except OSError as err:
        raise _local_failure(dest.parent, err) from None
    with contextlib.suppress(OSError):  # mkstemp's 0600 is not what cp would make
        os.fchmod(fd, _new_file_mode(dest))
    return fd, temp


def _new_file_mode(dest: Path) -> int:
    """The mode the file had, or the one a new file gets (0666 less the umask)."""
    try:
        return dest.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


async def _model(link: JupyterLink, remote: Remote) -> dict[str, Any] | None:
    """The contents model without content; None when nothing is at that path."""
    try:
        model = await link.call("GET", f"/api/contents/{remote.path}", params={"content": "0"})
    except JupyterHttpError as err:
        if err.status == 404:
            return None
        raise _failure(remote, err) from None
    return model if isinstance(model, dict) else None


async def upload(
    link: JupyterLink, source: Path, dest: Remote, progress: Progress | None = None
) -> Remote:
    """``source`` to ``dest`` (into it when it is a directory); the file's final place."""
    with _open_source(source) as handle:
        size = os.fstat(handle.fileno()).st_size
        existing = await _model(link, dest)
        if existing is not None and existing.get("type") == "directory":
            dest = Remote(dest.instance, posixpath.join(dest.path, source.name).lstrip("/"))
            existing = await _model(link, dest)
        if not dest.path:
            raise InvalidInput(f"{dest}: name a file or directory under the Jupyter root")
        if existing is not None and existing.get("type") == "directory":
            raise SagedeckError(f"{dest}: is a directory")
        folder, name = posixpath.split(dest.path)
        if folder and await _model(link, Remote(dest.instance, folder)) is None:
            raise NotFound(f"{dest.instance}:{folder}: no such directory")
        partial = Remote(
            dest.instance, posixpath.join(folder, f"{name}.{secrets.token_hex(4)}.sagedeck-part")
        )
        try:
            await _send_chunks(link, handle, partial, size, progress)
            if existing is not None:
                await link.call("DELETE", f"/api/contents/{dest.path}")
            await link.call("PATCH", f"/api/contents/{partial.path}", json={"path": dest.path})
        except JupyterHttpError as err:
            failure = _failure(dest, err)
            if not await asyncio.shield(_forget(link, partial)):
                failure = SagedeckError(
                    f"{failure}; the partial upload {partial.path} is left (delete it once"
                    " there is room)"
                )
            raise failure from None
        except BaseException:
            await asyncio.shield(_forget(link, partial))
            raise
    return dest


async def _send_chunks(
    link: JupyterLink, handle: BinaryIO, partial: Remote, size: int, progress: Progress | None
) -> None:
    name = posixpath.basename(partial.path)
    body: dict[str, Any] = {"type": "file", "format": "base64", "name": name}
    sent, number = 0, 0
    while True:
        data = handle.read(CHUNK)
        number += 1
        last = sent + len(data) >= size
        if number == 1 and last:  # one request, as JupyterLab sends a small file
            chunk: dict[str, Any] = {}
        else:
            chunk = {"chunk": -1 if last else number}
        content = base64.b64encode(data).decode("ascii")
        await link.call(
            "PUT", f"/api/contents/{partial.path}", json={**body, **chunk, "content": content}
        )
        sent += len(data)
        if progress is not None:
            progress(sent, size)
        if last:
            return


async def _forget(link: JupyterLink, partial: Remote) -> bool:
    """Delete a partial upload; False when it could not be (Jupyter moves a deleted file to
    its trash, which a full disk refuses)."""
    try:
        await link.call("DELETE", f"/api/contents/{partial.path}")
    except JupyterHttpError as err:
        return err.status == 404
    except (SagedeckError, aiohttp.ClientError, OSError):
        return False
    return True


async def download(
    link: JupyterLink, source: Remote, dest: Path, progress: Progress | None = None
) -> Path:
    """``source`` to ``dest`` (into it when it is a directory); the file's final place."""
    model = await _model(link, source)
    if model is None:
        raise NotFound(f"{source}: no such file or directory")
    if model.get("type") == "directory":
        raise SagedeckError(f"{source}: is a directory (cp copies one file)")
    dest = _local_target(dest, posixpath.basename(source.path))
    size = model.get("size") if isinstance(model.get("size"), int) else None
    fd, temp = _temp_beside(dest)
    try:
        with os.fdopen(fd, "wb") as out:
            await _receive(link, source, out, size, progress, dest)
        os.replace(temp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return dest


async def _receive(
    link: JupyterLink,
    source: Remote,
    out: BinaryIO,
    size: int | None,
    progress: Progress | None,
    dest: Path,
) -> None:
    done = 0
    try:
        async with link.download(f"/files/{source.path}") as answer:
            total = size if size is not None else answer.content_length
            async for data in answer.content.iter_chunked(256 * 1024):
                try:
                    out.write(data)
                except OSError as err:
                    raise _local_failure(dest, err) from None
                done += len(data)
                if progress is not None:
                    progress(done, total)
    except JupyterHttpError as err:
        raise _failure(source, err) from None
    except (aiohttp.ClientError, ConnectionError):
        raise SagedeckError(f"{source}: the download was cut off after {done} bytes") from None
    if size is not None and done != size:
        raise SagedeckError(f"{source}: got {done} bytes of {size}; the file changed meanwhile?")
