"""Run the official MCP conformance suite's generic server scenarios, and the MCP Inspector's CLI, against
a live server.

    .venv/bin/python scripts/mcp_conformance.py

Installs the suite and Node 22 from the npm registry into var/conformance/ (once), starts the app
under uvicorn on a free 127.0.0.1 port with a fresh database and a read_write key, and runs the
scenarios that apply to any server. The others (tools-call-*, resources-*, prompts-*, elicitation,
sampling, tasks) call fixture tools, resources and prompts by name that only the suite's reference
server has. The DNS-rebinding scenario also runs through a plain TCP proxy on another loopback port,
as a browser-based client on localhost reaches a local server. Prints one line per scenario and exits
non-zero if any check failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "conformance"
SUITE = "@modelcontextprotocol/conformance@0.2.0-alpha.11"
INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"
NODE = "node@22.23.3"
# Checks that need the suite's own fixture tool `test_missing_capability` (it calls sampling), which a
# real server does not have.
NOT_APPLICABLE = {
    "sep-2575-server-rejects-undeclared-capability",
    "sep-2575-missing-capability-http-400",
}
# Checks of methods this server does not offer (it has no prompts or resources, advertises neither, and
# answers their methods "method not found", as the specification asks).
NOT_OFFERED = {
    "sep-2549-prompts-list-caching-hints",
    "sep-2549-resources-list-caching-hints",
    "sep-2549-resources-templates-list-caching-hints",
}
SCENARIOS = {
    "2025-11-25": ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"],
    "2026-07-28": [
        "server-stateless",
        "tools-list",
        "dns-rebinding-protection",
        "caching",
        "http-header-validation",
    ],
}


# Scenarios also run through a proxy on another loopback port (a client on a different local origin).
PROXIED = {"2025-11-25": ["dns-rebinding-protection"], "2026-07-28": ["dns-rebinding-protection"]}


@contextlib.contextmanager
def loopback_proxy(target_port: int) -> Iterator[int]:
    """A byte-for-byte TCP proxy on a free 127.0.0.1 port to `target_port`, in a background thread."""
    port = free_port()
    loop = asyncio.new_event_loop()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(
            pipe(reader, upstream_writer), pipe(upstream_reader, writer), return_exceptions=True
        )

    server = loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", port))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)


def install() -> Path | None:
    """The suite's command, installed on first use; None when npm or its registry is unavailable."""
    binary = WORK / "node_modules" / ".bin" / "conformance"
    if not (binary.exists() and (WORK / "node_modules" / ".bin" / "mcp-inspector").exists()):
        WORK.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--silent", SUITE, INSPECTOR, NODE],
                cwd=WORK, check=True, timeout=600,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"SKIPPED: could not install {SUITE} and {NODE} from the npm registry ({exc}).")
            return None
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "scripts.conformance_app:application", "--host", "127.0.0.1",
         "--port", str(port), "--lifespan", "on", "--no-proxy-headers", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


def run_scenario(binary: Path, url: str, version: str, scenario: str) -> list[dict]:
    """The scenario's checks, read from the suite's results file (its stdout is cut short when piped)."""
    env = node_env()
    with tempfile.TemporaryDirectory(prefix="oda-conformance-out-") as out:
        subprocess.run(
            [str(binary), "server", "--url", url, "--scenario", scenario, "--spec-version", version,
             "-o", out],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        results = list(Path(out).glob("*/checks.json"))
        return json.loads(results[0].read_text()) if results else []


def node_env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{WORK / 'node_modules' / 'node' / 'bin'}:{os.environ['PATH']}"}


def run_inspector(url: str, key: str) -> int:
    """The MCP Inspector's CLI as an agent would use it, in both protocol eras: list the tools, then
    call one. Returns the number of failed calls."""
    inspector = WORK / "node_modules" / ".bin" / "mcp-inspector"
    failed = 0
    for era in ("legacy", "modern"):
        for method in (["--method", "tools/list"], ["--method", "tools/call", "--tool-name", "stores_list"]):
            result = subprocess.run(
                [str(inspector), "--cli", url, "--transport", "http", "--protocol-era", era,
                 "--header", f"Authorization: Bearer {key}", *method],
                env=node_env(), capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            try:
                answer = json.loads(result.stdout)
            except ValueError:
                answer = {}
            ok = result.returncode == 0 and ("tools" in answer or answer.get("isError") is False)
            failed += not ok
            print(f"inspector {era:7} {' '.join(method[1:]):30} {'ok' if ok else 'FAILED'}")
            if not ok:
                print(result.stdout[-1000:], result.stderr[-1000:])
    return failed


def main() -> int:
    binary = install()
    if binary is None:
        return 0
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="oda-conformance-") as var_dir:
        env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
        env |= {
            "VAR_DIR": var_dir,
            "SITE_URL": f"http://127.0.0.1:{port}",
            "API_KEY_BCRYPT_ROUNDS": "4",
            "LOG_LEVEL": "WARNING",
        }
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "create_tenant", "--email", "conformance@example.com")
        env["CONFORMANCE_KEY"] = manage(
            env, "create_api_key", "--email", "conformance@example.com", "--name", "conformance",
            "--scope", "read_write",
        )  # fmt: skip
        server = start_server(env, port)
        try:
            unexpected = 0
            with loopback_proxy(port) as proxy_port:
                runs = [(v, s, port, "") for v, names in SCENARIOS.items() for s in names]
                runs += [(v, s, proxy_port, " (proxy)") for v, names in PROXIED.items() for s in names]
                for version, scenario, target, via in runs:
                    checks = run_scenario(binary, f"http://127.0.0.1:{target}/mcp", version, scenario)
                    passed = sum(check["status"] == "SUCCESS" for check in checks)
                    failures = [check for check in checks if check["status"] == "FAILURE"]
                    skipped = [check for check in failures if check["id"] in NOT_APPLICABLE]
                    unoffered = [check for check in failures if check["id"] in NOT_OFFERED]
                    note = (
                        f"  ({len(skipped)} not applicable: need the suite's fixture tools)"
                        if skipped
                        else ""
                    )
                    if unoffered:
                        note += f"  ({len(unoffered)} not applicable: no prompts or resources offered)"
                    others = Counter(
                        c["status"].lower() for c in checks if c["status"] not in ("SUCCESS", "FAILURE")
                    )
                    note += "".join(f", {n} {status}" for status, n in sorted(others.items()))
                    print(f"{version}  {scenario + via:28} {passed}/{len(checks)} passed{note}")
                    for check in checks:
                        if check["status"] == "WARNING":
                            print(f"    warning {check['id']}: {check.get('errorMessage', '')}")
                    for check in failures:
                        if check["id"] not in NOT_APPLICABLE | NOT_OFFERED:
                            unexpected += 1
                            print(f"    FAILED {check['id']}: {check.get('errorMessage', '')}")
                    if not checks:
                        unexpected += 1
                        print("    no results: the suite did not run")
            unexpected += run_inspector(f"http://127.0.0.1:{port}/mcp", env["CONFORMANCE_KEY"])
        finally:
            server.terminate()
            server.wait(timeout=15)
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
