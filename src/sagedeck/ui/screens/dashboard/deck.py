"""What the dashboard and its actions ask of the app, as a protocol: they never import the app
(which builds the dashboard), so the dependency runs one way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from sagedeck.aws.services import AwsServices
    from sagedeck.aws.session import StaticCredentials
    from sagedeck.config import Settings
    from sagedeck.ui.screens.target import TargetChoice

Clock = Callable[[], datetime]


class Deck(Protocol):
    """The app as its dashboard sees it (``SagedeckApp`` is one)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def services(self) -> AwsServices:
        """The AWS services of the current target: read it each time, a switch replaces it."""
        ...

    @property
    def clock(self) -> Clock: ...

    @property
    def demo(self) -> bool: ...

    @property
    def offered_profiles(self) -> Mapping[str, StaticCredentials] | None:
        """The profiles ``P`` offers instead of ~/.aws/config's (the embedded AWS's)."""
        ...

    @property
    def read_only(self) -> bool: ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notification, recorded; never markup (AWS text is data)."""

    def startup_done(self) -> None:
        """The dashboard's second refresh is done: start-up is over."""

    def switch_target(self, choice: TargetChoice) -> bool:
        """Rebuild the AWS services for another profile or regions; False when the choice is
        the current target."""
        ...
