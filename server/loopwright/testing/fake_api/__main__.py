"""python -m loopwright.testing.fake_api --port N --script file.json

Serves the fake Messages API until interrupted. Prints its base URL as one line on
stdout once listening (so a parent that passed --port 0 can read it); logs to stderr.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from .script import load_script_file
from .server import FakeMessagesAPI

log = logging.getLogger("loopwright.testing.fake_api")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loopwright.testing.fake_api",
        description="Serve a fake Anthropic Messages API on 127.0.0.1 that replays a script.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to bind (0: any free port)")
    parser.add_argument(
        "--script", required=True, help="script file (JSON), see docs/fake-model.md"
    )
    parser.add_argument(
        "--lenient-roles",
        action="store_true",
        help="accept consecutive same-role messages and a final assistant message",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        scripts = load_script_file(args.script)
    except (OSError, ValueError) as err:
        parser.error(f"cannot load {args.script}: {err}")
    api = FakeMessagesAPI(*scripts, port=args.port, strict_roles=not args.lenient_roles)
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with api:
        print(api.base_url, flush=True)
        while not done.wait(0.2):
            pass
    left = api.unfinished()
    if left:
        log.warning("scripts not played to the end: %s", left)
    log.info("stopped after %d requests", len(api.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
