"""The log view draws only what is on screen: ``t`` and ``u`` with a full 50,000-event buffer
render the lines on screen, not the buffer; ``j``, ``w`` and a filter count lines again but
render only what is shown; the event at the top stays there; the counts are exact."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from rich.style import Style
from textual.app import App
from textual.pilot import Pilot

from sagedeck.aws.logs.limiter import forget_limiters
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.config import Settings
from sagedeck.localaws import LocalAws
from sagedeck.models import LogEvent
from sagedeck.text.logtext import (
    EventRenderer,
    TimeFormatter,
    TimeStyle,
    ViewOptions,
    message_lines,
    short_stream,
    wrap_lines,
)
from sagedeck.ui.screens.logs import LogScreen
from sagedeck.ui.widgets.log_view import LogView

REGION = "us-east-1"
FULL = 50_000  # the default buffer
BATCH = 10_000  # one FilterLogEvents page
LINES = FULL + 3 * (FULL // 100)  # one JSON object in 100, 4 lines pretty
LONG = " " + "x" * 150
TIME = re.compile(r"^\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ")
T0 = 1714564800000  # 2024-05-01T12:00:00Z


# --- line counts -------------------------------------------------------------------------------

MESSAGES = [
    "plain",
    "plain with the newline agents add\n",
    "windows newline\r\n",
    "",
    "\n",
    "two\nlines",
    "a\rcarriage return inside",
    "form\x0cfeed and \u2028 separator",
    "\ttabbed\tmessage " + "x" * 150,
    "y" * 400,
    '{"level": "INFO", "n": 7}',
    '  [1, 2, {"a": [3]}]\n',
    "[I 2024-05-01 12:00:00.000 ServerApp] not json]",
    "{not json}",
    "[]",
    "Traceback (most recent call last):\n  File x\nValueError: " + "z" * 90 + "\n",
    "ünïcödé " * 30,
]


def all_options() -> Iterator[ViewOptions]:
    for timestamps, stream, pretty, wrap in itertools.product(
        (True, False), (True, False), (True, False), (None, 20, 37, 80, 200)
    ):
        yield ViewOptions(
            timestamps=timestamps, show_stream=stream, pretty_json=pretty, wrap_width=wrap
        )


def reference(options: ViewOptions, event: LogEvent) -> list[str]:
    """The lines as the renderer made them before it had a fast path for one-line messages."""
    prefix = TimeFormatter(TimeStyle.VIEW)(event.timestamp) + " " if options.timestamps else ""
    if options.show_stream:
        prefix += short_stream(event.stream)[:8].ljust(8) + " "
    lines = message_lines(event.message, pretty_json=options.pretty_json)
    out = [prefix + lines[0], *(" " * len(prefix) + line for line in lines[1:])]
    return wrap_lines(out, options.wrap_width, len(prefix)) if options.wrap_width else out


def test_line_counts_are_exactly_the_rendered_lines() -> None:
    for options in all_options():
        renderer = EventRenderer(options)
        for message in MESSAGES:
            event = LogEvent(T0 + 123, "nb/LifecycleConfigOnStart", message, "1")
            lines = renderer.render(event)
            assert lines == reference(options, event), (options, message)
            assert renderer.line_count(event) == len(lines), (options, message)
            starts: list[int] = []
            end, _ = renderer.number_lines([event, event], starts, 10, 0)
            assert (starts, end) == ([10, 10 + len(lines)], 10 + 2 * len(lines))
            if not options.wrap_width and renderer.options.timestamps:
                widest = max(len(line.expandtabs()) for line in lines)
                assert renderer.prefix_width + renderer.width_hint(event) >= widest


def test_what_line_counts_depend_on() -> None:
    base = EventRenderer(ViewOptions())
    assert EventRenderer(ViewOptions(timestamps=False)).count_key == base.count_key
    assert EventRenderer(ViewOptions(local_time=True)).count_key == base.count_key
    assert EventRenderer(ViewOptions(pretty_json=False)).count_key != base.count_key
    wrapped = EventRenderer(ViewOptions(wrap_width=80))
    assert wrapped.count_key != base.count_key
    assert EventRenderer(ViewOptions(wrap_width=80, timestamps=False)).count_key != (
        wrapped.count_key
    )


# --- the screen with a full buffer -------------------------------------------------------------


class Host(App[None]):
    def __init__(self, screen: LogScreen) -> None:
        super().__init__()
        self.log_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.log_screen)


@pytest.fixture
async def services(aws: LocalAws) -> AsyncIterator[AwsServices]:
    forget_limiters()
    target = AwsTarget(None, (REGION,), aws.endpoint_url, False, StaticCredentials("demo", "demo"))
    async with AwsServices(target) as s:
        yield s


class Calls:
    """Counts EventRenderer.render and .line_count calls, whichever renderer makes them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.render = 0
        self.count = 0
        render, count = EventRenderer.render, EventRenderer.line_count

        def counted_render(renderer: EventRenderer, event: LogEvent) -> list[str]:
            self.render += 1
            return render(renderer, event)

        def counted_count(renderer: EventRenderer, event: LogEvent) -> int:
            self.count += 1
            return count(renderer, event)

        monkeypatch.setattr(EventRenderer, "render", counted_render)
        monkeypatch.setattr(EventRenderer, "line_count", counted_count)

    def reset(self) -> None:
        self.render = self.count = 0


