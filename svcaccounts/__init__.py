"""svcaccounts: machine-to-machine OAuth service accounts as code."""

__version__ = "0.1.0"
