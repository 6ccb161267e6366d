import json

import pytest

from kb.config import Weights, default_home, load_settings


def test_defaults_and_home_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(tmp_path / "h"))
    monkeypatch.delenv("KB_MODEL", raising=False)
    assert default_home() == tmp_path / "h"
    settings = load_settings()
    assert settings.home == (tmp_path / "h").resolve() and settings.model is None
    assert settings.weights == Weights() and settings.models_dir == settings.home / "models"


def test_settings_file_then_environment_then_argument(tmp_path, monkeypatch):
    (tmp_path / "settings.json").write_text(json.dumps({"model": "from-file", "weights": {"dense": 0.25}}))
    monkeypatch.delenv("KB_MODEL", raising=False)
    assert load_settings(tmp_path).model == "from-file"
    assert load_settings(tmp_path).weights.dense == 0.25
    monkeypatch.setenv("KB_MODEL", "from-env")
    assert load_settings(tmp_path).model == "from-env"
    assert load_settings(tmp_path, model="from-arg").model == "from-arg"


@pytest.mark.parametrize("content,message", [({"weights": {"denes": 1}}, "Unknown setting"),
                                             ({"weights": {"method": "max"}}, "fusion method")])
def test_bad_settings_are_named(tmp_path, content, message):
    (tmp_path / "settings.json").write_text(json.dumps(content))
    with pytest.raises(ValueError, match=message):
        load_settings(tmp_path)
