"""The two documents other programs depend on, each with one writer, one reader and a JSON Schema
(svcaccounts/schemas/):

- `bundle`: the credential bundle the program stores in Key Vault or Secrets Manager and the
  token client reads (credential-bundle.schema.json).
- `accounts_output`: the stack's `accounts` output, which `rotation status --deployed` and
  `env --deployed` read back from `pulumi stack output --json` (accounts-output.schema.json).

Pure and stdlib only, so that the token client (no Pulumi, no YAML) can import them.
"""
