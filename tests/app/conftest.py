"""App tests keep their data folder (recent projects, autosaves) in a temporary folder."""
import pytest


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "glimmer-data"
    monkeypatch.setenv("GLIMMER_DATA_DIR", str(folder))
    return folder
