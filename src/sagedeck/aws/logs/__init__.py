"""CloudWatch Logs for notebook instances: the paced client at the bottom (``client``), and the
readers built on it (``follow``, ``history``, ``live``). The client imports none of its readers."""
