"""Every benchmark script still imports: they run rarely, so a renamed kb function would break them unseen."""

import importlib.util
import sys
from pathlib import Path

import pytest
from conftest import ROOT

SCRIPTS = sorted((ROOT / "bench").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_the_script_imports(script: Path, monkeypatch):
    spec = importlib.util.spec_from_file_location(f"bench_{script.stem}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up there
    monkeypatch.syspath_prepend(str(script.parent))  # as when run: its folder first on the path
    spec.loader.exec_module(module)  # runs its imports, not its main()
