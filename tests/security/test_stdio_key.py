"""`mcp_stdio` takes the agent key from its environment or a private file, not its command line,
where every user of the machine can read it (`ps`, /proc/<pid>/cmdline)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mcp_bridge.management.commands.mcp_stdio import KEY_VARIABLE
from tests.mcp.conftest import acme_db, committed, make_key  # noqa: F401 (fixtures)
from tests.mcp.test_stdio import MANAGE, environment

pytestmark = pytest.mark.django_db(transaction=True)

SERVING = "Serving MCP over stdio for key"
WARNING = "--key puts the API key in the process list"


def mcp_stdio(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the command with stdin at its end: it authenticates, starts serving, sees EOF and stops."""
    base = {name: value for name, value in environment().items() if name != KEY_VARIABLE}
    return subprocess.run(
        [sys.executable, MANAGE, "mcp_stdio", *args],
        env={**base, **(env or {})},
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_stdio_key_can_come_from_the_environment_not_the_command_line(acme_db, make_key):  # noqa: F811
    raw = await make_key(acme_db)
    result = mcp_stdio(env={KEY_VARIABLE: raw})
    assert result.returncode == 0, result.stderr
    assert SERVING in result.stderr and WARNING not in result.stderr
    assert raw not in result.stderr and result.stdout == ""


async def test_stdio_key_is_required(acme_db):  # noqa: F811
    result = mcp_stdio()
    assert result.returncode != 0
    assert f"Give the agent API key in {KEY_VARIABLE} or a file named by --key-file." in result.stderr


async def test_stdio_key_file(acme_db, make_key, tmp_path):  # noqa: F811
    raw = await make_key(acme_db)
    key_file = tmp_path / "agent.key"
    key_file.write_text(raw + "\n")
    key_file.chmod(0o600)
    result = mcp_stdio("--key-file", str(key_file))
    assert result.returncode == 0, result.stderr
    assert SERVING in result.stderr and WARNING not in result.stderr

    key_file.chmod(0o644)  # a key others may read is as good as published: refused, as ssh does
    result = mcp_stdio("--key-file", str(key_file))
    assert result.returncode != 0 and SERVING not in result.stderr
    assert f"{key_file} can be read by other users (mode 644); run chmod 600 on it." in result.stderr

    result = mcp_stdio("--key-file", str(tmp_path / "missing.key"))
    assert result.returncode != 0 and "Cannot read the key file" in result.stderr


async def test_stdio_key_flag_warns(acme_db, make_key):  # noqa: F811
    raw = await make_key(acme_db)
    result = mcp_stdio("--key", raw)
    assert result.returncode == 0, result.stderr
    assert WARNING in result.stderr and SERVING in result.stderr
    assert result.stdout == ""  # the warning never reaches the protocol stream


def test_stdio_key_flag_and_file_are_exclusive(tmp_path):
    result = mcp_stdio("--key", "odk_x_y", "--key-file", str(tmp_path / "k"))
    assert result.returncode != 0 and "not allowed with argument" in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_key_file_check_reads_group_and_other_bits(tmp_path):
    from django.core.management.base import CommandError

    from mcp_bridge.management.commands.mcp_stdio import key_from_file

    key_file = tmp_path / "k"
    key_file.write_text("odk_a_b")
    for mode in (0o640, 0o604, 0o620):
        key_file.chmod(mode)
        with pytest.raises(CommandError):
            key_from_file(str(key_file))
    key_file.chmod(0o400)
    assert key_from_file(str(key_file)) == "odk_a_b"
