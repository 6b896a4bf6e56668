"""Reading a task file dropped in the inbox: what becomes a task, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopwright.triggers.inbox_file import IntakeError, ParsedTask, parse_task_file, parse_task_path
from loopwright.workers.script_format import parse_script

LIMIT = 1_000_000


def parse(text: str | bytes, name: str = "task.md", limit: int = LIMIT) -> ParsedTask:
    data = text.encode() if isinstance(text, str) else text
    return parse_task_file(data, name, max_bytes=limit)


def refusal(text: str | bytes, name: str = "task.md", limit: int = LIMIT) -> str:
    with pytest.raises(IntakeError) as info:
        parse(text, name, limit)
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    return message


# --- what becomes a task ---------------------------------------------------------


def test_a_heading_and_text_become_title_and_body() -> None:
    task = parse("# Fix the login timeout\n\nUsers are logged out after 5 minutes.\n")
    assert task == ParsedTask(
        title="Fix the login timeout", body="Users are logged out after 5 minutes."
    )


def test_front_matter_sets_labels_priority_and_backend() -> None:
    task = parse(
        "---\nlabels: [bug, ui]\npriority: 2\nbackend: script\n---\n# Title\nBody\n"
    )
    assert (task.labels, task.priority, task.backend) == (("bug", "ui"), 2, "script")
    assert (task.title, task.body) == ("Title", "Body")


def test_labels_may_be_a_comma_separated_string() -> None:
    task = parse("---\nlabels: bug, ui , bug,\n---\n# T\n")
    assert task.labels == ("bug", "ui")


def test_front_matter_title_overrides_the_heading_which_stays_in_the_body() -> None:
    task = parse("---\ntitle: Short name\n---\n# A long heading\n\nDetails\n")
    assert task.title == "Short name"
    assert task.body == "# A long heading\n\nDetails"


def test_empty_front_matter_and_empty_values_mean_defaults() -> None:
    assert parse("---\n---\n# T\n") == ParsedTask(title="T", body="")
    assert parse("---\nbackend:\nlabels:\n---\n# T\n") == ParsedTask(title="T", body="")


def test_any_heading_level_is_a_title_and_closing_hashes_are_dropped() -> None:
    assert parse("### Deep title ###\nbody").title == "Deep title"
    assert parse("  ## Indented\n").title == "Indented"


def test_hash_without_space_is_not_a_heading() -> None:
    assert parse("#hashtag\n# Real title\n").title == "Real title"


def test_a_heading_inside_a_code_block_is_not_the_title() -> None:
    task = parse("```sh\n# not a title\n```\n# The title\nafter\n")
    assert task.title == "The title"
    assert task.body == "```sh\n# not a title\n```\n\nafter"


def test_text_above_the_heading_is_kept_in_the_body() -> None:
    task = parse("Reported by Ana.\n\n# Title\n\nDetails\n")
    assert task.body == "Reported by Ana.\n\nDetails"


def test_body_keeps_a_script_block_intact() -> None:
    text = '# T\n\n```loopwright-script\n{"run": "pytest -q"}\n```\n'
    assert parse(text).body == '```loopwright-script\n{"run": "pytest -q"}\n```'


def test_bom_and_crlf_are_accepted() -> None:
    data = (
        b"\xef\xbb\xbf---\r\npriority: 1\r\n---\r\n"
        b"# Windows title\r\n\r\nline one\r\nline two\r\n"
    )
    task = parse(data)
    assert task == ParsedTask(title="Windows title", body="line one\nline two", priority=1)


def test_a_file_exactly_at_the_limit_is_accepted() -> None:
    text = "# T\n" + "x" * 96
    assert parse(text, limit=100).title == "T"


# --- what is refused -------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_limit() -> None:
    message = refusal("# T\n" + "x" * 2_000, name="big.md", limit=1_000)
    assert "2,004 bytes" in message
    assert "1,000 bytes" in message
    assert "intake.max_file_bytes" in message


def test_invalid_utf8_is_refused_with_the_byte_offset() -> None:
    message = refusal(b"# Caf\xe9\n", name="latin1.md")
    assert "not valid UTF-8" in message
    assert "offset 5" in message


def test_the_offset_counts_the_bom() -> None:
    assert "offset 4" in refusal(b"\xef\xbb\xbf#\xff")


def test_a_file_without_a_heading_is_refused() -> None:
    message = refusal("Just some words\nand more.\n")
    assert "no title" in message
    assert "# " in message  # shows what a heading looks like


def test_an_empty_file_is_refused_as_untitled() -> None:
    assert "no title" in refusal("")


def test_unparseable_front_matter_is_refused_with_the_line() -> None:
    message = refusal("---\npriority: 1\nlabels: [bug\n---\n# T\n")
    assert "not valid YAML" in message
    assert "line 3" in message


def test_front_matter_that_is_not_a_mapping_is_refused() -> None:
    message = refusal("---\n- bug\n- ui\n---\n# T\n")
    assert "key: value" in message
    assert "list" in message


def test_unknown_front_matter_keys_are_refused_by_name() -> None:
    message = refusal("---\nlables: bug\nowner: ana\n---\n# T\n")
    assert "'lables'" in message
    assert "'owner'" in message
    assert "labels" in message  # lists the allowed keys


def test_unclosed_front_matter_is_refused() -> None:
    assert "never closed" in refusal("---\nlabels: bug\n# T\n")


@pytest.mark.parametrize(
    ("front", "key"),
    [
        ("priority: high", "priority"),
        ("priority: 1.5", "priority"),
        ("priority: true", "priority"),
        ("labels: 3", "labels"),
        ("labels: [bug, 2]", "labels"),
        ("labels: {a: b}", "labels"),
        ("backend: [a]", "backend"),
        ("title: 12", "title"),
        ("title: ''", "title"),
    ],
)
def test_wrong_types_are_refused_naming_the_key(front: str, key: str) -> None:
    message = refusal(f"---\n{front}\n---\n# T\n")
    assert f"'{key}'" in message


# --- reading from disk -----------------------------------------------------------


def test_parse_task_path_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "fix.md"
    path.write_text("# Fix it\nnow\n")
    assert parse_task_path(path, LIMIT) == ParsedTask(title="Fix it", body="now")


def test_a_ten_megabyte_file_is_refused_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as f:
        f.truncate(10 * 1024 * 1024)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("an oversized file was opened")

    monkeypatch.setattr(Path, "open", never)
    monkeypatch.setattr(Path, "read_bytes", never)
    with pytest.raises(IntakeError, match=r"huge\.md: the file is 10,485,760 bytes"):
        parse_task_path(path, LIMIT)


def test_a_file_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "notes.md"
    folder.mkdir()
    with pytest.raises(IntakeError, match=r"notes\.md: cannot be read"):
        parse_task_path(folder, LIMIT)


def test_a_vanished_file_is_not_a_refusal(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        parse_task_path(tmp_path / "gone.md", LIMIT)


def test_the_example_in_the_docs_is_a_valid_task() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "inbox.md").read_text()
    example = doc.split("~~~~markdown\n", 1)[1].split("\n~~~~\n", 1)[0]
    task = parse(example)
    assert (task.title, task.labels, task.priority, task.backend) == (
        "Fix the login timeout", ("bug", "auth"), 2, "script",
    )
    assert len(parse_script(task.body)) == 3
