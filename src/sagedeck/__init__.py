"""sagedeck: a terminal dashboard for AWS SageMaker notebook instances."""

__version__ = "0.1.0"