def synthetic(start: int, count: int) -> list[LogEvent]:
    """jupyter.log lines, one in 100 a JSON object (4 lines pretty), one in 7 long enough to
    wrap."""
    return [
        LogEvent(
            T0 + i * 500,
            "nb/jupyter.log",
            f'{{"request": {i}, "ok": true}}\n'
            if i % 100 == 50
            else f"[I ServerApp] request {i} took {i % 10} ms{LONG if i % 7 == 3 else ''}\n",
            str(i),
        )
        for i in range(start, start + count)
    ]


async def wait_for(pilot: Pilot[None], predicate: Callable[[], bool], within: float = 20) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def full_view(pilot: Pilot[None], screen: LogScreen) -> LogView:
    """The screen with its buffer full of synthetic events, fed through ``ingest`` (the
    follower's path); the follower itself stopped, so that nothing else comes in."""
    view = screen.log_view
    await wait_for(pilot, lambda: view.line_count > 0)  # the tail came: the follower is idle
    screen.workers.cancel_group(screen, "logs-follow")
    screen.follower = None
    for start in range(0, FULL, BATCH):
        screen.ingest(synthetic(start, BATCH))
        await pilot.pause()
    assert len(view.events) == FULL
    assert view.line_count == LINES
    return view


def on_screen(view: LogView) -> list[str]:
    """The text of the rows the view shows now."""
    rows = range(view.scrollable_content_region.height)
    return ["".join(s.text for s in view.render_line(y)).rstrip() for y in rows]


def with_time(rows: list[str]) -> list[bool]:
    return [bool(TIME.match(row)) for row in rows if row.strip()]


