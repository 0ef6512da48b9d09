"""``jupyter.exec``: a command in a real Jupyter terminal, its output without the echo or the
markers, its exit status, a time limit, standard input, and no terminal left behind."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from sagedeck.errors import InvalidInput
from sagedeck.jupyter.exec import TIMED_OUT, _Markers, command_line, run_command
from sagedeck.jupyter.terminal import TerminalLost

from .token_server import TokenLink, TokenServer


async def run(link: TokenLink, *argv: str, **kwargs: object) -> tuple[int, str]:
    out: list[str] = []
    status = await run_command(link, argv, out.append, **kwargs)  # type: ignore[arg-type]
    return status, "".join(out)


async def terminals(link: TokenLink) -> list[object]:
    listed = await link.call("GET", "/api/terminals")
    assert isinstance(listed, list)
    return listed


@pytest.mark.parametrize("status", [0, 1, 3])
async def test_the_exit_status_is_the_commands(link: TokenLink, status: int) -> None:
    code, output = await run(link, "bash", "-c", f"echo out-$((40+2)); exit {status}")
    assert (code, output) == (status, "out-42\n")
    assert await terminals(link) == []


async def test_a_killed_command_reads_like_a_shell(link: TokenLink) -> None:
    code, _ = await run(link, "sh", "-c", "kill -KILL $$")
    assert code == 128 + 9
    assert await terminals(link) == []


async def test_words_are_quoted_not_interpreted(link: TokenLink) -> None:
    code, output = await run(link, "printf", "[%s]\\n", "a b", "$HOME", "; exit 7", "it's")
    assert code == 0
    assert output == "[a b]\n[$HOME]\n[; exit 7]\n[it's]\n"


async def test_output_without_a_final_newline_and_lots_of_it(link: TokenLink) -> None:
    code, output = await run(link, "bash", "-c", "seq 1 20000; printf tail")
    assert code == 0
    assert output == "".join(f"{n}\n" for n in range(1, 20001)) + "tail"


async def test_a_time_limit_ends_it_with_124_and_deletes_the_terminal(link: TokenLink) -> None:
    # The limit counts from before the terminal is opened: on a loaded machine opening it and
    # starting bash can take more than 1.5 s, leaving no "begun" to read.
    code, output = await run(link, "bash", "-c", "echo begun; sleep 30", time_limit=5)
    assert code == TIMED_OUT
    assert output == "begun\n"
    assert await terminals(link) == []


async def test_stdin_is_passed_through_then_ends(link: TokenLink) -> None:
    async def piped() -> AsyncIterator[bytes]:
        yield b"one\ntw"
        yield b"o \x03 \x04 ctrl\n"
        yield "thr\u00e9e".encode()[:-1]  # a character split between two reads
        yield "thr\u00e9e".encode()[-1:]

    code, output = await run(link, "cat", stdin=piped())
    assert code == 0
    assert output == "one\ntwo \x03 \x04 ctrl\nthr\u00e9e"


async def test_empty_stdin_is_an_immediate_end(link: TokenLink) -> None:
    async def nothing() -> AsyncIterator[bytes]:
        return
        yield b""

    code, output = await run(link, "wc", "-l", stdin=nothing())
    assert (code, output.strip()) == (0, "0")


def test_no_command_is_bad_input() -> None:
    with pytest.raises(InvalidInput):
        command_line([], "00")


def test_the_echoed_line_never_holds_a_marker() -> None:
    line = command_line(["true"], "abcd")
    markers = _Markers("abcd")
    assert markers.feed(line + "\r\n") == ("", None)
    assert markers.feed("\x1eabcdS\x1eout\x1eab") == ("out", None)
    assert markers.feed("cdE:5\x1e") == ("", 5)


def test_a_lone_delimiter_in_the_output_is_passed_on() -> None:
    markers = _Markers("abcd")
    markers.feed("\x1eabcdS\x1e")
    assert markers.feed("a\x1ez") == ("a\x1ez", None)


async def test_without_stdin_a_reading_command_gets_its_end_at_once(link: TokenLink) -> None:
    code, output = await run(link, "bash", "-c", "cat; echo done-$?")
    assert (code, output) == (0, "done-0\n")


async def test_a_server_gone_mid_command_is_one_line(own_server: TokenServer) -> None:
    def out(text: str) -> None:
        if "started" in text:
            own_server.process.kill()

    async with aiohttp.ClientSession() as http:
        link = TokenLink(own_server, http, "nb-gone")
        with pytest.raises(TerminalLost) as lost:
            await run_command(link, ["bash", "-c", "echo started; sleep 30"], out)
    assert str(lost.value) == "nb-gone: the connection to the Jupyter terminal was lost"
