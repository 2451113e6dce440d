"""Read-only access to Microsoft Graph for `svcaccounts usage` on Entra ID stacks: an app-only
token by client credentials, the service principals' sign-in log and sign-in activity report."""
