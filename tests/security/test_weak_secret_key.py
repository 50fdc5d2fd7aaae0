"""Production refuses to start with a SECRET_KEY Django itself calls weak, as it does without one."""

import pytest

from tests.test_settings_deploy import manage, production_env  # noqa: F401 (a fixture)


@pytest.mark.parametrize(
    "weak",
    [
        "short",
        "x" * 60,  # long, but only one distinct character
        "django-insecure-" + "k3y-from-startproject-Hq8vZ2pL0wRt5nYb9cXe4",
    ],
)
def test_production_refuses_a_weak_secret_key(production_env, tmp_path, weak):  # noqa: F811
    production_env["SECRET_KEY"] = weak
    result = manage("check", env=production_env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is too weak for DEBUG=false" in result.stderr
    assert weak not in result.stderr  # the refusal never echoes the secret


def test_development_still_accepts_a_short_key(production_env, tmp_path):  # noqa: F811
    production_env |= {"DEBUG": "true", "SECRET_KEY": "short"}
    assert manage("check", env=production_env, tmp_path=tmp_path).returncode == 0
