"""With PROMETHEUS_MULTIPROC_DIR, /metrics adds up the counters of every worker process."""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import run_python


def _python(code: str, directory: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = run_python(code, env)
    return done.stdout


def test_it_adds_up_the_counts_of_every_process(tmp_path):
    count = "from kernel import metrics; metrics.count_operation('orders_list', 'mcp', 'ok', 0.01)"
    _python(count, tmp_path)
    _python(count + "; metrics.count_operation('orders_list', 'mcp', 'ok', 0.02)", tmp_path)
    text = _python(
        f"from kernel import metrics; print(metrics.exposition({str(tmp_path)!r})[0].decode())", tmp_path
    )
    values = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    labels = (("operation", "orders_list"), ("outcome", "ok"), ("source", "mcp"))
    assert values[("orderdesk_admin_operation_calls_total", labels)] == 3
    assert values[("orderdesk_admin_operation_duration_seconds_count", (("operation", "orders_list"),))] == 3
