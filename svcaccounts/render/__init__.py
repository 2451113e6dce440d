"""Rendering: the core's results as text, markdown, GitHub annotations and JSON. One table, one
escaper per output format."""
