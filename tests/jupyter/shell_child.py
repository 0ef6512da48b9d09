"""``jupyter.shell.run_shell`` on this process's terminal, linked to a token jupyter_server:
run by the pseudo-terminal tests as ``python shell_child.py URL TOKEN``. It prints the
outcome's summary on its last line."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp

from sagedeck.jupyter.shell import run_shell

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from jupyter.token_server import TokenLink, TokenServer


async def main(url: str, token: str) -> int:
    server = TokenServer(url, token, Path("."), None)  # type: ignore[arg-type]
    async with aiohttp.ClientSession() as http:
        outcome = await run_shell(TokenLink(server, http, "nb-pty"))
    print(f"outcome: {outcome.summary}", flush=True)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
