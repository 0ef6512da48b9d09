"""The dashboard screen: the instance table, the detail pane, the actions on its keys and its
command-palette provider."""
