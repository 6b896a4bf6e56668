"""A worker's paths stay inside its worktree: `..`, absolute paths, symlinks and .git."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopwright.workspace.paths import PathEscape, resolve_inside


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "worktree"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "mod.py").write_text("x = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("no\n")
    return root


def test_a_relative_path_resolves_inside(tree: Path) -> None:
    assert resolve_inside(tree, "src/pkg/mod.py") == tree.resolve() / "src/pkg/mod.py"


def test_a_path_that_does_not_exist_yet_is_allowed(tree: Path) -> None:
    assert resolve_inside(tree, "src/new/file.py") == tree.resolve() / "src/new/file.py"


def test_empty_and_dot_mean_the_worktree_itself(tree: Path) -> None:
    assert resolve_inside(tree, "") == tree.resolve()
    assert resolve_inside(tree, ".") == tree.resolve()


def test_dotdot_that_stays_inside_is_allowed(tree: Path) -> None:
    assert resolve_inside(tree, "src/pkg/../pkg/mod.py") == tree.resolve() / "src/pkg/mod.py"


def test_dotdot_escape_is_refused(tree: Path) -> None:
    with pytest.raises(PathEscape, match=r"'\.\.' leads outside"):
        resolve_inside(tree, "../outside/secret.txt")
    with pytest.raises(PathEscape):
        resolve_inside(tree, "src/../../outside")


def test_absolute_path_inside_is_allowed(tree: Path) -> None:
    target = tree.resolve() / "src" / "pkg" / "mod.py"
    assert resolve_inside(tree, str(target)) == target


def test_absolute_path_outside_is_refused(tree: Path) -> None:
    with pytest.raises(PathEscape, match="absolute path outside"):
        resolve_inside(tree, "/etc/passwd")


def test_path_escape_is_a_value_error(tree: Path) -> None:
    with pytest.raises(ValueError):
        resolve_inside(tree, "/etc/passwd")


def test_symlinked_directory_leading_outside_is_refused(tree: Path) -> None:
    (tree / "src" / "out").symlink_to(tree.parent / "outside", target_is_directory=True)
    with pytest.raises(PathEscape, match="symlink leads outside"):
        resolve_inside(tree, "src/out/secret.txt")
    with pytest.raises(PathEscape, match="symlink"):
        resolve_inside(tree, "src/out/new-file.txt")


def test_symlink_as_the_final_component_leading_outside_is_refused(tree: Path) -> None:
    (tree / "link.txt").symlink_to(tree.parent / "outside" / "secret.txt")
    with pytest.raises(PathEscape, match="symlink"):
        resolve_inside(tree, "link.txt")


def test_dangling_symlink_leading_outside_is_refused(tree: Path) -> None:
    (tree / "dangling").symlink_to(tree.parent / "outside" / "not-there-yet.txt")
    assert not (tree / "dangling").exists()
    with pytest.raises(PathEscape, match="symlink"):
        resolve_inside(tree, "dangling")


def test_relative_symlink_climbing_out_is_refused(tree: Path) -> None:
    (tree / "src" / "up").symlink_to(Path("..") / ".." / "outside")
    with pytest.raises(PathEscape, match="symlink"):
        resolve_inside(tree, "src/up/secret.txt")


def test_symlink_inside_the_worktree_resolves_to_its_target(tree: Path) -> None:
    (tree / "alias.py").symlink_to(Path("src") / "pkg" / "mod.py")
    assert resolve_inside(tree, "alias.py") == tree.resolve() / "src/pkg/mod.py"


def test_symlink_loop_is_refused(tree: Path) -> None:
    (tree / "a").symlink_to("b")
    (tree / "b").symlink_to("a")
    with pytest.raises(PathEscape):
        resolve_inside(tree, "a")


def test_git_dir_is_refused(tree: Path) -> None:
    for name in (".git", ".git/config", ".git/hooks/pre-commit", "src/../.git/config"):
        with pytest.raises(PathEscape, match=r"\.git is off limits"):
            resolve_inside(tree, name)


def test_git_file_of_a_linked_worktree_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "linked"
    root.mkdir()
    (root / ".git").write_text("gitdir: /somewhere/.git/worktrees/linked\n")
    with pytest.raises(PathEscape, match=r"\.git"):
        resolve_inside(root, ".git")


def test_symlink_into_git_dir_is_refused(tree: Path) -> None:
    (tree / "hooks").symlink_to(".git", target_is_directory=True)
    with pytest.raises(PathEscape, match=r"\.git"):
        resolve_inside(tree, "hooks/config")


def test_names_that_merely_start_with_git_are_fine(tree: Path) -> None:
    assert resolve_inside(tree, ".gitignore") == tree.resolve() / ".gitignore"
    assert resolve_inside(tree, ".github/workflows/ci.yml").name == "ci.yml"


def test_worktree_reached_through_a_symlink_still_works(tree: Path) -> None:
    alias = tree.parent / "alias"
    alias.symlink_to(tree, target_is_directory=True)
    assert resolve_inside(alias, "src/pkg/mod.py") == tree.resolve() / "src/pkg/mod.py"
    with pytest.raises(PathEscape):
        resolve_inside(alias, "../outside/secret.txt")


def test_nul_byte_is_refused(tree: Path) -> None:
    with pytest.raises(PathEscape, match="NUL"):
        resolve_inside(tree, "src/\0evil")


def test_prefix_sibling_is_not_inside(tree: Path) -> None:
    sibling = tree.parent / (tree.name + "-evil")
    sibling.mkdir()
    with pytest.raises(PathEscape):
        resolve_inside(tree, str(sibling / "x"))
