"""The inbox folder on a real file system with real watchdog: what is noticed, when, and
where files go afterwards."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loopwright.triggers.inbox import InboxWatcher, archive, is_candidate, scan

WAIT = 5.0  # seconds to wait for a callback before failing; never a speed assertion
SETTLE = 0.3


class Reported:
    """Collects (path, content at the time of the call) from the watcher's thread."""

    def __init__(self) -> None:
        self.items: list[tuple[Path, bytes]] = []
        self._changed = threading.Condition()

    def __call__(self, path: Path) -> None:
        with self._changed:
            self.items.append((path, path.read_bytes()))
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = WAIT) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.items) >= count, timeout)

    @property
    def names(self) -> list[str]:
        return [path.name for path, _ in self.items]


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def reported() -> Reported:
    return Reported()


@pytest.fixture
def watcher(inbox: Path, reported: Reported) -> Iterator[InboxWatcher]:
    w = InboxWatcher(inbox, reported, settle_seconds=SETTLE)
    w.start()
    yield w
    w.stop()


def quiet_period() -> None:
    """Long enough for a second (wrong) report to arrive, were one coming."""
    time.sleep(SETTLE * 3)


# --- which files count -----------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["fix.md", "Fix.MD", "notes.markdown", "task.txt", "two words.md"]
)
def test_task_files_are_candidates(name: str) -> None:
    assert is_candidate(name)


@pytest.mark.parametrize(
    "name",
    [".hidden.md", ".#fix.md", ".fix.md.swp", "fix.md~", "fix.md.swp", "fix.md.tmp",
     "#fix.md#", "fix.md.part", "image.png", "Makefile", "fix.py"],
)
def test_hidden_temp_and_other_files_are_not_candidates(name: str) -> None:
    assert not is_candidate(name)


def test_scan_lists_candidates_oldest_first(inbox: Path) -> None:
    for i, name in enumerate(["c.md", "a.txt", "b.markdown"]):
        path = inbox / name
        path.write_text("# t\n")
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    (inbox / ".hidden.md").write_text("x")
    (inbox / "fix.md~").write_text("x")
    (inbox / "folder.md").mkdir()
    (inbox / "picture.png").write_bytes(b"x")
    assert [p.name for p in scan(inbox)] == ["c.md", "a.txt", "b.markdown"]


def test_scan_of_a_missing_inbox_is_empty(tmp_path: Path) -> None:
    assert scan(tmp_path / "nope") == []


# --- watching --------------------------------------------------------------------


def test_a_new_file_is_reported_once(
    inbox: Path, reported: Reported, watcher: InboxWatcher
) -> None:
    (inbox / "fix.md").write_text("# Fix\n")
    assert reported.wait_for(1)
    quiet_period()
    assert reported.items == [(inbox / "fix.md", b"# Fix\n")]


def test_a_file_written_slowly_is_reported_once_and_complete(
    inbox: Path, reported: Reported, watcher: InboxWatcher
) -> None:
    chunks = [f"line {i}\n".encode() for i in range(10)]
    with (inbox / "slow.md").open("wb") as f:
        for chunk in chunks:
            f.write(chunk)
            f.flush()
            time.sleep(0.02)
    assert reported.wait_for(1)
    quiet_period()
    assert reported.items == [(inbox / "slow.md", b"".join(chunks))]


def test_a_closed_file_is_handed_over_without_waiting_to_settle(
    inbox: Path, reported: Reported
) -> None:
    patient = InboxWatcher(inbox, reported, settle_seconds=3600)  # settling would never end
    patient.start()
    try:
        with (inbox / "closed.md").open("wb") as f:
            f.write(b"# Done\n")
            f.flush()
            time.sleep(0.05)
            f.write(b"body\n")
        assert reported.wait_for(1)
        (inbox / "renamed.md.tmp").write_text("# Renamed\n")
        (inbox / "renamed.md.tmp").rename(inbox / "renamed.md")
        assert reported.wait_for(2)
    finally:
        patient.stop()
    assert reported.items == [(inbox / "closed.md", b"# Done\nbody\n"),
                              (inbox / "renamed.md", b"# Renamed\n")]


def test_dotfiles_and_temp_files_are_ignored(
    inbox: Path, reported: Reported, watcher: InboxWatcher
) -> None:
    for name in [".draft.md", ".#task.md", "task.md~", "task.md.swp", "task.tmp", "a.png"]:
        (inbox / name).write_text("# ignored\n")
    (inbox / "subfolder.md").mkdir()
    (inbox / "real.md").write_text("# real\n")
    assert reported.wait_for(1)
    quiet_period()
    assert reported.names == ["real.md"]


def test_a_file_moved_in_from_outside_is_reported(
    tmp_path: Path, inbox: Path, reported: Reported, watcher: InboxWatcher
) -> None:
    outside = tmp_path / "drafts" / "moved.md"
    outside.parent.mkdir()
    outside.write_text("# Moved in\n")
    outside.replace(inbox / "moved.md")
    assert reported.wait_for(1)
    assert reported.items == [(inbox / "moved.md", b"# Moved in\n")]


def test_a_temp_file_renamed_into_place_is_reported_under_its_final_name(
    inbox: Path, reported: Reported, watcher: InboxWatcher
) -> None:
    temp = inbox / ".task.md.tmp"
    temp.write_text("# Atomic\n")
    temp.replace(inbox / "task.md")
    assert reported.wait_for(1)
    quiet_period()
    assert reported.names == ["task.md"]


