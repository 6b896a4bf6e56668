"""The phone page: a Starlette app over the front-end API, its access token, its server.

- access.py   the token under .loopwright/ (0600), checked in constant time; bad tries slowed
- context.py  what a route gets: the API, the page's base URL, item links
- guard.py    the ASGI guard: body limits, the token in a header, security headers
- snapshot.py what the page shows, from the one projection (views/)
- routes.py   the page's JSON API, its acts and its live stream (server-sent events)
- app.py      the app: static assets, routes, mounts (push callbacks under /push)
- server.py   serving it beside the manager, the link and its QR code
"""
