"""One module per `svcaccounts` command."""
