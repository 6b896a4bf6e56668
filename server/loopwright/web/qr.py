"""The page's link as a QR code: for the terminal (`loopwright web url`) and as SVG
(the editor's "show QR code" command, through `loopwright/webLink`)."""

from __future__ import annotations

import io

import segno


def terminal(text: str) -> str:
    out = io.StringIO()
    segno.make(text, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def svg(text: str) -> str:
    return str(segno.make(text, error="m").svg_inline(scale=6, border=2))
