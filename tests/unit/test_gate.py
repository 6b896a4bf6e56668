"""The gate: what lands without a human, and every reason when it does not."""

from __future__ import annotations

from typing import Any

import pytest

from loopwright.config import GateConfig
from loopwright.core.commands import CommandResult
from loopwright.events import Hunk, ReviewPrepared
from loopwright.review.gate import judge, path_matches

PASSED = CommandResult("make test", 0, "ok\n", 1.5)


def _review(files: tuple[str, ...] = ("src/app.py",), added: int = 3, removed: int = 1,
            verdict: str = "", **kw: Any) -> ReviewPrepared:
    return ReviewPrepared(
        session_id="s1", head_commit="h" * 40, base_commit="b" * 40, files=files,
        hunks=kw.pop("hunks", ()), added=added, removed=removed,
        reviewer="claude" if verdict else "", reviewer_verdict=verdict,  # type: ignore[arg-type]
        **kw,
    )


def _judge(gate: GateConfig | None = None, *, review: ReviewPrepared | None = None,
            checks: CommandResult | None = PASSED, labels: tuple[str, ...] = (),
            reviewer_configured: bool = False) -> tuple[bool, tuple[str, ...]]:
    return judge(gate or GateConfig(), review=review or _review(), checks=checks,
                  labels=labels, reviewer_configured=reviewer_configured)


def test_a_small_passing_change_lands_on_its_own() -> None:
    assert _judge() == (True, ())


def test_auto_land_off_always_needs_a_human() -> None:
    assert _judge(GateConfig(auto_land=False)) == (
        False, ("Auto-land is off, so every change waits for approval.",))


def test_missing_checks_need_a_human_when_required() -> None:
    auto, reasons = _judge(checks=None)
    assert not auto
    assert reasons == ("No checks ran: no test command is configured or detected.",)


def test_missing_checks_are_fine_when_not_required() -> None:
    assert _judge(GateConfig(require_checks=False), checks=None) == (True, ())


def test_failed_checks_name_the_exit_code() -> None:
    assert _judge(checks=CommandResult("pytest", 2, "E", 3.0)) == (
        False, ("The checks failed with exit code 2.",))


def test_timed_out_checks_say_so() -> None:
    timed_out = CommandResult("pytest", -15, "", 600.2, timed_out=True)
    assert _judge(checks=timed_out) == (False, ("The checks timed out after 600 seconds.",))


def test_failed_checks_need_a_human_even_when_checks_are_not_required() -> None:
    auto, reasons = _judge(GateConfig(require_checks=False),
                            checks=CommandResult("pytest", 1, "", 1.0))
    assert (auto, reasons) == (False, ("The checks failed with exit code 1.",))


@pytest.mark.parametrize(("verdict", "reason"), [
    ("request_changes", "The reviewer agent asked for changes."),
    ("", "The reviewer agent gave no verdict."),
])
def test_configured_reviewer_must_approve(verdict: str, reason: str) -> None:
    assert _judge(review=_review(verdict=verdict), reviewer_configured=True) == (
        False, (reason,))


def test_reviewer_approval_lands() -> None:
    assert _judge(review=_review(verdict="approve"), reviewer_configured=True) == (True, ())


def test_reviewer_verdict_is_ignored_when_not_required_or_not_configured() -> None:
    asked = _review(verdict="request_changes")
    assert _judge(GateConfig(require_reviewer=False), review=asked,
                   reviewer_configured=True) == (True, ())
    assert _judge(review=_review(), reviewer_configured=False) == (True, ())


def test_size_limit_counts_added_and_removed() -> None:
    assert _judge(review=_review(added=15, removed=5)) == (True, ())  # exactly 20
    auto, reasons = _judge(review=_review(added=15, removed=6))
    assert not auto
    assert reasons == ("The change is 21 lines (+15/-6), over the limit of 20 for landing "
                       "on its own.",)


def test_zero_line_limit_lets_only_empty_changes_through() -> None:
    gate = GateConfig(max_changed_lines=0)
    assert _judge(gate, review=_review(added=0, removed=0))[0]
    assert not _judge(gate, review=_review(added=1, removed=0))[0]


def test_protected_paths_name_the_file_and_pattern() -> None:
    review = _review(files=("src/app.py", ".github/workflows/ci.yml", "pyproject.toml"))
    auto, reasons = _judge(review=review)
    assert not auto
    assert reasons == (
        "It touches .github/workflows/ci.yml, a protected path (.github/**).",
        "It touches pyproject.toml, a protected path (pyproject.toml).",
    )


def test_protected_paths_are_anchored_at_the_root() -> None:
    review = _review(files=("examples/pyproject.toml", "web/package.json", "docs/Makefile"))
    assert _judge(review=review) == (True, ())


def test_hunk_paths_count_as_touched_files_once() -> None:
    hunk = Hunk(hunk_id="h1", path="Makefile", old_start=1, old_lines=1, new_start=1,
                new_lines=1, header="@@", added=1, removed=1)
    once = ("It touches Makefile, a protected path (Makefile).",)
    assert _judge(review=_review(files=("Makefile",), hunks=(hunk, hunk)))[1] == once
    assert _judge(review=_review(files=(), hunks=(hunk,)))[1] == once


