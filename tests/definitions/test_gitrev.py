"""Reading one revision's definition files out of git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from svcaccounts.definitions.gitrev import RevisionError, _cat_blobs, _Entry, read_revision_files
from svcaccounts.definitions.yaml_reader import MAX_FILE_BYTES
from tests.support.git import GitRepo
from tests.support.repository import BASELINE


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repository = GitRepo(tmp_path / "repo")
    repository.overlay(BASELINE)
    return repository


def test_reads_stacks_catalog_and_definitions_as_committed(repo: GitRepo) -> None:
    repo.commit("baseline")
    repo.write("scopes.yaml", "changed in the work tree only\n")
    files = read_revision_files(repo.root, "main")
    assert sorted(files) == [
        "Pulumi.dev.yaml",
        "Pulumi.prod.yaml",
        "Pulumi.staging.yaml",
        "scopes.yaml",
        "service_accounts/platform/svc-reader.yaml",
    ]
    assert files["scopes.yaml"] == (BASELINE / "scopes.yaml").read_bytes()


def test_leaves_out_what_the_loader_would_not_read(repo: GitRepo) -> None:
    repo.write("service_accounts/README.md", "not a definition\n")
    repo.write("service_accounts/.drafts/svc-draft.yaml", "name: svc-draft\n")
    repo.write("docs/scopes.yaml", "elsewhere\n")
    repo.write("other/Pulumi.dev.yaml", "not a top-level stack file\n")
    os.symlink("platform/svc-reader.yaml", repo.root / "service_accounts/link.yaml")
    repo.commit("noise")
    files = read_revision_files(repo.root, "main")
    assert "service_accounts/README.md" not in files
    assert "service_accounts/.drafts/svc-draft.yaml" not in files
    assert "docs/scopes.yaml" not in files
    assert "other/Pulumi.dev.yaml" not in files
    assert "service_accounts/link.yaml" not in files


def test_a_huge_blob_is_cut_one_byte_past_the_loader_cap(repo: GitRepo) -> None:
    repo.write("service_accounts/huge.yaml", "#" * (MAX_FILE_BYTES + 5000) + "\n")
    repo.commit("huge")
    files = read_revision_files(repo.root, "main")
    assert len(files["service_accounts/huge.yaml"]) == MAX_FILE_BYTES + 1
    assert files["Pulumi.dev.yaml"] == (BASELINE / "Pulumi.dev.yaml").read_bytes()


def test_many_files_take_a_constant_number_of_git_processes(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(40):
        repo.write(f"service_accounts/team-{i % 4}/svc-{i:03}.yaml", f"name: svc-{i:03}\n")
    repo.commit("forty files")
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    # subprocess.run starts its process through Popen too, so this sees every git process.
    def counting_popen(command: list[str], *args: Any, **kwargs: Any) -> Any:
        started.append(command)
        return real_popen(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting_popen)
    files = read_revision_files(repo.root, "main")
    assert len(files) == 45
    assert sum(1 for command in started if "cat-file" in command) == 1
    assert len(started) <= 5


def test_a_revision_without_definitions_reads_as_nothing(repo: GitRepo) -> None:
    (repo.root / "empty").mkdir()
    repo.write("empty/README.md", "x\n")
    repo.commit("one")
    assert read_revision_files(repo.root / "empty", "main") == {}


def test_unknown_revision_says_how_to_fix_it(repo: GitRepo) -> None:
    repo.commit("baseline")
    with pytest.raises(RevisionError, match=r"unknown revision 'origin/main'.*fetch"):
        read_revision_files(repo.root, "origin/main")


def test_an_empty_repository_has_no_revision_yet(repo: GitRepo) -> None:
    with pytest.raises(RevisionError, match="unknown revision 'HEAD'"):
        read_revision_files(repo.root, "HEAD")


def test_a_blob_git_cannot_read_is_an_error_not_a_hang(repo: GitRepo) -> None:
    repo.commit("baseline")
    entries = [_Entry(f"service_accounts/x{i}.yaml", "0" * 40) for i in range(5000)]
    with pytest.raises(RevisionError, match=r"git cat-file cannot read service_accounts/x0\.yaml"):
        _cat_blobs(repo.root, entries)
