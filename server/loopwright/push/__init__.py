"""Push: every interrupting notification sent to an ntfy server, with action buttons that
answer it through the page (docs/anywhere.md).

- sign.py       the key under `.loopwright/` and the signed callbacks (one item, one answer)
- message.py    what is published: title, message, priority, click link, action buttons
- plan.py       what to do with a notification now: send, hold for presence, skip; backoff
- ntfy.py       the HTTP call to the ntfy server
- sender.py     the manager's owned task that delivers, retries and records every delivery
- callbacks.py  the page's route an action button calls back
"""