def test_the_first_matching_pattern_is_named() -> None:
    gate = GateConfig(protected_paths=["infra/**", "**/*.tf"])
    assert _judge(gate, review=_review(files=("infra/main.tf",)))[1] == (
        "It touches infra/main.tf, a protected path (infra/**).",)


def test_labels_allow_list() -> None:
    gate = GateConfig(labels=["docs", "chore"])
    assert _judge(gate, labels=("bug", "chore")) == (True, ())
    assert _judge(gate, labels=("bug", "urgent")) == (False, (
        "The task's labels (bug, urgent) are not on the auto-land list (docs, chore).",))
    assert _judge(gate, labels=()) == (False, (
        "The task has no labels; only tasks labelled docs, chore may land on their own.",))


def test_empty_allow_list_lets_any_label_through() -> None:
    assert _judge(GateConfig(labels=[]), labels=("anything",)) == (True, ())


def test_every_reason_is_listed_in_order() -> None:
    gate = GateConfig(auto_land=False, labels=["docs"])
    review = _review(files=("Makefile", ".loopwright/config.toml"), added=40, removed=2,
                     verdict="request_changes")
    auto, reasons = _judge(gate, review=review, checks=CommandResult("make test", 2, "", 1),
                            labels=("bug",), reviewer_configured=True)
    assert not auto
    assert reasons == (
        "Auto-land is off, so every change waits for approval.",
        "The checks failed with exit code 2.",
        "The reviewer agent asked for changes.",
        "The change is 42 lines (+40/-2), over the limit of 20 for landing on its own.",
        "It touches Makefile, a protected path (Makefile).",
        "It touches .loopwright/config.toml, a protected path (.loopwright/**).",
        "The task's labels (bug) are not on the auto-land list (docs).",
    )
    assert all(reason.endswith(".") and reason[0].isupper() for reason in reasons)


@pytest.mark.parametrize(("pattern", "path"), [
    (".github/**", ".github/workflows/ci.yml"),
    (".github/**", ".github/CODEOWNERS"),
    ("**", "anything/at/all.txt"),
    ("**/Makefile", "Makefile"),
    ("**/Makefile", "a/b/Makefile"),
    ("src/**/secrets/*.py", "src/secrets/a.py"),
    ("src/**/secrets/*.py", "src/x/y/secrets/a.py"),
    ("src/**", "src/a.py"),
    ("*.lock", "poetry.lock"),
    ("docs/*.md", "docs/index.md"),
    ("migrations/", "migrations/0001_initial.py"),
    ("/Makefile", "Makefile"),
    ("./setup.py", "setup.py"),
    ("data/file?.csv", "data/file1.csv"),
    ("[a-c].txt", "b.txt"),
    ("[!a]bc", "xbc"),
    ("[^a]bc", "xbc"),
    ("[]]x", "]x"),
    ("a**b", "axxb"),
    ("a+b(c).txt", "a+b(c).txt"),
    ("weird[name", "weird[name"),
    ("lib/**/*", "lib/x/y.js"),
])
def test_glob_matches(pattern: str, path: str) -> None:
    assert path_matches(path, pattern)


@pytest.mark.parametrize(("pattern", "path"), [
    (".github/**", ".githubx/a.yml"),
    (".github/**", "src/.github/a.yml"),
    ("pyproject.toml", "sub/pyproject.toml"),
    ("**/Makefile", "Makefile.am"),
    ("src/**/secrets/*.py", "src/secrets/sub/a.py"),
    ("*.lock", "sub/poetry.lock"),
    ("*", "a/b"),
    ("docs/*.md", "docs/a/b.md"),
    ("data/file?.csv", "data/file10.csv"),
    ("data/file?.csv", "data/file/.csv"),
    ("[a-c].txt", "d.txt"),
    ("[!a]bc", "abc"),
    ("[!a]bc", "/bc"),
    ("a**b", "a/b"),
    ("a+b(c).txt", "aab(c).txt"),
    ("migrations/", "migrations"),
])
def test_glob_does_not_match(pattern: str, path: str) -> None:
    assert not path_matches(path, pattern)


def test_a_binary_file_waits_for_a_human_and_the_reason_names_it() -> None:
    review = _review(files=("logo.png", "src/app.py"), binary_files=("logo.png",))
    assert _judge(review=review) == (False, (
        "It has a binary file, logo.png; a binary file has no lines to count, so it waits "
        "for a human ([gate] allow_binary = false).",))
    assert _judge(GateConfig(allow_binary=True), review=review) == (True, ())


def test_several_binary_files_are_counted_and_named() -> None:
    binary = tuple(f"img/{i}.png" for i in range(7))
    _, [reason] = _judge(review=_review(files=binary, binary_files=binary))
    assert reason.startswith("It has 7 binary files: img/0.png, img/1.png, img/2.png, "
                             "img/3.png, img/4.png and 2 more; ")


def test_too_many_new_files_wait_for_a_human() -> None:
    new = tuple(f"f{i}.txt" for i in range(3))
    assert _judge(GateConfig(max_new_files=3), review=_review(files=new, new_files=new)) == (
        True, ())
    assert _judge(GateConfig(max_new_files=2), review=_review(files=new, new_files=new)) == (
        False, ("It adds 3 new files, over the limit of 2 for landing on its own.",))