@pytest.mark.timeout(120)
async def test_t_and_u_draw_only_the_lines_on_screen(
    aws: LocalAws, services: AwsServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    notebook = next(nb for nb in await services.sagemaker.list_region(REGION) if nb.name == "nb")
    screen = LogScreen(services, notebook, Settings())
    async with Host(screen).run_test(size=(140, 40)) as pilot:
        view = await full_view(pilot, screen)
        height = view.scrollable_content_region.height
        assert 20 < height < 40
        assert all(with_time(on_screen(view)))
        calls = Calls(monkeypatch)

        await pilot.press("t")  # timestamps off
        await pilot.pause()
        assert calls.count == 0  # same line counts: nothing counted again
        assert 0 < calls.render <= 2 * height  # the events on screen
        rows = on_screen(view)
        assert rows[-1].endswith("request 49999 took 9 ms")  # still at the end: following
        assert not any(with_time(rows))

        calls.reset()
        await pilot.press("t", "u")  # timestamps back, in local time
        await pilot.pause()
        assert calls.count == 0
        assert calls.render <= 2 * height
        rows = on_screen(view)
        assert all(with_time(rows))
        local = time.strftime("%H:%M:%S", time.localtime((T0 + 49_999 * 500) / 1000))
        assert rows[-1][6:14] == local
        assert view.lines[-1][6:14] == local


@pytest.mark.timeout(120)
async def test_json_wrap_and_filter_count_lines_but_render_only_what_is_shown(
    aws: LocalAws, services: AwsServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = next(nb for nb in await services.sagemaker.list_region(REGION) if nb.name == "nb")
    screen = LogScreen(services, notebook, Settings())
    async with Host(screen).run_test(size=(140, 40)) as pilot:
        view = await full_view(pilot, screen)
        height = view.scrollable_content_region.height
        await pilot.press("s")  # paused: the view must keep its place
        view.scroll_to(y=30_000, animate=False, immediate=True)
        await pilot.pause()
        top = view.top_event()
        assert top is not None
        calls = Calls(monkeypatch)
        json_events = FULL // 100

        await pilot.press("j")  # raw JSON: every JSON object one line again
        await pilot.pause()
        assert calls.render <= 2 * height  # the screen's events only
        assert view.line_count == FULL
        assert view.top_event() is top

        calls.reset()
        await pilot.press("w")  # wrap: the long messages take two lines
        await pilot.pause()
        assert calls.render <= 2 * height
        assert view.top_event() is top
        assert view.virtual_size.width <= view.scrollable_content_region.width
        assert view.line_count == sum(len(screen.renderer.render(e)) for e in view.events)
        assert view.line_count > FULL + FULL // 8  # about one in 7 (not the JSON ones)

        calls.reset()
        await pilot.press("t", "j")  # the prefix's width, pretty JSON: other counts
        await pilot.pause()
        assert calls.render <= json_events + 2 * height  # the JSON ones: parsed to count
        assert view.top_event() is top
        assert view.line_count == sum(len(screen.renderer.render(e)) for e in view.events)

        calls.reset()
        await pilot.press("f", *"took [0-4] ms", "enter")
        await pilot.pause()
        assert len(view.events) == FULL // 2 - json_events  # the JSON ones end in 0
        assert calls.render <= 2 * height
        kept = list(screen.events)
        after = kept[kept.index(top) :]  # top, or the first event after it the filter keeps
        assert view.top_event() is next(e for e in after if re.search("took [0-4] ms", e.message))
        heads = [row for row in on_screen(view) if row.strip() and not row.startswith(" ")]
        assert heads
        assert all("took" in row for row in heads)  # (wrapped continuations: indented)

        await pilot.press("s")  # following again: the view goes to the end
        await pilot.press("f", *["backspace"] * 20, "enter", "w", "t")
        await pilot.pause()
        assert view.is_vertical_scroll_end
        assert view.line_count == LINES
        assert on_screen(view)[-1].endswith("request 49999 took 9 ms")


@pytest.mark.timeout(120)
async def test_the_selected_match_survives_a_format_change(
    aws: LocalAws, services: AwsServices
) -> None:
    notebook = next(nb for nb in await services.sagemaker.list_region(REGION) if nb.name == "nb")
    screen = LogScreen(services, notebook, Settings())
    async with Host(screen).run_test(size=(140, 40)) as pilot:
        view = await full_view(pilot, screen)
        await pilot.press("slash", *"request 2000[0-9] ", "enter")
        assert screen.following is False
        assert view.current_match is not None
        assert "request 20009 " in view.lines[view.current_match]  # the last, going back
        assert "10/10 matches" in screen.search_info
        await pilot.press("N", "N")
        assert "request 20007 " in view.lines[view.current_match]
        await pilot.press("j")  # the JSON objects above it now take one line
        current = view.current_match
        assert current is not None
        assert "request 20007 " in view.lines[current]
        await pilot.press("n")
        assert view.current_match is not None
        assert "request 20008 " in view.lines[view.current_match]
        assert "9/10 matches" in screen.search_info
        await pilot.pause()
        row = view.current_match - view.scroll_offset.y
        assert 0 <= row < view.scrollable_content_region.height  # on screen, highlighted
        strip = view.render_line(row)
        selected = Style(bgcolor="dark_orange").bgcolor
        styled = [seg for seg in strip if seg.style is not None and seg.style.bgcolor == selected]
        assert "".join(seg.text for seg in styled) == "request 20008 "


def test_the_log_view_keeps_the_constructor_the_screen_uses() -> None:
    view = LogView(1000, EventRenderer(ViewOptions()), id="log")
    assert view.max_events == 1000
    assert view.line_count == 0
    assert list(view.lines) == []
