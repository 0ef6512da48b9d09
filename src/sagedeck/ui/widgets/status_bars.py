"""The lines around the table: where sagedeck points, the fleet's summary, the URL countdown.
Names (a profile, a region, an instance) and AWS's error messages are shown sanitised, as
``Text``: never markup, never a raw escape byte."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from rich.text import Text
from textual.widgets import Static

from sagedeck.models import NotebookStatus, PresignedUrl
from sagedeck.text.format import hourly
from sagedeck.text.sanitize import sanitize_line
from sagedeck.ui.view.columns import STATUS_STYLE, STEADY_MARKER
from sagedeck.ui.view.costs import running_cost
from sagedeck.ui.view.fleet import Fleet

SEPARATOR = ("  │  ", "dim")
EXPIRY_GROUP = "clipboard-expiry"  # the workers that clear expired URLs from the clipboard


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")


class TitleBar(Static):
    """sagedeck, the profile, the regions and the modes (demo, read-only)."""

    DEFAULT_CSS = """
    TitleBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def show(
        self,
        profile: str | None,
        regions: tuple[str, ...],
        demo: bool,
        read_only: bool,
        profiles: tuple[str | None, ...] = (),
    ) -> None:
        names = [name or "default" for name in profiles] if len(profiles) > 1 else []
        parts: list[tuple[str, str] | str] = [("sagedeck", "bold"), SEPARATOR]
        if read_only:  # first: it explains the keys that are not there, even at 80 columns
            parts += [("READ-ONLY", "bold reverse yellow"), SEPARATOR]
        parts += [
            ("profiles " if names else "profile ", "dim"),
            (
                sanitize_line(", ".join(names) if len(names) <= 4 else f"{len(names)} profiles")
                if names
                else sanitize_line(profile or "default")
            ),
            SEPARATOR,
            ("regions ", "dim"),
            sanitize_line(", ".join(regions)) if len(regions) <= 4 else f"{len(regions)} regions",
        ]
        if demo:
            parts += [SEPARATOR, ("DEMO: embedded AWS", "bold cyan")]
        self.update(Text.assemble(*parts, no_wrap=True, overflow="ellipsis"))


