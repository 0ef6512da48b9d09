"""Making and changing notebook instances: the settings (from botocore's model), their
validation, the requests built from an existing instance, the account's choices and the calls.

The modules are imported where used: the model is parsed on first use, not with this package.
"""
