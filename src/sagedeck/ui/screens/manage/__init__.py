"""Making and changing notebook instances: the create / clone / edit form and the tag editor.
The dashboard opens them (``screens/dashboard/manage_actions.py``); they return what they did."""
