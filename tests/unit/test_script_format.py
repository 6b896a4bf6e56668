"""The script worker's program: loopwright-script blocks in a task body or a note."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopwright.workers.script_format import (
    NO_BLOCK,
    Append,
    Ask,
    Delete,
    Fail,
    Finish,
    Progress,
    Replace,
    Run,
    ScriptError,
    Sleep,
    Step,
    Write,
    describe,
    find_scripts,
    parse_script,
    program,
)


def block(*lines: str, fence: str = "```") -> str:
    return "\n".join([f"{fence}loopwright-script", *lines, fence])


def one(line: str) -> Step:
    steps = parse_script(block(line))
    assert len(steps) == 1
    return steps[0]


def error(body: str) -> ScriptError:
    with pytest.raises(ScriptError) as info:
        parse_script(body)
    return info.value


# --- every step ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "step"),
    [
        ('{"write": "src/app.py", "content": "x = 1\\n"}', Write("src/app.py", "x = 1\n")),
        ('{"append": "NOTES.md", "content": "more"}', Append("NOTES.md", "more")),
        ('{"delete": "old.txt"}', Delete("old.txt")),
        ('{"replace": "a.py", "old": "x = 1", "new": "x = 2"}', Replace("a.py", "x = 1", "x = 2")),
        ('{"run": "pytest -q"}', Run("pytest -q")),
        ('{"sleep": 0.5}', Sleep(0.5)),
        ('{"sleep": 0}', Sleep(0.0)),
        ('{"progress": "halfway"}', Progress("halfway")),
        ('{"finish": "added app.py"}', Finish("added app.py")),
        ('{"fail": "cannot reproduce"}', Fail("cannot reproduce")),
    ],
)
def test_each_step_parses(line: str, step: Step) -> None:
    assert one(line) == step


def test_ask_defaults_to_the_first_option_and_not_blocking() -> None:
    assert one('{"ask": "Which DB?", "options": ["sqlite", "postgres"]}') == Ask(
        "Which DB?", ("sqlite", "postgres"), "sqlite", False
    )


def test_ask_without_options_defaults_to_empty() -> None:
    assert one('{"ask": "Anything else?"}') == Ask("Anything else?", (), "", False)


def test_ask_with_every_field() -> None:
    line = '{"ask": "Ship?", "options": ["yes", "no"], "default": "no", "blocking": true}'
    assert one(line) == Ask("Ship?", ("yes", "no"), "no", True)


def test_comments_and_blank_lines_are_ignored() -> None:
    body = block("// set up", "", '  {"run": "make"}  ', "   // done", '{"finish": "ok"}')
    assert parse_script(body) == [Run("make"), Finish("ok")]


def test_tilde_fences_and_longer_fences_work() -> None:
    assert parse_script(block('{"run": "a"}', fence="~~~")) == [Run("a")]
    assert parse_script(block('{"run": "a"}', fence="````")) == [Run("a")]


def test_steps_of_several_blocks_run_in_order() -> None:
    body = "\n".join([
        "# Task", "First:", block('{"run": "one"}'), "Then:", block('{"run": "two"}'),
    ])
    assert parse_script(body) == [Run("one"), Run("two")]


def test_other_code_blocks_are_not_scripts() -> None:
    body = "\n".join([
        "```python",
        "```loopwright-script",  # inside a python block: just text
        "```",
        "```json",
        '{"run": "no"}',
        "```",
        block('{"run": "yes"}'),
    ])
    assert parse_script(body) == [Run("yes")]


def test_find_scripts_returns_every_block() -> None:
    text = "note\n" + block('{"run": "a"}') + "\ntext\n" + block("// x", '{"run": "b"}')
    assert find_scripts(text) == ['{"run": "a"}', '// x\n{"run": "b"}']
    assert find_scripts("no blocks here") == []


def test_an_unclosed_block_runs_to_the_end() -> None:
    assert parse_script('```loopwright-script\n{"run": "a"}\n') == [Run("a")]


def test_crlf_bodies_parse() -> None:
    assert parse_script(block('{"run": "a"}').replace("\n", "\r\n")) == [Run("a")]


# --- what is wrong, and where ------------------------------------------------------


def test_no_block_says_how_to_fix_it() -> None:
    e = error("# Just a task\nwith no script")
    assert str(e) == NO_BLOCK
    assert "docs/script-format.md" in str(e)


def test_errors_give_the_line_number_in_the_body() -> None:
    body = "# Title\n\ntext\n" + block('{"run": "ok"}', "", '{"run": 1}')
    e = error(body)
    assert e.line == 7
    assert str(e).startswith("line 7 of the task body: ")


def test_a_note_is_named_in_errors() -> None:
    with pytest.raises(ScriptError, match=r"^line 2 of the note: not valid JSON"):
        parse_script(block("{"), source="note")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"run": "a"', "not valid JSON"),
        ('["run", "a"]', "must be a JSON object"),
        ('{"writ": "a.py"}', "unknown action"),
        ("{}", "unknown action"),
        ('{"write": "a.py", "content": "", "run": "x"}', "2 actions (write, run)"),
        ('{"write": "a.py"}', "missing key 'content'"),
        ('{"write": 3, "content": ""}', "'write' must be text, not a whole number"),
        ('{"run": "x", "timeout": 3}', "unknown key 'timeout'"),
        ('{"run": ""}', "'run' must not be empty"),
        ('{"sleep": -1}', "'sleep' must be a number >= 0"),
        ('{"sleep": 1e308}', "'sleep' must be a number >= 0 and <= 3600 (seconds)"),
        ('{"sleep": 3600.5}', "'sleep' must be a number >= 0 and <= 3600 (seconds)"),
        ('{"sleep": 1e999}', "a number is too large to read"),
        ('{"sleep": ' + '9' * 5000 + '}', "a number is too large to read"),
        ('{"sleep": "1"}', "'sleep' must be a number, not text"),
        ('{"ask": "q", "options": "a, b"}', "'options' must be a list"),
        ('{"ask": "q", "blocking": "yes"}', "'blocking' must be true or false"),
        ('{"ask": "q", "options": ["a"], "default": "b"}', "not one of the options"),
        ('{"delete": "/etc/passwd"}', "relative to the worktree"),
        ('{"write": "../outside.py", "content": ""}', "relative to the worktree"),
        ('{"replace": "a.py", "old": "", "new": "x"}', "'old' must not be empty"),
        ('{"replace": "a.py", "new": "x"}', "missing key 'old'"),
        ('{"replace": "/a.py", "old": "x", "new": "y"}', "relative to the worktree"),
    ],
)
def test_bad_steps_are_explained(line: str, expected: str) -> None:
    e = error(block('{"progress": "start"}', line))
    assert e.line == 3
    assert expected in str(e)


# --- describe ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (Write("src/app.py", "x"), ("write", "src/app.py")),
        (Append("log.txt", "x"), ("append", "log.txt")),
        (Delete("old.py"), ("delete", "old.py")),
        (Replace("a.py", "x", "y"), ("replace", "a.py")),
        (Run("pytest -q"), ("run", "pytest -q")),
        (Ask("Which?", ("a",), "a"), ("ask", "Which?")),
        (Sleep(1.5), ("sleep", "1.5s")),
        (Progress("half"), ("progress", "half")),
        (Finish("done"), ("finish", "done")),
        (Fail("no"), ("fail", "no")),
    ],
)
def test_describe_gives_action_and_detail(step: Step, expected: tuple[str, str]) -> None:
    assert describe(step) == expected


def test_describe_keeps_the_detail_to_one_short_line() -> None:
    action, detail = describe(Finish("first line\nsecond line"))
    assert (action, detail) == ("finish", "first line…")
    assert len(describe(Run("x" * 500))[1]) == 120


# --- the documentation's examples --------------------------------------------------


def test_every_example_in_the_docs_parses() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "script-format.md").read_text()
    outer = {"~~~~markdown", "~~~~", "````markdown", "````"}
    text = "\n".join(line for line in doc.splitlines() if line not in outer)
    blocks = find_scripts(text)
    assert len(blocks) == doc.splitlines().count("```loopwright-script") == 4
    steps = parse_script(text)
    assert {describe(step)[0] for step in steps} == {
        "write", "append", "replace", "delete", "run", "ask", "sleep", "progress",
        "finish", "fail",
    }


# --- the program over notes --------------------------------------------------------

BODY = block('{"write": "a.txt", "content": "1"}', '{"finish": "wrote a"}',
             '{"delete": "never.txt"}')
NOTE = "Make it two.\n" + block('{"write": "a.txt", "content": "2"}', '{"finish": "two"}')


@pytest.mark.parametrize(("notes", "steps"), [
    # the first run: the body as it is, up to its finish
    ((), [Write("a.txt", "1"), Finish("wrote a"), Delete("never.txt")]),
    # sent back: the finish that ended the first run does not end this one
    ((NOTE,), [Write("a.txt", "1"), Write("a.txt", "2"), Finish("two")]),
    # sent back twice: the first note's finish does not end the second run either
    ((NOTE, NOTE), [Write("a.txt", "1"), Write("a.txt", "2"), Write("a.txt", "2"),
                    Finish("two")]),
    # a note without a block adds nothing, and nothing finishes the old way again
    (("just words",), [Write("a.txt", "1")]),
])
def test_a_notes_steps_run_next_whatever_the_body_ended_with(
    notes: tuple[str, ...], steps: list[Step],
) -> None:
    assert program(BODY, notes) == steps
