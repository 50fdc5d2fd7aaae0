import base64
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from kernel.keyring_config import load_encryption_keys, parse_keyring


def entry(version: int, raw: bytes | None = None) -> str:
    return f"v{version}:" + base64.b64encode(raw or os.urandom(32)).decode()


def test_it_parses_a_keyring_newest_first():
    k3, k1 = os.urandom(32), os.urandom(32)
    keys = parse_keyring(f" {entry(3, k3)} , {entry(1, k1)} ")
    assert keys == {3: k3, 1: k1}
    assert list(keys) == [3, 1]


def test_it_accepts_urlsafe_base64():
    raw = b"\xfb\xff" * 16
    assert parse_keyring("v1:" + base64.urlsafe_b64encode(raw).decode()) == {1: raw}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("v1:" + base64.b64encode(os.urandom(16)).decode(), "v1 is 16 bytes; AES-256 needs exactly 32"),
        ("v1:abc", "v1 is not valid base64"),
        (entry(1) + "," + entry(1), "lists v1 twice"),
        (entry(1) + "," + entry(2), "newest version first"),
        (entry(3) + "," + entry(1) + "," + entry(2), "newest version first"),
        ("", "ENCRYPTION_KEYS is empty"),
        (" , ", "ENCRYPTION_KEYS is empty"),
        (base64.b64encode(os.urandom(32)).decode(), "entry 1 must look like v1:<base64 of 32 bytes>"),
        ("v0:" + base64.b64encode(os.urandom(32)).decode(), "entry 1 must look like"),
    ],
    ids=[
        "short",
        "bad base64",
        "duplicate",
        "oldest first",
        "unordered",
        "empty",
        "blank",
        "no version",
        "v0",
    ],
)
def test_it_explains_a_bad_keyring(value, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")) as caught:
        parse_keyring(value)
    assert str(caught.value).startswith("ENCRYPTION_KEYS")


def test_it_generates_a_development_key_once(tmp_path):
    first = load_encryption_keys("", debug=True, var_dir=tmp_path)
    second = load_encryption_keys("", debug=True, var_dir=tmp_path)
    assert first == second and len(first[1]) == 32
    assert (tmp_path / "encryption_keys").stat().st_mode & 0o777 == 0o600


def test_it_demands_a_key_when_debug_is_off(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="must be set when DEBUG is false"):
        load_encryption_keys("", debug=False, var_dir=tmp_path)
    assert not (tmp_path / "encryption_keys").exists()


def manage_check(tmp_path, **env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCRYPTION_KEYS")}
    env |= {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "x",
        "SITE_URL": "https://x",
        "VAR_DIR": str(tmp_path),
    } | env_overrides
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_stops_production_start_up_without_a_key(tmp_path):
    result = manage_check(tmp_path)
    assert result.returncode != 0
    assert "ENCRYPTION_KEYS must be set when DEBUG is false" in result.stderr
    assert not (tmp_path / "encryption_keys").exists()


def test_it_stops_production_start_up_with_a_short_key(tmp_path):
    result = manage_check(tmp_path, ENCRYPTION_KEYS="v1:" + base64.b64encode(os.urandom(16)).decode())
    assert result.returncode != 0
    assert "ENCRYPTION_KEYS v1 is 16 bytes; AES-256 needs exactly 32" in result.stderr


def test_it_starts_in_production_with_a_good_key(tmp_path):
    result = manage_check(tmp_path, ENCRYPTION_KEYS=entry(1))
    assert "ENCRYPTION_KEYS" not in result.stderr
    assert "ImproperlyConfigured" not in result.stderr
