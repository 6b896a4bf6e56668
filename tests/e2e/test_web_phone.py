"""The phone page as a person uses it: real Chromium on a 390x844 touch screen, opening
the link `loopwright run --web` printed, answering and approving with a thumb, and
watching the loop go on. Every wait polls the DOM or the log; none sleeps to assert."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from helpers.git import MakeRepo, git
from helpers.loop import cli, configure, init, task_file
from helpers.phone import PHONE, RunWithPage, chromium, free_port, shot
from helpers.web import served
from loopwright.manager.api import FrontEndApi
from loopwright.project import Project

pytestmark = pytest.mark.slow
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}
SOON = 30_000  # ms: how long a thing the loop does may take on a loaded machine


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture
def project(make_repo: MakeRepo) -> Project:
    project = init(make_repo(PASSING))
    configure(project, "[gate]\nauto_land = false\n[parallel]\npredict_conflicts = false\n")
    return project


@pytest.fixture
def run(project: Project, tmp_path: Path) -> Iterator[RunWithPage]:
    running = RunWithPage(project.root, free_port(), tmp_path / "run.log")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def phone(browser: Browser, run: RunWithPage) -> Iterator[Page]:
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(run.link)
    expect(page.locator("#conn")).to_have_text("live", timeout=SOON)
    yield page
    context.close()


def landed_on_main(project: Project, name: str) -> bool:
    return (project.root / name).exists() and "Loopwright-Session" in git(
        project.root, "log", "-1", "--format=%B")


def test_the_link_opens_the_page_and_forgets_the_token_from_the_address(
    phone: Page,
) -> None:
    assert "token" not in phone.url
    expect(phone.locator("#count")).to_have_text("0")
    expect(phone.locator("main")).to_contain_text("Nothing needs you")


def test_answer_a_blocking_question_with_one_tap_and_the_worker_goes_on(
    project: Project, phone: Page,
) -> None:
    assert cli(project.root, "dispatch", "Pick a name", "--body", task_file(
        "x", {"ask": "Which name should the file get?", "options": ["alpha", "beta"],
              "blocking": True},
        {"write": "name.txt", "content": "beta\n"})).returncode == 0
    card = phone.locator("[data-kind=decision]")
    expect(card).to_contain_text("Which name should the file get?", timeout=SOON)
    expect(phone.locator("#count")).to_have_text("1")
    shot(phone, "web-decision")
    card.get_by_role("button", name="beta").tap()
    expect(phone.locator("#toast")).to_contain_text("answered: beta")
    expect(card).to_have_count(0, timeout=SOON)
    # The worker resumed: its change waits for review, then lands when approved here.
    review = phone.locator("[data-kind=review]")
    expect(review).to_contain_text("Pick a name", timeout=SOON)
    review.get_by_role("button", name="Approve & land").tap()
    phone.goto(phone.url.split("#")[0] + "#/sessions")
    expect(phone.locator("[data-session]")).to_have_attribute("data-state", "landed",
                                                              timeout=SOON)
    assert landed_on_main(project, "name.txt")


def test_an_item_link_shows_that_item_and_an_answer_elsewhere_clears_it(
    project: Project, phone: Page, run: RunWithPage,
) -> None:
    assert cli(project.root, "dispatch", "Ask", "--body", task_file(
        "x", {"ask": "Ship it on Friday?", "options": ["yes", "no"], "blocking": True},
        {"write": "f.txt", "content": "f\n"})).returncode == 0
    expect(phone.locator("[data-kind=decision]")).to_be_visible(timeout=SOON)
    ref = phone.locator("[data-kind=decision]").get_attribute("data-ref")
    assert ref
    phone.goto(run.link.split("#")[0] + f"#/item/{ref}")  # what a push notification opens
    expect(phone.locator(f"[data-ref='{ref}']")).to_contain_text("Ship it on Friday?")
    assert cli(project.root, "answer", ref, "no").returncode == 0
    expect(phone.locator(f"[data-gone='{ref}']")).to_contain_text(
        "Nothing waits here any more", timeout=SOON)


def test_read_the_diff_file_by_file_and_approve_it_lands(
    project: Project, phone: Page,
) -> None:
    assert cli(project.root, "dispatch", "Two files", "--body", task_file(
        "x", {"write": "one.txt", "content": "one\n" * 3},
        {"write": "docs/two.md", "content": "# Two\n\nA line long enough to need a "
                                            "scroll on a phone screen, " * 3 + "\n"},
    )).returncode == 0
    card = phone.locator("[data-kind=review]")
    expect(card).to_contain_text("Two files", timeout=SOON)
    expect(card.locator("[data-part=checks]")).to_contain_text("passed")
    card.get_by_role("button", name="Show the diff (2 file(s))").tap()
    files = card.locator("[data-file]")
    expect(files).to_have_count(2)
    files.nth(0).locator("summary").tap()
    expect(files.nth(0).locator("pre .a").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # the page never scrolls sideways: a long line scrolls in its box
    shot(phone, "web-review")
    card.get_by_role("button", name="Approve & land").tap()
    expect(card).to_have_count(0, timeout=SOON)
    phone.locator("nav a[data-tab=sessions]").tap()
    expect(phone.locator("[data-session]")).to_have_attribute("data-state", "landed",
                                                              timeout=SOON)
    shot(phone, "web-sessions")
    assert landed_on_main(project, "one.txt") and (project.root / "docs/two.md").exists()


def test_request_changes_with_a_note_sends_it_to_the_worker(
    project: Project, phone: Page,
) -> None:
    assert cli(project.root, "dispatch", "Count", "--body", task_file(
        "x", {"write": "n.txt", "content": "1\n"})).returncode == 0
    card = phone.locator("[data-kind=review]")
    expect(card).to_contain_text("Count", timeout=SOON)
    card.locator("[data-part=request] summary").tap()
    note = "Make it two.\n" + task_file("y", {"write": "n.txt", "content": "2\n"})
    card.locator("textarea").fill(note)
    card.get_by_role("button", name="Send back with this note").tap()
    expect(phone.locator("#toast")).to_contain_text("sent back")
    # The worker did what the note said: the change is back for review, now with "2".
    expect(card).to_be_visible(timeout=SOON)
    card.get_by_role("button", name="Show the diff (1 file(s))").tap(timeout=SOON)
    card.locator("[data-file] summary").tap()
    expect(card.locator("[data-file] pre")).to_contain_text("+2")
    api = FrontEndApi.open(project)
    try:
        [s] = api.refresh().sessions.values()
        assert s.feedback and s.feedback[-1].startswith("Make it two.")
    finally:
        api.close()


def test_a_change_made_in_the_cli_appears_on_the_page_without_a_reload(
    project: Project, phone: Page,
) -> None:
    phone.locator("nav a[data-tab=sessions]").tap()
    expect(phone.locator("main")).to_contain_text("No sessions yet")
    phone.evaluate("window.__samePage = true")
    assert cli(project.root, "dispatch", "Filed from the shell", "--body", task_file(
        "x", {"write": "shell.txt", "content": "s\n"})).returncode == 0
    expect(phone.locator("[data-session]")).to_contain_text("Filed from the shell",
                                                            timeout=SOON)
    assert phone.evaluate("window.__samePage") is True  # no reload happened


def test_a_page_left_open_across_a_manager_restart_comes_back_by_itself(
    project: Project, phone: Page, run: RunWithPage,
) -> None:
    run.stop(signal.SIGKILL)
    expect(phone.locator("#conn")).to_have_text("reconnecting…", timeout=SOON)
    phone.evaluate("window.__samePage = true")
    run.start()
    expect(phone.locator("#conn")).to_have_text("live", timeout=SOON)
    assert cli(project.root, "dispatch", "After the restart", "--body", task_file(
        "x", {"write": "after.txt", "content": "a\n"})).returncode == 0
    expect(phone.locator("[data-kind=review]")).to_contain_text("After the restart",
                                                               timeout=SOON)
    assert phone.evaluate("window.__samePage") is True


def test_tell_the_manager_from_the_phone_and_see_it_in_its_thread(
    browser: Browser, make_repo: MakeRepo, tmp_path: Path,
) -> None:
    pytest.importorskip("loopwright.views.thread", reason="the manager agent is issue 12's")
    project = init(make_repo(PASSING))
    configure(project, '[manager]\nagent = "claude"\n')
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    try:
        with served(project) as server:
            page = context.new_page()
            page.goto(server.link())
            page.locator("nav a[data-tab=manager]").tap()
            expect(page.locator("[data-part=manager]")).to_contain_text("claude")
            page.locator("textarea").fill("Prefer small changes this week.")
            page.get_by_role("button", name="Tell the manager").tap()
            expect(page.locator("[data-entry=told]")).to_contain_text(
                "Prefer small changes this week.", timeout=SOON)
            shot(page, "web-manager")
    finally:
        context.close()
