"""The dashboard screen: the instance table, the detail pane, the actions on its keys and its
command-palette provider; what it needs from the app is the ``Deck`` protocol (deck.py)."""
