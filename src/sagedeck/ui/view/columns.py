"""The instance table's columns, each defined once: its header, its fixed width, what its cell
shows, how it sorts and what the filter searches in it. The table, the sort, the filter and the
platform look-ups all read ``COLUMNS``: a new column is one entry here.

Cells are plain data (``Cell``: text, a Rich style name, whether to end a cut text with "…");
the table turns them into styled text, so this layer stays free of Textual and Rich.
``COLUMNS`` is read when used (not bound at import), so a test can add a column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sagedeck.models import JupyterActivity, NotebookStatus, NotebookSummary
from sagedeck.text.format import age, cost_since, hourly, idle_text, money

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STATUS_STYLE: dict[NotebookStatus, str] = {
    NotebookStatus.IN_SERVICE: "bold green",
    NotebookStatus.PENDING: "bold yellow",
    NotebookStatus.STOPPING: "yellow",
    NotebookStatus.STOPPED: "dim",
    NotebookStatus.FAILED: "bold red",
    NotebookStatus.DELETING: "magenta",
    NotebookStatus.UPDATING: "cyan",
}
STEADY_MARKER: dict[NotebookStatus, str] = {
    NotebookStatus.IN_SERVICE: "●",
    NotebookStatus.STOPPED: "○",
    NotebookStatus.FAILED: "✖",
}
# The order "sort by status" uses: what needs attention first.
STATUS_ORDER: dict[NotebookStatus, int] = {
    status: index
    for index, status in enumerate(
        (
            NotebookStatus.FAILED,
            NotebookStatus.PENDING,
            NotebookStatus.UPDATING,
            NotebookStatus.STOPPING,
            NotebookStatus.DELETING,
            NotebookStatus.IN_SERVICE,
            NotebookStatus.STOPPED,
        )
    )
}
UNKNOWN_LAST = "\uffff"  # sorts after any text: a value not known (yet) goes to the end


# Cell and Row are made for every cell of every changed row (all of them at first paint):
# named tuples, made ~2x faster than frozen dataclasses.


class Cell(NamedTuple):
    """One cell as the table shows it. ``style`` is a Rich style name; ``ellipsis`` ends a
    text too long for the column with "…" (else it is cut)."""

    text: str
    style: str = ""
    ellipsis: bool = False


class Row(NamedTuple):
    """What a row's cells are made of. ``platform`` is None until described, "" when the
    describe failed; ``frame`` is the spinner's frame. A shown row is made again only when its
    listing, platform or mark changes, when its age (as ``age()`` says it) does, and at each
    frame while in transition: a cell may show nothing else of ``now`` and ``frame``."""

    notebook: NotebookSummary
    platform: str | None
    marked: bool
    now: datetime
    frame: int
    # The instance's Jupyter activity (ui/view/activity.py): None until read, the one-line
    # error when it could not be.
    activity: JupyterActivity | str | None = None
    price: float | None = None  # per hour; None: not known (yet, or at all)
    priced: bool = False  # the price is settled: known, or known not to be had


# A row's sort key, or the text the filter searches in it, from its listing and its platform
# (None while not described).
RowKey = Callable[[NotebookSummary, str | None], Any]
RowText = Callable[[NotebookSummary, str | None], str]
# A row's sort key from its listing, its price per hour (None: not known) and now, for the
# columns made of the price (PRICE, RUN COST); None: no value, the row sorts last either way.
PricedKey = Callable[[NotebookSummary, float | None, datetime], float | None]


@dataclass(frozen=True, slots=True)
class Column:
    """One column. ``sort`` gives a row's key (ties fall back to name, then region); None:
    not sortable. ``search`` gives the text the filter matches, as the cell shows it; None:
    not searched. ``described``: the value comes from DescribeNotebookInstance, which the
    listing lacks, so it is asked for only where the screen needs it (platforms.py).
    ``animated``: the cell shows the spinner, redrawn at each frame while in transition.
    ``many_profiles``: shown only when several profiles are listed (PROFILE, ACCOUNT).
    ``priced``: the sort key of a column made of the row's price (instead of ``sort``): rows
    without one (not priced yet, no price, the API unavailable) come last in either order."""

    key: str
    header: str
    width: int
    cell: Callable[[Row], Cell]
    sort: RowKey | None = None
    search: RowText | None = None
    described: bool = False
    animated: bool = False
    many_profiles: bool = False
    priced: PricedKey | None = None

    @property
    def sortable(self) -> bool:
        return self.sort is not None or self.priced is not None


def shown_platform(platform: str) -> str:
    """A platform as the PLATFORM column shows it: ``al2-v2`` for ``notebook-al2-v2``."""
    return platform.removeprefix("notebook-")


def _mark_cell(row: Row) -> Cell:
    return Cell("✔", "bold magenta") if row.marked else Cell(" ")


def _status_cell(row: Row) -> Cell:
    status = row.notebook.status
    if status.is_transitional:
        marker = SPINNER[row.frame % len(SPINNER)]
    else:
        marker = STEADY_MARKER.get(status) or "•"
    return Cell(f"{marker} {status.value}", STATUS_STYLE.get(status, ""))


def _lifecycle_cell(row: Row) -> Cell:
    config = row.notebook.lifecycle_config
    return Cell(config, ellipsis=True) if config else Cell("-", "dim")


def _platform_cell(row: Row) -> Cell:
    if row.platform is None:
        return Cell("…", "dim")  # not described yet
    if not row.platform:
        return Cell("-", "dim")  # not readable
    return Cell(shown_platform(row.platform))


def idle_shown(
    notebook: NotebookSummary, activity: JupyterActivity | str | None, now: datetime
) -> str:
    """The IDLE cell's text: only InService instances have a Jupyter server to ask."""
    if notebook.status is not NotebookStatus.IN_SERVICE:
        return ""
    if activity is None:
        return "…"
    if isinstance(activity, str):
        return "-"
    # As it was when read (the server's clock, not the app's): it is read again within minutes.
    return idle_text(activity.idle_seconds(), activity.busy)


