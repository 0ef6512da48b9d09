"""SSM Session Manager from the user's side: the session-manager-plugin contract, the shell
hand-over, port forwards and the doctor. Imports aws/, models and errors; never textual."""
