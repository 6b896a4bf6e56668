"""The manager's thread from the editor, through a real `loopwright serve` (pytest-lsp):
tell it something, hear the entry as `$/loopwright/thread`, read the thread, and get a
clear error for an overrule that does not apply."""

from __future__ import annotations

from test_lsp_server import REQUEST_FAILED, editor_on, expect_error, set_up

from helpers.git import MakeRepo


async def test_a_message_told_from_the_editor_is_in_the_thread(make_repo: MakeRepo) -> None:
    root = make_repo()
    set_up(root)
    async with editor_on(root) as ed:
        told = await ed.request("loopwright/tell", {"text": "Prioritise the release bugs"})
        assert (told["kind"], told["by"], told["text"]) == (
            "told", "human", "Prioritise the release bugs")
        heard = await ed.until(lambda: [e for t in ed.threads for e in t["entries"]])
        assert [e["seq"] for e in heard] == [told["seq"]]
        thread = await ed.request("loopwright/manager", {})
        assert thread["agent"] == "off" and not thread["thinking"]
        assert [e["text"] for e in thread["entries"]] == ["Prioritise the release bugs"]
        later = await ed.request("loopwright/manager", {"after": told["seq"]})
        assert later["entries"] == []
        await expect_error(ed.request("loopwright/overruleAct", {"act": "m9.9"}),
                           REQUEST_FAILED, "no manager act 'm9.9'")
        await expect_error(ed.request("loopwright/tell", {"text": " "}),
                           REQUEST_FAILED, "the message goes to the manager")
