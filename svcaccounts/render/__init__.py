"""Rendering: the core's results as text, markdown, GitHub annotations and JSON.

One table (table.py), one escaper per output format (escape.py), one module per view (plan,
review, rotation, verify, findings), each with `RENDERERS`: format name → function. Rendering
reads the core's results and the findings; it never reads definitions.
"""

from __future__ import annotations

from typing import Literal, get_args

# The formats of the table views (plan, rotation status). The views whose formats differ name
# theirs beside their renderers: review (text), verify (no markdown), findings (github).
Format = Literal["table", "json", "markdown"]
FORMATS: tuple[Format, ...] = get_args(Format)
