"""The console's result area: a table or tree beside the raw JSON, "copy as" snippets, the next page."""

import html
import json
import re

import pytest
from django.urls import reverse

from mcp_bridge import console_output, console_runs
from tests.console.output_operations import output_registry
from tests.helpers import sign_in


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    registry = output_registry()
    monkeypatch.setattr(console_runs, "get_registry", lambda: registry)
    return registry


def run(client, name, data, **headers):
    return client.post(reverse("mcp_bridge:console-run", args=[name]), data, headers=headers).content.decode()


def snippet(body: str, slug: str) -> str:
    found = re.search(rf'<code class="snippet" id="console-as-{slug}">(.*?)</code>', body, re.S)
    assert found, f"no {slug} snippet"
    return html.unescape(found.group(1))


def hidden_fields(body: str) -> dict[str, str]:
    form = body.split('<form class="console-next-page"')[1].split("</form>")[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def test_a_list_of_objects_is_shown_as_a_table_beside_the_raw_json(client, alice):
    body = run(sign_in(client, alice), "orders_page", {"limit": "2", "folder": "New"})
    assert "<summary>Tree</summary>" in body and "<summary>Raw JSON</summary>" in body
    header = [html.unescape(h) for h in re.findall(r'<th scope="col">([^<]*)</th>', body)]
    assert header == ["id", "email", "items", "note"]
    assert '<td class="json-string">1002@example.test</td>' in body
    # nested values stay compact in their cell; a null is a dash
    assert '<td class="json-nested">[{&quot;sku&quot;: &quot;A-1&quot;, &quot;qty&quot;: 2}]</td>' in body
    assert '<td class="json-null">—</td>' in body
    raw = body.split('<pre class="console-json">')[1].split("</pre>")[0]
    assert json.loads(html.unescape(raw))["next_cursor"] == "p2"
    assert 'data-copy-target="console-result-json" hidden' in body  # shown by copy.js only


def test_an_object_is_shown_as_a_tree_of_details(client, alice):
    body = run(sign_in(client, alice), "orders_echo", {"title": "Hi", "color": "red", "count": "2"})
    assert "<summary>Tree</summary>" in body
    assert "<dt>arguments</dt>" in body and "<summary>{…} 9 fields</summary>" in body
    assert '<dt>title</dt>\n    <dd><span class="json-string">Hi</span></dd>' in body


def test_a_result_too_large_for_a_readable_view_shows_only_the_raw_json():
    wide = json.dumps({"rows": [{f"c{n}": i for n in range(10)} for i in range(2000)]})
    assert console_output.readable(wide) is None
    long = console_output.readable(json.dumps([{"n": i} for i in range(2000)]))
    assert len(long.rows) == console_output.MAX_TABLE_ROWS and long.hidden_rows == 1500
    assert console_output.readable('{"a": 1}', truncated=True) is None  # cut off: no longer JSON
    assert console_output.readable('"just a string"') is None
    deep = console_output.readable(json.dumps({"a": {"b": {"c": {}}}}))
    assert deep.members[0][1].members[0][1].members[0][1].text == "{}"


def test_a_long_cell_is_cut_with_the_whole_value_in_its_title():
    node = console_output.readable(json.dumps([{"text": "x" * 200}]))
    cell = node.rows[0][0]
    assert len(cell.text) == console_output.CELL_LENGTH and cell.text.endswith("…")
    assert cell.title == "x" * 200


def test_copy_as_gives_the_same_call_for_mcp_curl_and_python(client, alice, settings):
    body = run(sign_in(client, alice), "orders_page", {"limit": "2", "folder": "Paid"})
    request = json.loads(snippet(body, "jsonrpc"))
    assert request["method"] == "tools/call" and request["params"]["name"] == "orders_page"
    assert request["params"]["arguments"] == {"limit": 2, "folder": "Paid"}
    curl = snippet(body, "curl")
    assert curl.startswith(f"curl -sS {settings.SITE_URL}/mcp")
    assert '-H "Authorization: Bearer $ORDERDESK_MCP_KEY"' in curl
    for header in ("MCP-Protocol-Version: 2026-07-28", "Mcp-Method: tools/call", "Mcp-Name: orders_page"):
        assert header in curl
    python = snippet(body, "python")
    compile(python, "snippet.py", "exec")
    assert "ARGUMENTS = {'limit': 2, 'folder': 'Paid'}" in python
    assert "call_tool('orders_page', ARGUMENTS)" in python


def test_copy_as_redacts_secret_arguments_like_a_trace(client, alice):
    body = run(sign_in(client, alice), "stores_check", {"name": "Main", "api_key": "s3cr3t-value-123"})
    assert "s3cr3t-value-123" not in body
    assert json.loads(snippet(body, "jsonrpc"))["params"]["arguments"] == {
        "name": "Main",
        "api_key": "[REDACTED]",
    }
    assert "Values shown as [REDACTED] are secrets" in body


def test_copy_as_leaves_out_the_idempotency_key_the_console_made_up(client, alice):
    token = console_runs.new_submission_token()
    body = run(sign_in(client, alice), "orders_make", {"note": "hello", "submission_token": token})
    assert json.loads(snippet(body, "jsonrpc"))["params"]["arguments"] == {"note": "hello"}
    assert "console:" not in snippet(body, "curl")


def test_copy_as_is_offered_for_a_failed_run_but_not_for_a_form_with_errors(client, alice):
    sign_in(client, alice)
    failed = run(client, "orders_fail", {"mode": "upstream", "title": "x"})
    assert "folder is locked" in failed
    assert json.loads(snippet(failed, "jsonrpc"))["params"]["arguments"] == {"mode": "upstream", "title": "x"}
    refused = run(client, "orders_page", {"limit": "99", "folder": "New"})  # nothing ran
    assert "console-as-curl" not in refused


def test_next_page_runs_the_same_operation_with_the_cursor(client, alice):
    sign_in(client, alice)
    body = run(client, "orders_page", {"limit": "2", "folder": "Paid"})
    assert "Next page</button>" in body
    fields = hidden_fields(body)
    assert fields == {"limit": "2", "cursor": "p2", "folder": "Paid"}
    second = run(client, "orders_page", fields, **{"HX-Request": "true"})
    raw = json.loads(html.unescape(second.split('<pre class="console-json">')[1].split("</pre>")[0]))
    assert [row["id"] for row in raw["orders"]] == ["1003"] and raw["folder"] == "Paid"
    assert "Next page</button>" not in second  # the last page


def test_no_next_page_for_an_operation_without_a_cursor(client, alice):
    body = run(sign_in(client, alice), "orders_echo", {"title": "Hi", "color": "red", "count": "2"})
    assert "console-next-page" not in body


def test_next_page_fields_keep_every_kind_of_input():
    from mcp_bridge.forms import OperationForm
    from tests.console.fake_operations import fake_registry

    op = fake_registry().get("orders_echo")
    arguments = {"title": "T", "urgent": True, "flag": False, "size": 2, "lines": [{"sku": "A"}], "count": 3}
    pairs = dict(console_output.form_data(OperationForm(op, initial=arguments)))
    assert pairs["urgent"] == "on" and pairs["flag"] == "false" and pairs["size"] == "2"
    assert json.loads(pairs["lines"]) == [{"sku": "A"}]
    form = OperationForm(op, data=pairs)
    assert form.is_valid(), form.errors
    assert form.arguments() == {**arguments, "color": "red"}


def test_next_page_is_not_offered_when_a_secret_would_have_to_be_typed_again():
    data = console_output.next_page_data(
        {"api_key": "[REDACTED]"},
        '{"next_cursor": "p2"}',
        input_fields=["api_key", "cursor"],
        make_form=lambda initial: pytest.fail("no form for a redacted call"),
    )
    assert data is None
