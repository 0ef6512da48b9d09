"""The Textual dashboard. Importing this package imports nothing heavy: the app lives in
``sagedeck.ui.app`` and the AWS layer is imported where it is first needed."""
