"""The log view's keys, each with an id (rebind them in the config's ``[keys]``).

k9s's log keys where k9s has one: ``0`` tail, ``1``-``6`` time windows, ``t`` timestamps,
``w`` wrap, ``s`` autoscroll, ``ctrl+s`` save; ``/`` searches as in ``less``, ``f`` filters.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding, BindingType

from sagedeck.aws.logs.timewindow import describe_window
from sagedeck.ui.keys import CATEGORIES

_WINDOW = Binding.Group("Window", compact=True)

KEYS_HELP = """\
**Log view keys**

- `s` follow / pause (new lines wait while paused), `end` or `G` jump to the end and follow
- `/` search (regex, highlighted), `n` / `N` next / previous match
- `f` filter lines by regex; `!regex` keeps the lines that do not match
- `v` streams: all, lifecycle scripts, jupyter.log
- `t` timestamps on/off, `u` UTC or local time, `w` wrap, `j` JSON pretty or raw
- `0` tail (the last 1,000 lines, then follow); `1`-`6` the last 1, 5, 10, 15, 30, 60 minutes
- `ctrl+s` save the shown lines to a file (tokens and keys redacted)
- `y` copy the JupyterLab URL once InService (valid for 5 minutes)
- `esc` closes the search, then goes back
"""

# What ``?`` says under the keys (the dashboard's notes would be wrong here: j is JSON).
LOG_HINTS = (
    Text.assemble(
        ("Move ", "bold"),
        "↑ ↓, pgup pgdn, g top, G end (and follow again).",
    ),
    Text.assemble(
        ("Search ", "bold"),
        "/ then a regex, highlighted; n / N next / previous match; esc closes the search, "
        "then goes back.\n",
        ("Filter ", "bold"),
        "f then a regex keeps the matching lines; ",
        ("!", "bold"),
        " first keeps the lines that don't match.",
    ),
)

LOG_BINDINGS: list[BindingType] = [
    Binding("escape,q", "back", "Back", id="logs.back"),
    Binding("s", "toggle_follow", "Follow/Pause", id="logs.follow"),
    Binding("end,G", "jump_end", "End", id="logs.end"),
    Binding("home,g", "jump_top", "Top", show=False, id="logs.top"),
    Binding("slash", "open_query('search')", "Search", id="logs.search"),
    Binding("n", "find(True)", "Next", id="logs.next"),
    Binding("N", "find(False)", "Prev", id="logs.prev"),
    Binding("f", "open_query('filter')", "Filter", id="logs.filter"),
    Binding("v", "cycle_streams", "Streams", id="logs.streams"),
    Binding("t", "toggle_option('timestamps')", "Times", id="logs.timestamps"),
    Binding("u", "toggle_option('local_time')", "UTC/Local", id="logs.local_time"),
    Binding("w", "toggle_option('wrap')", "Wrap", id="logs.wrap"),
    Binding("j", "toggle_option('pretty_json')", "JSON", show=False, id="logs.json"),
    Binding("ctrl+s", "save", "Save", id="logs.save"),
    Binding("y", "copy_url", "Copy URL", id="logs.copy_url"),
    Binding("0", "window('0')", "Tail", group=_WINDOW, id="logs.window.tail"),
    *(
        Binding(k, f"window('{k}')", describe_window(k), group=_WINDOW, id=f"logs.window.{k}")
        for k in "123456"
    ),
]

# The help screen (``?``) lists a screen's keys by category.
CATEGORIES.update(
    {
        f"logs.{name}": category
        for category, names in (
            ("Logs", ("follow", "end", "top", "search", "next", "prev", "filter", "save")),
            ("Logs", ("copy_url", "back")),
            ("View", ("streams", "timestamps", "local_time", "wrap", "json")),
            ("Window", ("window.tail", *(f"window.{k}" for k in "123456"))),
        )
        for name in names
    }
)
