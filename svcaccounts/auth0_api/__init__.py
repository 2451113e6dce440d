"""A small read-only client of Auth0's Management API, for usage evidence (`svcaccounts usage`
on an Auth0 stack): the tenant log's client-credentials exchanges.

Reading only: the credential asks for `read:logs` and nothing here changes the tenant. What it
reads is reduced at once to the provider-neutral records of svcaccounts/core/usage.py
(`log_events.py`); the HTTP side (`reader.py`) gets a Management API token, waits out 429s until
`X-RateLimit-Reset`, bounds every request and the whole read by a deadline, caps answers, and
never puts a response body or a token into a message.
"""