class SummaryBar(Static):
    """Counts by status, instances running, rows per region, last refresh and what failed."""

    DEFAULT_CSS = """
    SummaryBar {
        height: auto; max-height: 5; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    _shown_text: Text | None = None

    def show(
        self,
        fleet: Fleet,
        *,
        shown: int,
        marked: int,
        interval: float,
        problem: str | None = None,
        waiting: int | None = None,
        only: str | None = None,
    ) -> None:
        """``waiting``: seconds the refresh in flight has waited for AWS, once it is long;
        ``only``: what a quick filter keeps (the forgotten instances)."""
        counts = fleet.counts()
        parts: list[tuple[str, str] | str] = [(f"{len(fleet)} instances", "bold")]
        if shown != len(fleet):
            parts.append((f" ({shown} shown)", "bold"))
        for status in NotebookStatus:
            if counts.get(status):
                marker = STEADY_MARKER.get(status, "◌")
                style = STATUS_STYLE.get(status, "")
                parts += ["  ", (f"{marker} {counts[status]} {status.value}", style)]
        running = counts.get(NotebookStatus.IN_SERVICE, 0)
        parts += [SEPARATOR, (f"{running} running", "bold green" if running else "dim")]
        parts += _running_cost(fleet)
        if only:
            parts += [SEPARATOR, (only, "bold yellow")]
        per_region = {region: 0 for region in fleet.regions}
        for notebook in fleet.notebooks.values():
            per_region[notebook.region] = per_region.get(notebook.region, 0) + 1
        parts += [SEPARATOR, sanitize_line("  ".join(f"{r} {n}" for r, n in per_region.items()))]
        if fleet.many_profiles:
            per_profile = Counter(notebook.profile for notebook in fleet.notebooks.values())
            counted = "  ".join(f"{p or 'default'} {per_profile[p]}" for p in fleet.profiles)
            parts += [SEPARATOR, sanitize_line(counted)]
        if marked:
            parts += [SEPARATOR, (f"{marked} marked", "bold magenta")]
        if fleet.refreshed_at is not None:
            parts += [SEPARATOR, ("refreshed ", "dim"), local_time(fleet.refreshed_at)]
            parts.append((f" · every {interval:g}s", "dim"))
        else:
            parts += [SEPARATOR, ("loading…", "italic")]
        if waiting is not None:
            parts += [SEPARATOR, (f"waiting for AWS ({waiting} s)", "bold yellow")]
        text = Text.assemble(*parts, no_wrap=True, overflow="ellipsis")
        for note in fleet.notes:  # a failed profile or region, regions not enabled
            text.append(f"\n⚠ {sanitize_line(note)}", style="bold red")
        if problem:
            text.append(f"\n⚠ {sanitize_line(problem)}", style="bold red")
        if fleet.prices.problem:  # once, here: the PRICE cells only say "?"
            text.append(f"\n⚠ {sanitize_line(fleet.prices.problem)}", style="yellow")
        if text == self._shown_text:
            return
        # As many lines as before: repaint in place, no layout of the screen (every second
        # while AWS is slow, every refresh otherwise).
        lines = text.plain.count("\n")
        layout = self._shown_text is None or lines != self._shown_text.plain.count("\n")
        self._shown_text = text
        self.update(text, layout=layout)


def _running_cost(fleet: Fleet) -> list[tuple[str, str] | str]:
    """`` · $14.20/h`` after the running count (`` + ?`` for those not priced)."""
    cost = running_cost(fleet.notebooks.values(), fleet.prices)
    if not cost.priced:
        return []
    parts: list[tuple[str, str] | str] = [(" · ", "dim"), (hourly(cost.total), "bold green")]
    if cost.unknown:
        parts.append((" + ?", "dim"))
    return parts


class UrlCountdown(Static):
    """'JupyterLab URL for nb-1 copied: use it within 4:37'. Never shows the URL itself.

    When a copied URL expires, it is taken out of the native clipboard if it is still there:
    it can no longer sign the user in, only whoever finds it (for 5 minutes it could)."""

    DEFAULT_CSS = """
    UrlCountdown { height: 1; padding: 0 1; display: none; background: $boost; }
    UrlCountdown.-active { display: block; }
    """

    def __init__(self, clock: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._url: PresignedUrl | None = None
        self._where = ""
        self._expired_at: datetime | None = None
        self._unexpired: list[PresignedUrl] = []  # every URL copied that is still valid

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def start(self, url: PresignedUrl, where: str) -> None:
        self._url, self._where, self._expired_at = url, where, None
        self._unexpired.append(url)
        self.add_class("-active")
        self.tick()

    def replaced(self) -> None:
        """Something else went to the clipboard: the URL is no longer there to paste, so the
        countdown goes. The URL stays in ``_unexpired``: at expiry it is still taken out of
        the clipboard should it be there again."""
        self._url, self._expired_at = None, None
        self.remove_class("-active")

    @property
    def remaining(self) -> timedelta | None:
        if self._url is None:
            return None
        return max(timedelta(0), self._url.usable_until - self._clock())

    def tick(self) -> None:
        self._clear_expired()
        url, remaining = self._url, self.remaining
        if url is None or remaining is None:
            return
        view = "JupyterLab" if url.view.value == "lab" else "Jupyter"
        label = sanitize_line(f"{view} URL for {url.notebook.name} {self._where}")
        if remaining:
            minutes, seconds = divmod(int(remaining.total_seconds()), 60)
            self.update(
                Text.assemble(
                    ("🔑 ", ""),
                    label,
                    ": use it within ",
                    (f"{minutes}:{seconds:02d}", "bold green" if minutes else "bold yellow"),
                )
            )
            return
        now = self._clock()
        if self._expired_at is None:
            self._expired_at = now
            self.update(Text.assemble(label, ": ", ("expired", "bold red"), " (copy a new one)"))
        elif now - self._expired_at > timedelta(seconds=30):
            self._url = None
            self.remove_class("-active")

    def _clear_expired(self) -> None:
        now = self._clock()
        expired = [url for url in self._unexpired if url.usable_until <= now]
        if not expired:
            return
        self._unexpired = [url for url in self._unexpired if url.usable_until > now]
        from sagedeck.system import clipboard

        for url in expired:  # compared, then cleared: what the user copied since stays
            self.run_worker(
                clipboard.clear_if_holds(url.url),
                group=EXPIRY_GROUP,
                description="clear an expired URL from the clipboard",
                exit_on_error=False,
            )
