"""The model SDK's first call does its one-time work (pydantic building the schemas of
its request and stream types) in a worker thread, not on the event loop; and only a
configuration that uses the SDK loads it at all. Each case runs in a fresh process: the
work is once per process. The loop thread's calls are counted with a profiler hook (no
clock): what it runs of pydantic's schema generation during the first call."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import msgspec

from loopwright.backends import model_sdk_configured
from loopwright.config import Config, TimerConfig
from loopwright.testing.fake_api import FakeMessagesAPI, Script

FIRST_CALL = """
import asyncio, json, sys
from loopwright.agent.model import call_model, make_client, policy_of
from loopwright.config import Config

built = 0

def count(frame, event, _arg):
    global built
    code = frame.f_code
    if event == "call" and code.co_name == "generate_schema" and "pydantic" in code.co_filename:
        built += 1

async def main(raw):
    config = Config()
    client = await asyncio.to_thread(make_client, config.agent)
    params = {"model": "claude-sonnet-4-5", "max_tokens": 64,
              "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}
    sys.setprofile(count)  # this thread only: the event loop's
    if raw:  # the SDK's own stream, as Loopwright called it before
        async with client.beta.messages.stream(**params) as stream:
            message = await stream.get_final_message()
    else:
        message, _ = await call_model(client, params, policy_of(config.agent))
    sys.setprofile(None)
    await client.close()
    print(json.dumps({"built": built, "text": message.content[0].text}))

asyncio.run(main(sys.argv[1] == "raw"))
"""

NO_AGENT = """
import asyncio, json, sys
from loopwright.backends import warm_up_model_sdk
from loopwright.config import Config
asyncio.run(warm_up_model_sdk(Config()))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "anthropic")))
"""


def first_call(api: FakeMessagesAPI, how: str) -> dict[str, object]:
    env = {**os.environ, "ANTHROPIC_BASE_URL": api.base_url, "ANTHROPIC_API_KEY": "test"}
    done = subprocess.run([sys.executable, "-c", FIRST_CALL, how], env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_first_model_call_builds_no_schema_on_the_event_loop() -> None:
    with FakeMessagesAPI(Script(["Hello!", "Hello again!"])) as api:
        raw = first_call(api, "raw")
        ours = first_call(api, "call_model")
    assert raw == {"built": raw["built"], "text": "Hello!"}
    assert isinstance(raw["built"], int) and raw["built"] > 100  # what the loop used to do
    assert ours == {"built": 0, "text": "Hello again!"}  # done in a thread, before it


def with_(section: str, **values: object) -> Config:
    config = Config()
    return msgspec.structs.replace(
        config, **{section: msgspec.structs.replace(getattr(config, section), **values)})


def test_only_a_configuration_that_uses_the_sdk_warms_it_up() -> None:
    assert not model_sdk_configured(Config())
    for section, key in (("manager", "agent"), ("review", "reviewer"), ("triage", "agent"),
                         ("manager", "default_backend")):
        assert model_sdk_configured(with_(section, **{key: "claude"})), (section, key)
    assert not model_sdk_configured(with_("review", reviewer="codex"))  # Codex's own CLI
    nightly = TimerConfig(name="nightly", title="Nightly", cron="0 3 * * *")
    timers = msgspec.structs.replace(Config(), timers=[nightly])
    assert not model_sdk_configured(timers)
    claude_timer = msgspec.structs.replace(nightly, backend="claude")
    assert model_sdk_configured(msgspec.structs.replace(timers, timers=[claude_timer]))
    done = subprocess.run([sys.executable, "-c", NO_AGENT], capture_output=True, text=True,
                          check=True, timeout=60)
    assert json.loads(done.stdout) == []  # without an agent the SDK is not even loaded