def _idle_cell(row: Row) -> Cell:
    shown = idle_shown(row.notebook, row.activity, row.now)
    return Cell(shown, "dim" if shown in ("…", "-") else "")


def _price_cell(row: Row) -> Cell:
    if row.price is not None:
        return Cell(hourly(row.price))
    return Cell("?" if row.priced else "…", "dim")


def _dearest_first(_notebook: NotebookSummary, price: float | None, _now: datetime) -> float | None:
    return None if price is None else -price


def _run_cost(notebook: NotebookSummary, price: float | None, now: datetime) -> float | None:
    """What the RUN COST cell shows, the most first; None when it shows none."""
    if price is None or notebook.status is not NotebookStatus.IN_SERVICE:
        return None
    return -cost_since(price, notebook.last_modified, now)


def _cost_cell(row: Row) -> Cell:
    """What an InService instance has cost since it last started (costs.py says how)."""
    notebook = row.notebook
    if notebook.status is not NotebookStatus.IN_SERVICE:
        return Cell("")
    if row.price is None:
        return Cell("?" if row.priced else "…", "dim")
    return Cell(money(cost_since(row.price, notebook.last_modified, row.now)))


COLUMNS: tuple[Column, ...] = (
    Column("mark", "", 1, _mark_cell),
    Column(
        "name",
        "NAME",
        30,
        lambda row: Cell(row.notebook.name, "bold" if row.marked else "", ellipsis=True),
        sort=lambda notebook, _platform: notebook.name.lower(),
        search=lambda notebook, _platform: notebook.name,
    ),
    Column(
        "status",
        "STATUS",
        12,
        _status_cell,
        sort=lambda notebook, _platform: STATUS_ORDER.get(notebook.status, 99),
        search=lambda notebook, _platform: notebook.status.value,
        animated=True,
    ),
    Column(
        "age",
        "IN STATE",
        10,
        lambda row: Cell(age(row.notebook.last_modified, row.now)),
        # Most recently changed first.
        sort=lambda notebook, _platform: -notebook.last_modified.timestamp(),
    ),
    Column(
        "type",
        "TYPE",
        16,
        lambda row: Cell(row.notebook.instance_type),
        sort=lambda notebook, _platform: notebook.instance_type,
        search=lambda notebook, _platform: notebook.instance_type,
    ),
    # Dearest first; the rows without a price (or, for RUN COST, not running) last either way.
    Column("price", "PRICE", 9, _price_cell, priced=_dearest_first),
    Column("cost", "RUN COST", 9, _cost_cell, priced=_run_cost),
    Column(
        "region",
        "REGION",
        14,
        lambda row: Cell(row.notebook.region),
        sort=lambda notebook, _platform: notebook.region,
        search=lambda notebook, _platform: notebook.region,
    ),
    Column(
        "lifecycle",
        "LIFECYCLE",
        18,
        _lifecycle_cell,
        sort=lambda notebook, _platform: notebook.lifecycle_config or UNKNOWN_LAST,
        search=lambda notebook, _platform: notebook.lifecycle_config or "",
    ),
    Column(
        "platform",
        "PLATFORM",
        10,
        _platform_cell,
        sort=lambda _notebook, platform: platform or UNKNOWN_LAST,
        # Empty while unknown, as when unreadable.
        search=lambda _notebook, platform: shown_platform(platform or ""),
        described=True,
    ),
    # Read from each InService instance's Jupyter server, only for rows on screen (activity.py).
    Column("idle", "IDLE", 12, _idle_cell),
    Column(
        "profile",
        "PROFILE",
        14,
        lambda row: Cell(row.notebook.profile or "", ellipsis=True),
        sort=lambda notebook, _platform: notebook.profile or "",
        search=lambda notebook, _platform: notebook.profile or "",
        many_profiles=True,
    ),
    Column(
        "account",
        "ACCOUNT",
        12,
        lambda row: Cell(row.notebook.account, "dim"),
        sort=lambda notebook, _platform: notebook.account,
        search=lambda notebook, _platform: notebook.account,
        many_profiles=True,
    ),
)


def shown_columns(many_profiles: bool) -> tuple[Column, ...]:
    """The table's columns: PROFILE and ACCOUNT only when several profiles are listed."""
    return tuple(column for column in COLUMNS if many_profiles or not column.many_profiles)


def column_by_key(key: str) -> Column:
    """The column ``key``; KeyError if there is none."""
    for column in COLUMNS:
        if column.key == key:
            return column
    raise KeyError(key)


def is_sortable(key: str) -> bool:
    return any(column.key == key and column.sortable for column in COLUMNS)


def sort_column(key: str) -> Column:
    """The sortable column ``key``; ValueError if there is none."""
    if not is_sortable(key):
        raise ValueError(f"no sortable column {key!r}")
    return column_by_key(key)


def searches(*, described: bool = True, many_profiles: bool = False) -> tuple[RowText, ...]:
    """What the filter searches, in the columns' order: each column's text as shown (so
    ``^nb$`` finds the name nb, ``^al2`` the al2 platforms). Without ``described``, only the
    columns the listing alone fills; without ``many_profiles``, not PROFILE and ACCOUNT."""
    return tuple(
        column.search
        for column in shown_columns(many_profiles)
        if column.search is not None and (described or not column.described)
    )