def test_files_present_before_start_are_reported_oldest_first(
    inbox: Path, reported: Reported
) -> None:
    for name, mtime in [("second.md", 2_000_000), ("first.md", 1_000_000)]:
        path = inbox / name
        path.write_text(f"# {name}\n")
        os.utime(path, (mtime, mtime))
    with InboxWatcher(inbox, reported, settle_seconds=SETTLE):
        assert reported.wait_for(2)
        quiet_period()
    assert reported.names == ["first.md", "second.md"]


def test_a_changed_file_is_reported_again(
    inbox: Path, reported: Reported, watcher: InboxWatcher
) -> None:
    path = inbox / "fix.md"
    path.write_text("# Fix\n")
    assert reported.wait_for(1)
    with path.open("a") as f:
        f.write("more detail\n")
    assert reported.wait_for(2)
    quiet_period()
    assert [content for _, content in reported.items] == [b"# Fix\n", b"# Fix\nmore detail\n"]


def test_a_file_removed_and_dropped_again_is_reported_again(
    inbox: Path, reported: Reported, watcher: InboxWatcher
) -> None:
    path = inbox / "fix.md"
    path.write_text("# Fix\n")
    assert reported.wait_for(1)
    path.unlink()
    path.write_text("# Fix\n")
    assert reported.wait_for(2)


def test_the_inbox_is_created_when_missing(tmp_path: Path, reported: Reported) -> None:
    inbox = tmp_path / ".loopwright" / "inbox"
    with InboxWatcher(inbox, reported, settle_seconds=SETTLE):
        assert inbox.is_dir()
        (inbox / "new.md").write_text("# New\n")
        assert reported.wait_for(1)


def test_nothing_is_reported_after_stop(inbox: Path) -> None:
    stop_returned = threading.Event()
    calls_after_stop: list[str] = []

    def on_file(path: Path) -> None:
        if stop_returned.is_set():
            calls_after_stop.append(path.name)

    watcher = InboxWatcher(inbox, on_file, settle_seconds=SETTLE)
    watcher.start()
    (inbox / "late.md").write_text("# Late\n")  # may be reported, but only before stop
    watcher.stop()
    stop_returned.set()
    (inbox / "later.md").write_text("# Later\n")
    quiet_period()
    assert calls_after_stop == []


def test_a_failing_callback_does_not_stop_the_watcher(inbox: Path, reported: Reported) -> None:
    def flaky(path: Path) -> None:
        if path.name == "bad.md":
            raise RuntimeError("boom")
        reported(path)

    with InboxWatcher(inbox, flaky, settle_seconds=SETTLE):
        (inbox / "bad.md").write_text("# Bad\n")
        quiet_period()
        (inbox / "good.md").write_text("# Good\n")
        assert reported.wait_for(1)
    assert reported.names == ["good.md"]


# --- archiving -------------------------------------------------------------------


def test_archive_moves_the_file_under_a_timestamped_name(tmp_path: Path, inbox: Path) -> None:
    path = inbox / "fix.md"
    path.write_text("# Fix\n")
    kept = archive(path, tmp_path / "archive", refused=False)
    assert not path.exists()
    assert kept.parent == tmp_path / "archive"
    assert kept.read_text() == "# Fix\n"
    stamp, _, rest = kept.name.partition("-")
    time_part, _, name = rest.partition("-")
    assert (len(stamp), len(time_part), name) == (8, 6, "fix.md")


def test_refused_files_are_kept_in_archive_refused(tmp_path: Path, inbox: Path) -> None:
    path = inbox / "broken.md"
    path.write_bytes(b"\xff\xfe")
    kept = archive(path, tmp_path / "archive", refused=True)
    assert kept.parent == tmp_path / "archive" / "refused"
    assert kept.read_bytes() == b"\xff\xfe"
    assert not path.exists()


def test_archive_never_overwrites(tmp_path: Path, inbox: Path) -> None:
    archive_dir = tmp_path / "archive"
    archive_dir.mkdir()
    now = datetime.now(UTC)
    taken = []
    for seconds in range(3):  # occupy the name for this second and the next two
        stamp = (now + timedelta(seconds=seconds)).strftime("%Y%m%d-%H%M%S")
        existing = archive_dir / f"{stamp}-fix.md"
        existing.write_text(f"earlier {seconds}\n")
        taken.append(existing)
    kept = []
    for i in range(3):
        path = inbox / "fix.md"
        path.write_text(f"version {i}\n")
        kept.append(archive(path, archive_dir, refused=False))
    assert len(set(kept) | set(taken)) == 6
    assert [p.read_text() for p in kept] == [f"version {i}\n" for i in range(3)]
    assert [p.read_text() for p in taken] == [f"earlier {s}\n" for s in range(3)]
    assert all(p.suffix == ".md" for p in kept)


def test_archiving_a_vanished_file_leaves_nothing_behind(tmp_path: Path, inbox: Path) -> None:
    with pytest.raises(FileNotFoundError):
        archive(inbox / "gone.md", tmp_path / "archive", refused=False)
    assert list((tmp_path / "archive").iterdir()) == []
