"""`[environment] ports`: free TCP ports for a session, and the variables that name them.

A port is free when the kernel hands it out for a listening socket on loopback; the
sockets are held open together while they are picked, so one call never returns the same
port twice, and ports already held by a live session (`taken`, from the log) are passed
over. Between the pick and the app binding its port another program could take it: the
app then fails to start and says so, nothing is shared silently.
"""

from __future__ import annotations

import socket
from collections.abc import Collection, Mapping

__all__ = ["expand", "reserve", "session_env"]

MAX_TRIES = 1000


def reserve(count: int, taken: Collection[int]) -> tuple[int, ...]:
    """`count` free ports on 127.0.0.1, none of them in `taken`."""
    held: list[socket.socket] = []
    picked: list[int] = []
    try:
        for _ in range(MAX_TRIES):
            if len(picked) == count:
                break
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(sock)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            if port not in taken:
                picked.append(port)
        else:
            raise OSError(f"could not find {count} free ports")
    finally:
        for sock in held:
            sock.close()
    return tuple(picked)


def session_env(name: str, ports: tuple[int, ...]) -> dict[str, str]:
    """What every command of a session sees: its name and its ports."""
    env = {"LOOPWRIGHT_SESSION": name}
    env.update({f"LOOPWRIGHT_PORT_{n}": str(port) for n, port in enumerate(ports)})
    return env


def expand(text: str, env: Mapping[str, str]) -> str:
    """`$LOOPWRIGHT_PORT_0` (or `${...}`) in a URL replaced by its value."""
    for name in sorted(env, key=len, reverse=True):  # _10 before _1
        text = text.replace("${" + name + "}", env[name]).replace("$" + name, env[name])
    return text
