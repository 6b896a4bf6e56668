"""What the commands share: opening the project's API, printing JSON, times."""

from __future__ import annotations

import argparse
import sys
import time

import msgspec

from ..manager.api import FrontEndApi
from ..project import Project


class CliError(Exception):
    pass


def project_of(args: argparse.Namespace) -> Project:
    return Project.find(args.directory)


def open_api(args: argparse.Namespace, *, history: bool = True) -> FrontEndApi:
    """`history=False`: for a command that shows only what is current."""
    return FrontEndApi.open(set_up_project(args), history=history)


def set_up_project(args: argparse.Namespace) -> Project:
    """The project, set up, its log folded once by this code (not read into a state:
    `run` leaves that to the manager)."""
    project = project_of(args)
    if not project.dot.exists():
        raise CliError(f"Loopwright is not set up in {project.root}: run `loopwright init`")
    _first_fold(project)
    return project


def _first_fold(project: Project) -> None:
    """A long log this code never folded (an upgrade): fold it once into the state's
    checkpoint and the history's, so neither `status` nor `stats` folds it again."""
    from .. import store_snapshot
    from ..store import Store

    store = Store(project.db_path)
    try:
        if (store.snapshot_seq(store_snapshot.fold_version()) is None
                and store.last_seq() >= store_snapshot.EVERY):
            from ..insight import history_snapshot

            history_snapshot.fold_all(store)
    finally:
        store.close()


def print_json(value: object) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value)).decode() + "\n")


def clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


class OpenApi:
    """`with OpenApi(args) as api:` the project's API, closed on the way out."""

    def __init__(self, args: argparse.Namespace, *, history: bool = True) -> None:
        self.args, self.history = args, history

    def __enter__(self) -> FrontEndApi:
        self.api = open_api(self.args, history=self.history)
        return self.api

    def __exit__(self, *exc: object) -> None:
        self.api.close()
