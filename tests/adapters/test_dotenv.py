from __future__ import annotations

from pathlib import Path

from adapters.dotenv import load_dotenv


def test_dotenv_sets_missing_variables_and_never_overrides_the_environment(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text('# comment\nexport SLACK_BOT_TOKEN="xoxb-test"\nPORT=3100 # web port\n'
                    "DATABASE_URL='sqlite:///x.db'\nnot a pair\n")
    env = {"PORT": "8080"}
    assert load_dotenv(path, environ=env) == 2
    assert env == {"PORT": "8080", "SLACK_BOT_TOKEN": "xoxb-test", "DATABASE_URL": "sqlite:///x.db"}


def test_a_missing_dotenv_file_is_fine(tmp_path: Path) -> None:
    env: dict[str, str] = {}
    assert load_dotenv(tmp_path / ".env", environ=env) == 0 and env == {}
