"""One publish to an ntfy server: its JSON API (POST the body, topic inside, to the
server's root), the access token as a bearer header. The outcome says what the server
answered, or why there was no answer; nothing here raises or retries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a client exists only once push is on: it imported httpx2
    import httpx2

CHANNEL = "ntfy"


@dataclass(frozen=True)
class Outcome:
    status: int  # the HTTP status; 0: no answer
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


async def publish(client: httpx2.AsyncClient, url: str, body: dict[str, Any], token: str,
                  timeout: float) -> Outcome:
    import httpx2

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        r = await client.post(url.rstrip("/") + "/", json=body, headers=headers,
                              timeout=timeout)
    except httpx2.TimeoutException:
        return Outcome(0, f"no answer from {url} within {timeout:g}s")
    except httpx2.HTTPError as e:
        return Outcome(0, f"{url}: {type(e).__name__}: {e}"[:300])
    if 200 <= r.status_code < 300:
        return Outcome(r.status_code)
    return Outcome(r.status_code, f"HTTP {r.status_code}: {_said(r)}"[:300])


def _said(r: httpx2.Response) -> str:
    """ntfy's own words (`{"code": 40101, "error": "unauthorized"}`), else the text."""
    try:
        data = r.json()
    except ValueError:
        return r.text.strip()[:200] or r.reason_phrase
    if isinstance(data, dict) and isinstance(error := data.get("error"), str):
        return error
    return r.text.strip()[:200]
