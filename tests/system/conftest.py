"""The X server fixture is the pty tests' own (one recipe for starting Xvfb)."""

from ui.test_terminal import x_display as x_display  # a fixture, shared
