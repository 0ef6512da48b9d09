"""Developer tools shipped for `make screenshots` and reliability drills: the fault-injecting proxy
and the screenshot script. Nothing in the app imports this package."""
