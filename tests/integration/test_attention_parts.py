"""The smaller parts of attention: the hook's environment, measuring a worktree, the
digest, and the supervisor catching up after a restart."""

from __future__ import annotations

from pathlib import Path

from helpers.attention import Log, asked, filed, landed, review, started
from helpers.git import MakeRepo, git
from loopwright import events as ev
from loopwright.attention import digest
from loopwright.attention.diffstat import EMPTY, measure
from loopwright.attention.hook import hook_env


def test_the_hook_sees_safe_variables_and_only_the_secrets_it_is_given() -> None:
    source = {"PATH": "/bin", "HOME": "/h", "SLACK_TOKEN": "t0k3n-secret", "OTHER": "x",
              "GITHUB_TOKEN": "gh-secret", "LC_ALL": "C"}
    env = hook_env(["SLACK_TOKEN"], source)
    assert env == {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", "SLACK_TOKEN": "t0k3n-secret",
                   "LOOPWRIGHT_HOOK": "1"}


def test_measuring_a_worktree_sees_edits_and_new_files_and_nothing_else(
    make_repo: MakeRepo,
) -> None:
    root = make_repo({"a.txt": "one\ntwo\n"})
    clean = measure(root)
    assert clean is not None and clean.fingerprint == EMPTY and clean.files == 0
    (root / "a.txt").write_text("one\n2\n")
    edited = measure(root)
    assert edited is not None and (edited.files, edited.added, edited.removed) == (1, 1, 1)
    (root / "new.txt").write_text("x\ny\nz")
    grown = measure(root)
    assert grown is not None and (grown.files, grown.added) == (2, 4)
    assert len({clean.fingerprint, edited.fingerprint, grown.fingerprint}) == 3
    git(root, "add", "-A")
    git(root, "commit", "-qm", "both")
    again = measure(root)
    assert again is not None and again.fingerprint == EMPTY  # committed: nothing in progress
    assert measure(Path("/nonexistent")) is None


def test_the_digest_is_one_headline_and_a_line_per_session() -> None:
    log = Log()
    log.at(1.0, *filed("s-1", "t-1", "Fix it"), started("s-1"))
    log.at(2.0, ev.WorkerProgressed(session_id="s-1", message="half way"),
           ev.WorkerProgressed(session_id="s-1", message="nearly"))
    log.at(3.0, *review("s-1"), *landed("s-1"))
    log.at(4.0, *filed("s-2", "t-2", "Other"), started("s-2"), asked("d-1", "s-2"))
    lines = digest.compose(log.records, log.state)
    assert lines[0] == "1 landed · 1 working"
    assert lines[1] == "task t-1 filed from cli: Fix it"
    assert lines[2].startswith("fix-it: LANDED on main as dddddddddd (+4 earlier)")
    assert lines[-1] == "other: started in /w"
    assert digest.compose([], log.state) == ()
