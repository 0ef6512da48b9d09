"""``python -m sagedeck.localaws.demo_plugin``: the stand-in session-manager-plugin."""

import sys

from sagedeck.localaws.demo_plugin import main

sys.exit(main(sys.argv[1:]))
