"""The settings module refuses to run in production without a real secret key, and the
production environment that docs/operations.md documents passes `check --deploy`."""

import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import servicescore.settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = servicescore.settings.__file__
# Every variable the settings read that a developer's shell or .env could set differently.
KNOBS = ["SECRET_KEY", "DEBUG", "SESSION_COOKIE_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE"]


@pytest.fixture
def fresh_env(tmp_path, monkeypatch):
    """Load settings.py anew from an empty project home (no .env) with only the given variables."""
    monkeypatch.setenv("SERVICESCORE_HOME", str(tmp_path))
    for name in KNOBS:
        monkeypatch.delenv(name, raising=False)

    def load(**variables):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(SETTINGS_FILE)

    return load


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(fresh_env):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
        fresh_env(DEBUG="false")


def test_it_refuses_the_placeholder_key_of_env_example(fresh_env):
    with pytest.raises(ImproperlyConfigured, match="placeholder"):
        fresh_env(DEBUG="false", SECRET_KEY="change-me")


def test_it_takes_the_secret_key_from_the_environment(fresh_env):
    key = secrets.token_urlsafe(50)
    assert fresh_env(DEBUG="false", SECRET_KEY=key)["SECRET_KEY"] == key


def test_a_debug_run_without_a_key_uses_the_development_key(fresh_env):
    loaded = fresh_env(DEBUG="true")
    assert loaded["SECRET_KEY"].startswith("django-insecure-")


def test_sessions_end_with_the_browser_and_within_twelve_hours_by_default(fresh_env):
    loaded = fresh_env(DEBUG="true")
    assert loaded["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert loaded["SESSION_COOKIE_AGE"] == 12 * 3600


def test_session_length_comes_from_the_environment(fresh_env):
    loaded = fresh_env(DEBUG="true", SESSION_COOKIE_AGE="3600", SESSION_EXPIRE_AT_BROWSER_CLOSE="false")
    assert loaded["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is False
    assert loaded["SESSION_COOKIE_AGE"] == 3600


def documented_production_environment() -> dict:
    """The variables of the block that docs/operations.md marks as the production environment."""
    text = (ROOT / "docs" / "operations.md").read_text()
    block = re.search(r"<!-- production-environment -->\s*```[a-z]*\n(.*?)```", text, re.S)
    assert block, "docs/operations.md lost its production-environment block"
    variables = {}
    for line in block.group(1).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            variables[name] = value
    return variables


def test_documented_production_environment_passes_check_deploy(tmp_path):
    variables = documented_production_environment()
    assert variables["DEBUG"] == "false"
    # The documentation shows how to generate the key, not a key.
    variables["SECRET_KEY"] = secrets.token_urlsafe(50)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SERVICESCORE_HOME": str(tmp_path),
        **variables,
    }
    done = subprocess.run(
        [sys.executable, "-m", "servicescore.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
