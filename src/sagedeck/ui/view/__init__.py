"""What the dashboard shows, without Textual: the fleet's rows, its columns, sorting and
filtering, platform look-ups and the poller.
Imports aws/, models, errors and text/; never textual."""
