"""A small read-only client of the Okta management API, for adoption (`svcaccounts okta import`,
`okta preflight`) and usage evidence (`svcaccounts usage`).

Reading only: nothing here creates, changes or deletes anything in Okta. What it reads is turned
into the plain records of `records.py` at once, so the commands' logic is pure functions over
records and is tested without HTTP. The HTTP side (`reader.py`) pages through `Link` headers,
waits out 429s until `X-Rate-Limit-Reset`, bounds every request and the whole read by a deadline,
and never puts a response body into a message or a log.
"""
