"""moto settings that must be in place before its backends are built.

Imported first by ``sagedeck.localaws``. moto 5.2.5 reads both variables when a backend is
created (not at import), but later versions may read them at import: setting them before any
moto import covers both.
"""

from __future__ import annotations

import os

# AWS-managed policies (AmazonSageMakerFullAccess, ...) exist in every real account: without
# them AttachRolePolicy of a managed policy ARN fails. Forced, not defaulted: "false" would
# make the fake lie.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
# The default AMI catalogue costs ~100 ms per EC2 backend, paid again on every reset; notebook
# instances never use AMIs. A caller who needs them can still set the variable to "true".
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
