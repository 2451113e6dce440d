"""Benchmarks and the synthetic organisations they (and some tests) run on."""
