"""The per-machine model cache: one build however many processes ask at once, reused afterwards."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from kb.embedding.model_cache import build_once, cache_dir

# A stand-in for the minute-long conversion: slow enough that the second process arrives mid-build,
# and it counts its runs in a file outside the target.
BUILDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from kb.embedding.model_cache import build_once

    target, runs = Path(sys.argv[1]), Path(sys.argv[2])

    def build(folder: Path) -> None:
        with runs.open("a") as log:
            log.write("built\\n")
        (folder / "weights.bin").write_bytes(b"w" * 1000)
        time.sleep(1.5)
        (folder / "config.json").write_text("{}")

    def complete(folder: Path) -> bool:
        return (folder / "config.json").is_file() and (folder / "weights.bin").stat().st_size == 1000

    print(build_once(target, complete, build, "a test model"))
""")


def _complete(folder: Path) -> bool:
    return (folder / "config.json").is_file()


def test_two_processes_building_at_once_make_one_model(tmp_path: Path) -> None:
    target, runs = tmp_path / "cache" / "model", tmp_path / "runs.txt"
    command = [sys.executable, "-c", BUILDER, str(target), str(runs)]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    outputs = [process.communicate(timeout=60) for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0], outputs
    assert [out.strip() for out, _ in outputs] == [str(target)] * 2
    assert runs.read_text() == "built\n"  # the second waited for the first and used its model
    assert (target / "weights.bin").stat().st_size == 1000 and (target / "config.json").is_file()
    errors = " ".join(err for _, err in outputs)
    assert "building a test model" in errors and "waiting for another kb process" in errors
    assert sorted(p.name for p in target.parent.iterdir()) == [".model.lock", "model"]  # no temporary folder left


def test_a_finished_model_is_reused_and_an_unfinished_one_rebuilt(tmp_path: Path) -> None:
    target, builds = tmp_path / "model", []

    def build(folder: Path) -> None:
        builds.append(folder)
        (folder / "config.json").write_text("{}")

    assert build_once(target, _complete, build, "a test model") == target
    assert build_once(target, _complete, build, "a test model") == target
    assert len(builds) == 1
    (target / "config.json").unlink()
    build_once(target, _complete, build, "a test model")
    assert len(builds) == 2 and _complete(target)


def test_a_failed_build_leaves_nothing_half_written(tmp_path: Path) -> None:
    target = tmp_path / "model"

    def broken(folder: Path) -> None:
        (folder / "config.json").write_text("{}")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        build_once(target, _complete, broken, "a test model")
    assert not target.exists() and [p.name for p in tmp_path.iterdir()] == [".model.lock"]


def test_cache_dir_follows_xdg(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "kb" / "models"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "kb" / "models"
