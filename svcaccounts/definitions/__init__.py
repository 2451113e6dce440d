"""Reading service-account definitions: strict YAML, JSON Schema, semantic checks, findings."""

from svcaccounts.definitions.findings import Finding
from svcaccounts.definitions.loader import LoadResult, load_files, load_repository, read_repository_files

__all__ = ["Finding", "LoadResult", "load_files", "load_repository", "read_repository_files"]
