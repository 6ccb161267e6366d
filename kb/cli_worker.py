"""``kb worker``: take indexing jobs from a PostgreSQL store's queue until stopped (``kb.jobs.worker``)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from kb.cli_common import HomeOption, ModelOption, err
from kb.config import load_settings

__all__ = ["worker"]


def worker(
    lease: Annotated[float, typer.Option(
        "--lease", min=1.0,
        help="Seconds a crashed worker's job waits before another worker takes it over (renewed while it works).")] = 60.0,
    poll: Annotated[float, typer.Option("--poll", min=0.1, help="Seconds between looks at an empty queue.")] = 2.0,
    until_idle: Annotated[bool, typer.Option(
        "--until-idle", help="Stop once no job waits, instead of waiting for the next.")] = False,
    home: HomeOption = None, model: ModelOption = None,
) -> None:
    """Index uploaded files' jobs from the postgres store, with the model on this machine; several may run at once.

    SIGTERM or Ctrl-C stops it after the file being indexed and hands its job back to the queue.
    """
    from kb.jobs.worker import QueueWorker, run_until_signalled

    runner = QueueWorker(load_settings(home, model), poll, lease=lease, until_idle=until_idle)
    logging.getLogger("kb.jobs").setLevel(logging.INFO)
    err.print(f"Worker {runner.name} taking jobs; Ctrl-C stops.")
    run_until_signalled(runner)
    err.print("Stopped.")
