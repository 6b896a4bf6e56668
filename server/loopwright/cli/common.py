"""What the commands share: opening the project's API, printing JSON, times."""

from __future__ import annotations

import argparse
import sys
import time

import msgspec

from ..manager.api import Loopwright
from ..project import Project


class CliError(Exception):
    pass


def project_of(args: argparse.Namespace) -> Project:
    return Project.find(args.directory)


def open_api(args: argparse.Namespace) -> Loopwright:
    project = project_of(args)
    if not project.dot.exists():
        raise CliError(f"Loopwright is not set up in {project.root}: run `loopwright init`")
    return Loopwright.open(project)


def print_json(value: object) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value)).decode() + "\n")


def ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


class OpenApi:
    """`with OpenApi(args) as api:` the project's API, closed on the way out."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    def __enter__(self) -> Loopwright:
        self.api = open_api(self.args)
        return self.api

    def __exit__(self, *exc: object) -> None:
        self.api.close()
