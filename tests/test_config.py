"""Settings: one table, every setting documented, sources layered."""

from __future__ import annotations

import pytest

from kg.config import SETTINGS, load_settings
from kg.errors import ConfigError

from conftest import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in readme]
    assert not missing


def test_file_then_environment_then_flags(tmp_path, monkeypatch):
    config = tmp_path / "kg.toml"
    config.write_text('[kg]\nchunk_target_words = 90\nfusion_k = 30\nport = 9000\n', encoding="utf-8")
    monkeypatch.setenv("KG_FUSION_K", "45")
    settings = load_settings(config, port=9100)
    assert settings.chunk_target_words == 90
    assert settings.fusion_k == 45
    assert settings.port == 9100


def test_bad_values_are_explained():
    with pytest.raises(ConfigError, match="expects a whole number"):
        load_settings(port="eighty")
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(colour="blue")
