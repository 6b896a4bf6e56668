"""A session's change as hunks with stable ids, parsed from real git output."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from loopwright.workspace.diff import compute_hunks, diff_text, file_at, file_kinds
from loopwright.workspace.repo import WorkspaceError

TWENTY = "".join(f"line {n}\n" for n in range(1, 21))


def _commit(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def test_an_edit_becomes_one_hunk_with_its_counts(make_repo: MakeRepo) -> None:
    repo = make_repo({"notes.txt": TWENTY})
    base = git(repo, "rev-parse", "HEAD")
    (repo / "notes.txt").write_text(TWENTY.replace("line 10\n", "line ten\nline 10.5\n"))
    head = _commit(repo)

    hunks, files, added, removed = compute_hunks(repo, base, head)
    assert files == ["notes.txt"]
    assert (added, removed) == (2, 1)
    [hunk] = hunks
    assert hunk.path == "notes.txt"
    assert (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines) == (7, 7, 7, 8)
    assert hunk.header == "@@ -7,7 +7,8 @@ line 6"
    assert (hunk.added, hunk.removed) == (2, 1)
    assert len(hunk.hunk_id) == 10


def test_hunk_ids_are_stable_when_recomputed(make_repo: MakeRepo) -> None:
    repo = make_repo({"notes.txt": TWENTY})
    base = git(repo, "rev-parse", "HEAD")
    (repo / "notes.txt").write_text(TWENTY.replace("line 15\n", "line fifteen\n"))
    first = _commit(repo)
    ids = [h.hunk_id for h in compute_hunks(repo, base, first)[0]]
    assert ids == [h.hunk_id for h in compute_hunks(repo, base, first)[0]]

    # Another edit higher up shifts the line numbers; the first hunk keeps its id.
    (repo / "notes.txt").write_text(
        TWENTY.replace("line 15\n", "line fifteen\n").replace("line 2\n", "line two\n")
    )
    second = _commit(repo)
    later = compute_hunks(repo, base, second)[0]
    assert len(later) == 2
    assert later[1].hunk_id == ids[0]
    assert later[1].new_start == later[1].old_start


def test_identical_hunks_in_one_file_get_distinct_ids(make_repo: MakeRepo) -> None:
    text = "".join(f"{n}\nsame\n" + "pad\n" * 8 for n in range(3))
    repo = make_repo({"dup.txt": text})
    base = git(repo, "rev-parse", "HEAD")
    (repo / "dup.txt").write_text(text.replace("same\n", "changed\n"))
    head = _commit(repo)
    ids = [h.hunk_id for h in compute_hunks(repo, base, head)[0]]
    assert len(ids) == 3
    assert ids[1] == f"{ids[0]}-2"
    assert ids[2] == f"{ids[0]}-3"


def test_the_same_change_in_two_files_gets_two_ids(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.txt": "x\n", "b.txt": "x\n"})
    base = git(repo, "rev-parse", "HEAD")
    (repo / "a.txt").write_text("y\n")
    (repo / "b.txt").write_text("y\n")
    head = _commit(repo)
    first, second = compute_hunks(repo, base, head)[0]
    assert first.hunk_id != second.hunk_id


def test_added_and_deleted_files_are_whole_file_hunks(make_repo: MakeRepo) -> None:
    repo = make_repo({"old.txt": "a\nb\n"})
    base = git(repo, "rev-parse", "HEAD")
    (repo / "old.txt").unlink()
    (repo / "new.txt").write_text("1\n2\n3\n")
    (repo / "empty.txt").write_text("")
    head = _commit(repo)

    hunks, files, added, removed = compute_hunks(repo, base, head)
    assert files == ["empty.txt", "new.txt", "old.txt"]
    assert (added, removed) == (3, 2)
    by_path = {h.path: h for h in hunks}
    assert set(by_path) == {"new.txt", "old.txt"}
    assert (by_path["new.txt"].old_start, by_path["new.txt"].old_lines) == (0, 0)
    assert (by_path["old.txt"].new_start, by_path["old.txt"].new_lines) == (0, 0)


def test_renames_are_listed_under_their_new_name(make_repo: MakeRepo) -> None:
    body = "".join(f"content {n}\n" for n in range(30))
    repo = make_repo({"before.txt": body, "moved.txt": body + "tail\n"})
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "before.txt", "after.txt")
    git(repo, "mv", "moved.txt", "moved again.txt")
    (repo / "moved again.txt").write_text(body + "new tail\n")
    head = _commit(repo)

    hunks, files, added, removed = compute_hunks(repo, base, head)
    assert files == ["after.txt", "moved again.txt"]
    [hunk] = hunks
    assert hunk.path == "moved again.txt"
    assert (added, removed) == (1, 1)


def test_binary_files_count_as_files_without_hunks(make_repo: MakeRepo) -> None:
    repo = make_repo({"text.txt": "t\n"})
    base = git(repo, "rev-parse", "HEAD")
    (repo / "image one.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    (repo / "text.txt").write_text("u\n")
    head = _commit(repo)

    hunks, files, added, removed = compute_hunks(repo, base, head)
    assert files == ["image one.png", "text.txt"]
    assert [h.path for h in hunks] == ["text.txt"]
    assert (added, removed) == (1, 1)
    assert file_at(repo, head, "image one.png") is None


def test_a_missing_trailing_newline_is_part_of_the_hunk(make_repo: MakeRepo) -> None:
    repo = make_repo({"end.txt": "one\ntwo"})
    base = git(repo, "rev-parse", "HEAD")
    (repo / "end.txt").write_text("one\ntwo\n")
    newline_added = _commit(repo)
    (repo / "end.txt").write_text("one\ntwo\nthree")
    three = _commit(repo)

    [hunk] = compute_hunks(repo, base, newline_added)[0]
    assert (hunk.added, hunk.removed) == (1, 1)
    hunks, files, added, removed = compute_hunks(repo, base, three)
    assert (files, added, removed) == (["end.txt"], 2, 1)
    assert hunks[0].hunk_id != hunk.hunk_id


def test_lines_that_look_like_diff_headers_are_read_as_content(make_repo: MakeRepo) -> None:
    repo = make_repo({"tricky.md": "--- a/x\n+++ b/x\nkeep\n"})
    base = git(repo, "rev-parse", "HEAD")
    (repo / "tricky.md").write_text("++ added\nkeep\n-- removed\n@@ -1 +1 @@\n")
    head = _commit(repo)
    hunks, files, added, removed = compute_hunks(repo, base, head)
    assert files == ["tricky.md"]
    assert (added, removed) == (3, 2)
    assert [h.path for h in hunks] == ["tricky.md"]


def test_paths_with_spaces_and_unicode_keep_their_names(make_repo: MakeRepo) -> None:
    names = ["dir with space/file name.txt", "café/naïve résumé.txt", 'odd "quote"\tand tab.txt']
    repo = make_repo({name: "before\n" for name in names})
    base = git(repo, "rev-parse", "HEAD")
    for name in names:
        (repo / name).write_text("after\n")
    (repo / "new ünïcode file.txt").write_text("fresh\n")
    head = _commit(repo)

    hunks, files, added, removed = compute_hunks(repo, base, head)
    expected = sorted([*names, "new ünïcode file.txt"])
    assert sorted(files) == expected
    assert sorted(h.path for h in hunks) == expected
    assert (added, removed) == (4, 3)
    for name in names:
        assert file_at(repo, head, name) == "after\n"
        assert file_at(repo, base, name) == "before\n"


def test_diff_text_is_the_unified_diff(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.txt": "old\n"})
    base = git(repo, "rev-parse", "HEAD")
    (repo / "a.txt").write_text("new\n")
    head = _commit(repo)
    text = diff_text(repo, base, head)
    assert text.startswith("diff --git a/a.txt b/a.txt\n")
    assert text.endswith("@@ -1 +1 @@\n-old\n+new\n")
    assert diff_text(repo, head, head) == ""
    assert compute_hunks(repo, head, head) == ([], [], 0, 0)


def test_user_diff_settings_do_not_change_what_is_parsed(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.txt": "\n\nold\n\n\nmore\n"})
    base = git(repo, "rev-parse", "HEAD")
    (repo / "a.txt").write_text("\n\nnew\n\n\nmore\n")
    head = _commit(repo)
    plain = compute_hunks(repo, base, head)
    for key, value in [
        ("diff.noprefix", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("color.diff", "always"),
        ("diff.external", "false"),
        ("core.quotePath", "true"),
        ("diff.suppressBlankEmpty", "true"),
        ("diff.submodule", "log"),
    ]:
        git(repo, "config", key, value)
    assert compute_hunks(repo, base, head) == plain


def test_file_at_reads_text_and_knows_missing_files(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    assert file_at(repo, head, "README.md") == "# sample\n"
    assert file_at(repo, head, "missing.txt") is None
    assert file_at(repo, "HEAD", "README.md") == "# sample\n"
    with pytest.raises(WorkspaceError, match="does not name a commit"):
        file_at(repo, "0" * 40, "README.md")


def test_a_diff_against_an_unknown_commit_is_an_error(repo: Path) -> None:
    with pytest.raises(WorkspaceError, match="could not diff"):
        compute_hunks(repo, "0" * 40, "HEAD")


def test_a_rename_between_plain_and_quoted_names_is_read(make_repo: MakeRepo) -> None:
    repo = make_repo({"café.txt": "same\n", "plain.txt": "other\n"})
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "café.txt", "tab\there.txt")
    git(repo, "mv", "plain.txt", 'now "quoted".txt')
    head = _commit(repo)
    assert compute_hunks(repo, base, head) == (
        [],
        ['now "quoted".txt', "tab\there.txt"],
        0,
        0,
    )


def test_binary_and_new_files_are_told_apart_renames_are_not_new(make_repo: MakeRepo) -> None:
    body = "".join(f"content {n}\n" for n in range(30))
    repo = make_repo({"old.txt": body, "logo.png": "was text\n"})
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "old.txt", "renamed.txt")
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (repo / "new dir").mkdir()
    (repo / "new dir" / "ñew.bin").write_bytes(b"\x00\x01\x02")
    (repo / "notes.txt").write_text("text\n")
    head = _commit(repo)

    kinds = file_kinds(repo, base, head)
    assert kinds.binary == ("logo.png", "new dir/ñew.bin")
    assert kinds.new == ("new dir/ñew.bin", "notes.txt")


def test_a_gitattributes_in_the_change_cannot_pass_a_binary_file_as_text(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo({"README.md": "# r\n"})
    base = git(repo, "rev-parse", "HEAD")
    (repo / ".gitattributes").write_text("*.dat diff\n")
    (repo / "blob.dat").write_bytes(b"one line\x00\x01\n")
    head = _commit(repo)

    assert file_kinds(repo, base, head).binary == ("blob.dat",)
