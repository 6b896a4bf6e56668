"""The page's pure parts: slowing bad tokens, cutting a diff by file, item links."""

from __future__ import annotations

from loopwright.web.access import BadTokens
from loopwright.web.context import item_url
from loopwright.web.snapshot import files_of


def test_bad_tokens_are_free_five_times_then_ever_slower() -> None:
    bad = BadTokens(free=5, window=600, max_delay=5.0, base_delay=0.25)
    delays = [bad.missed("10.0.0.9", now=float(n)) for n in range(10)]
    assert delays[:5] == [0.0] * 5
    assert delays[5:] == [0.25, 0.5, 1.0, 2.0, 4.0]
    assert bad.missed("10.0.0.9", now=11.0) == 5.0  # capped
    assert bad.missed("10.0.0.7", now=11.0) == 0.0  # another client is not slowed


def test_bad_tokens_are_forgotten_after_the_window() -> None:
    bad = BadTokens(free=1, window=60)
    assert bad.missed("c", now=0.0) == 0.0
    assert bad.missed("c", now=1.0) > 0
    assert bad.missed("c", now=200.0) == 0.0


def test_a_diff_is_cut_into_one_part_per_file() -> None:
    diff = ("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n"
            "diff --git a/docs/y z.md b/docs/y z.md\nnew file mode 100644\n+++ b/docs/y z.md\n"
            "@@ -0,0 +1 @@\n+y\n")
    parts = files_of(diff)
    assert [p["path"] for p in parts] == ["x.py", "docs/y z.md"]
    assert parts[0]["diff"].endswith("+b") and parts[1]["diff"].endswith("+y")
    assert files_of("") == []


def test_an_item_link_carries_no_token() -> None:
    assert item_url("https://box.tail.ts.net/", "d-123") == "https://box.tail.ts.net/#/item/d-123"
