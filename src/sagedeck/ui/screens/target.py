"""``P``: switch the AWS profiles (one or several at once) and the regions without leaving
the app."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, SelectionList

from sagedeck.ui.safe_text import text_line
from sagedeck.ui.screens.base import DeckModal

if TYPE_CHECKING:
    from textual.app import App, ComposeResult

    from sagedeck.aws.session import AwsTarget

DEFAULT_PROFILE = "(default credentials)"


@dataclass(frozen=True, slots=True)
class TargetChoice:
    """The profile (the first, when several are chosen: all of them in ``profiles``) and the
    regions to list."""

    profile: str | None
    regions: tuple[str, ...]
    profiles: tuple[str | None, ...] = ()

    @property
    def all_profiles(self) -> tuple[str | None, ...]:
        return self.profiles or (self.profile,)


async def choose_target(
    app: App[Any], current: AwsTarget, offered: list[str] | None = None
) -> TargetChoice | None:
    """Offer the profiles (``offered``, else the AWS config's) and regions (``current``
    chosen) and wait for the choice; None when cancelled. Call it from a worker."""
    profiles, regions = await asyncio.to_thread(_profiles_and_regions, offered)
    named = [profile for profile in current.profiles if profile is not None]
    profiles = [*[p for p in named if p not in profiles], *profiles]  # the embedded AWS's too
    return await app.push_screen_wait(
        TargetScreen(profiles, regions, current.profiles, current.regions)
    )


def _profiles_and_regions(offered: list[str] | None) -> tuple[list[str], tuple[str, ...]]:
    """Profiles (``offered``, else ~/.aws/config's), regions where SageMaker is offered
    (reads files)."""
    from sagedeck.aws.session import sagemaker_regions

    if offered is not None:
        return sorted(offered), sagemaker_regions()
    import botocore.session

    return sorted(botocore.session.Session().available_profiles), sagemaker_regions()


class TargetScreen(DeckModal[TargetChoice | None]):
    """Profiles from ~/.aws/config (several may be chosen), regions where SageMaker is
    offered."""

    CSS_PATH = "target.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="target_cancel"),
        Binding("ctrl+s", "apply", "Apply", id="target_apply"),
    ]

    def __init__(
        self,
        profiles: list[str],
        regions: tuple[str, ...],
        current_profiles: tuple[str | None, ...],
        current_regions: tuple[str, ...],
    ) -> None:
        super().__init__()
        self._profiles = profiles
        self._regions = regions
        self._current = {
            DEFAULT_PROFILE if p is None or p not in profiles else p for p in current_profiles
        }
        self._chosen = current_regions

    def compose(self) -> ComposeResult:
        # Profile names come from ~/.aws/config: shown as text, never markup.
        options: list[tuple[Text, str]] = [(Text(DEFAULT_PROFILE), DEFAULT_PROFILE)]
        options += [(text_line(profile), profile) for profile in self._profiles]
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Profiles and regions"
            yield Label("Profiles (space toggles; several are listed together)")
            yield SelectionList[str](
                *((prompt, value, value in self._current) for prompt, value in options),
                id="profile",
            )
            yield Label("Regions (space toggles)")
            ordered = [r for r in self._chosen if r in self._regions] + [
                r for r in self._regions if r not in self._chosen
            ]
            yield SelectionList[str](
                *((text_line(region), region, region in self._chosen) for region in ordered),
                id="regions",
            )
            yield Label("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Apply", id="apply", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#regions", SelectionList).focus()

    def action_apply(self) -> None:
        regions = tuple(self.query_one("#regions", SelectionList).selected)
        if not regions:
            self.query_one("#error", Label).update("choose at least one region")
            return
        chosen = self.query_one("#profile", SelectionList).selected
        if not chosen:
            self.query_one("#error", Label).update("choose at least one profile")
            return
        profiles = tuple(None if value == DEFAULT_PROFILE else str(value) for value in chosen)
        if len(profiles) == 1:
            self.dismiss(TargetChoice(profiles[0], regions))
        else:
            self.dismiss(TargetChoice(profiles[0], regions, profiles))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.dismiss(None)
