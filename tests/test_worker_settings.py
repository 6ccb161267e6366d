"""Who runs indexing jobs: ``kb serve`` on SQLite, ``kb worker`` on PostgreSQL (``store.serve_jobs``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli import app
from kb.config import StoreSettings, load_settings
from kb.errors import ConfigError


def test_serve_runs_the_jobs_on_sqlite_and_not_on_postgres_unless_asked() -> None:
    assert StoreSettings().jobs_in_serve
    assert not StoreSettings("postgres", "host=db dbname=kb").jobs_in_serve
    assert StoreSettings("postgres", "host=db dbname=kb", serve_jobs=True).jobs_in_serve


@pytest.mark.parametrize("value, message", [(False, "kb serve is the folder's one writer"), ("yes", "true or false")])
def test_serve_jobs_is_checked(tmp_path: Path, value: object, message: str) -> None:
    (tmp_path / "settings.json").write_text(json.dumps({"store": {"serve_jobs": value}}))
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path)


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "3"])
def test_job_attempts_is_checked(tmp_path: Path, value: object) -> None:
    (tmp_path / "settings.json").write_text(json.dumps({"store": {"job_attempts": value}}))
    with pytest.raises(ConfigError, match="store.job_attempts must be a whole number"):
        load_settings(tmp_path)


def test_job_attempts_defaults_to_three(tmp_path: Path) -> None:
    assert load_settings(tmp_path).store.job_attempts == 3


def test_kb_worker_refuses_the_sqlite_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["worker", "--home", str(tmp_path)])
    assert result.exit_code != 0
    assert "kb worker takes jobs from a postgres store" in result.output
