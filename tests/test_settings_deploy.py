"""Production settings: `check --deploy` is clean, and a missing SECRET_KEY stops start-up."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter with only `env` (plus PATH) as its environment."""
    clean = {"PATH": os.environ.get("PATH", ""), "VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def production_env() -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ENCRYPTION_KEYS": "v1:" + base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "admin.example.com",
        "SITE_URL": "https://admin.example.com",
    }


def test_it_passes_the_deployment_checklist(production_env, tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key(production_env, tmp_path):
    del production_env["SECRET_KEY"]
    result = manage("check", env=production_env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is false" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_it_answers_probes_over_plain_http_and_redirects_pages(production_env, tmp_path):
    script = (
        "from django.test import Client; c = Client(HTTP_HOST='admin.example.com'); "
        "print(c.get('/healthz').status_code, c.get('/login/').status_code)"
    )
    result = manage("shell", "--no-imports", "-c", script, env=production_env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "301"]


def test_it_refuses_to_start_with_a_rate_limit_it_cannot_read(production_env, tmp_path):
    production_env["RATE_MAGIC_LINK_PER_IP"] = "20 per hour"
    result = manage("check", env=production_env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert 'RATE_MAGIC_LINK_PER_IP must be a rate such as "20/h"' in result.stderr
