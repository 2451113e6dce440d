"""The working-tree reader opens each file once, without following links or blocking, and checks
the open descriptor: nothing can be swapped in between a check and the read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from svcaccounts.definitions.loader import NotRegularFile, read_regular_file, read_repository_files


def test_a_regular_file_is_read_up_to_one_byte_past_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"x" * 100)
    assert read_regular_file(str(path), limit=10) == b"x" * 11


def test_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("key")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "secret")
    with pytest.raises(NotRegularFile, match="symbolic links are not followed"):
        read_regular_file(str(tmp_path / "link.yaml"))


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile, match="not a regular file"):
        read_regular_file(str(fifo))


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotRegularFile, match="not a regular file"):
        read_regular_file(str(tmp_path))


def test_a_file_swapped_for_a_link_after_listing_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The definition is a regular file when the folder is listed and a link when it is read.
    folder = tmp_path / "service_accounts"
    folder.mkdir()
    definition = folder / "a.yaml"
    definition.write_text("name: a\n")
    (tmp_path / "outside").write_text("not for the log")
    real_scandir = os.scandir

    def scandir_then_swap(path: str) -> object:
        listing = list(real_scandir(path))
        if definition.exists() and not definition.is_symlink() and str(path).endswith("service_accounts"):
            definition.unlink()
            definition.symlink_to(tmp_path / "outside")
        return _Listing(listing)

    monkeypatch.setattr("svcaccounts.definitions.loader.os.scandir", scandir_then_swap)
    files = read_repository_files(tmp_path)
    assert "service_accounts/a.yaml" not in files
    assert [(f.path, f.message) for f in files.problems] == [
        ("service_accounts/a.yaml", "symbolic links are not followed; put the file itself here")
    ]


class _Listing(list[os.DirEntry[str]]):
    def __enter__(self) -> _Listing:
        return self

    def __exit__(self, *_: object) -> None:
        return None


def test_a_linked_policies_folder_is_refused_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "policy-config.json").write_text("{}")
    (tmp_path / "policies").symlink_to(elsewhere)
    files = read_repository_files(tmp_path)
    assert "policies/policy-config.json" not in files
    assert [problem.path for problem in files.problems] == ["policies/policy-config.json"]
