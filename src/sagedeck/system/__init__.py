"""The process and the machine around it: the one clipboard copy, the browser opener, exit
signals and shutdown, the terminal as an output that may go away. Imports models and errors
only; never textual, never aws/."""
