"""Adopting an existing Okta org (`svcaccounts okta import`): from what the org holds to
definitions, catalog entries, a `pulumi import --file` input and the adoption state.

`inventory.py` is what the command reads from Okta (plain records); `mapping.py` decides, purely,
what can be adopted and under which names; `files.py` renders the files. No HTTP, no Pulumi here:
the command (svcaccounts/commands/okta_import.py) reads the org and writes the files.
"""
