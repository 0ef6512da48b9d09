"""CloudWatch Logs for notebook instances: the paced client at the bottom (``client``, with
``limiter``), and the readers built on it (``follow``, ``history``, ``live`` with
``live_session`` and ``overlap``). The client imports none of its readers."""
