"""`skewlint server`, driven over stdio by a minimal LSP client, as an editor drives it."""
import json
import subprocess
import sys
import threading
from pathlib import Path
from queue import Empty, Queue

import pytest

from test_cli import BUGGY, CLEAN, SCRIPT

pytestmark = pytest.mark.slow  # the language server, started over stdio (one test converts edits in-process)


def _needs_pygls():
    pytest.importorskip("pygls", reason="the `lsp` extra (pygls) is not installed")


class Client:
    def __init__(self, cwd):
        self.process = subprocess.Popen([SCRIPT, "server"], cwd=cwd, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages: Queue = Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        stream = self.process.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                key, _, value = line.decode().partition(":")
                headers[key.strip().lower()] = value.strip()
            self.messages.put(json.loads(stream.read(int(headers["content-length"]))))

    def send(self, message):
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method, params):
        self.send({"method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)

    def wait(self, predicate, timeout=30):
        while True:
            try:
                message = self.messages.get(timeout=timeout)
            except Empty:
                raise AssertionError("no matching message from the server") from None
            if predicate(message):
                return message

    def diagnostics(self, uri):
        message = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                            and m["params"]["uri"] == uri)
        return message["params"]["diagnostics"]


@pytest.fixture
def client(tmp_path):
    _needs_pygls()
    client = Client(tmp_path)
    reply = client.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}})
    assert reply["result"]["serverInfo"]["name"] == "skewlint"
    assert reply["result"]["capabilities"]["codeActionProvider"]
    client.notify("initialized", {})
    yield client
    client.request("shutdown", None)
    client.notify("exit", None)
    assert client.process.wait(timeout=30) == 0


def test_diagnostics_on_open_change_and_save(client, tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                            "text": BUGGY}})
    [found] = client.diagnostics(uri)
    assert found["code"] == "SKW103" and found["source"] == "skewlint" and found["severity"] == 1
    assert found["range"] == {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 10}}
    assert found["codeDescription"]["href"].endswith("docs/rules.md#skw103")

    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": CLEAN}]})
    assert client.diagnostics(uri) == []

    # Columns are UTF-16 code units, as LSP clients count them: the emoji is two.
    text = BUGGY.replace("model.eval\n", "x = '\U0001F600'; model.eval\n")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3},
                                             "contentChanges": [{"text": text}]})
    [found] = client.diagnostics(uri)
    assert found["range"]["start"] == {"line": 2, "character": 10}  # 9 code points
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert len(client.diagnostics(uri)) == 1


def test_quick_fix_adds_a_noqa_comment(client, tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                            "text": BUGGY}})
    [found] = client.diagnostics(uri)
    reply = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": found["range"],
                                                       "context": {"diagnostics": [found]}})
    [fix, action] = reply["result"]  # the rule's own fix first, then the suppression
    assert fix["kind"] == "quickfix" and fix["title"] == "SKW103: Call `model.eval()`"
    assert fix["edit"]["changes"][uri] == [{"range": {"start": {"line": 2, "character": 10},
                                                      "end": {"line": 2, "character": 10}}, "newText": "()"}]
    assert action["kind"] == "quickfix" and "noqa: SKW103" in action["title"]
    [edit] = action["edit"]["changes"][uri]
    assert edit == {"range": {"start": {"line": 2, "character": 10}, "end": {"line": 2, "character": 10}},
                    "newText": "  # noqa: SKW103"}
    # The edited text is clean.
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": BUGGY.replace("model.eval\n", "model.eval  # noqa: SKW103\n")}]})
    assert client.diagnostics(uri) == []


def test_an_unsafe_fix_is_offered_but_not_preferred(client, tmp_path):
    uri = (tmp_path / "evaluate.py").as_uri()
    text = "import torch\n\n\ndef evaluate(model, loader):\n    model.eval()\n    return [model(x) for x in loader]\n"
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                            "text": text}})
    [found] = client.diagnostics(uri)
    reply = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": found["range"],
                                                       "context": {"diagnostics": [found]}})
    fix = reply["result"][0]
    assert fix["title"] == "SKW201: Decorate `evaluate` with `@torch.no_grad()` (unsafe)"
    assert not fix.get("isPreferred")
    assert fix["edit"]["changes"][uri] == [{"range": {"start": {"line": 3, "character": 0},
                                                      "end": {"line": 3, "character": 0}},
                                            "newText": "@torch.no_grad()\n"}]


def test_configuration_applies_to_buffers(client, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.skewlint]\nignore = ["SKW103"]\n')
    uri = (tmp_path / "train.py").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                            "text": BUGGY + "model.training = False\n"}})
    assert [d["code"] for d in client.diagnostics(uri)] == ["SKW104"]


def test_fix_edits_and_noqa_edits_convert_to_lsp():
    _needs_pygls()
    from pygls.workspace import TextDocument

    from skewlint.lsp.server import fix_edit, noqa_edit

    document = TextDocument("file:///x.py", "a = '\U0001F600'; model.eval\n")
    edit = fix_edit(document, {"content": "model.eval()", "location": {"row": 1, "column": 10},
                               "end_location": {"row": 1, "column": 20}})
    assert (edit.range.start.character, edit.range.end.character, edit.new_text) == (10, 20, "model.eval()")
    assert noqa_edit("model.eval  # noqa: SKW104", "SKW103") == (26, 26, ", SKW103")
    assert noqa_edit("model.eval   ", "SKW103") == (10, 13, "  # noqa: SKW103")


def test_without_pygls_the_server_says_what_to_install():
    code = ("import sys; sys.modules['pygls'] = sys.modules['lsprotocol'] = None; "
            "from skewlint.cli import main; main(['server'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "pip install 'skewlint[lsp]'" in result.stderr


def test_notebook_cells_get_their_own_diagnostics(client, tmp_path):
    notebook = (tmp_path / "eval.ipynb").as_uri()
    cells = [f"vscode-notebook-cell:{tmp_path}/eval.ipynb#cell{n}" for n in range(3)]
    texts = ["# Evaluation", "!pip install torch\nimport torch\nmodel = torch.hub.load('x', 'y')\n", "model.eval\n"]
    client.notify("notebookDocument/didOpen", {
        "notebookDocument": {"uri": notebook, "notebookType": "jupyter-notebook", "version": 1,
                             "cells": [{"kind": 1, "document": cells[0]}, {"kind": 2, "document": cells[1]},
                                       {"kind": 2, "document": cells[2]}]},
        "cellTextDocuments": [{"uri": uri, "languageId": "markdown" if n == 0 else "python", "version": 1,
                               "text": text} for n, (uri, text) in enumerate(zip(cells, texts))],
    })
    by_cell = {}
    while len(by_cell) < 2:
        message = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        by_cell[message["params"]["uri"]] = message["params"]["diagnostics"]
    assert by_cell[cells[1]] == []
    [found] = by_cell[cells[2]]  # the model built in the cell before is understood
    assert found["code"] == "SKW103" and found["range"]["start"] == {"line": 0, "character": 0}

    client.notify("notebookDocument/didChange", {
        "notebookDocument": {"uri": notebook, "version": 2},
        "change": {"cells": {"textContent": [{"document": {"uri": cells[2], "version": 2},
                                              "changes": [{"text": "x = 1\nmodel.eval\n"}]}]}},
    })
    updated = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                          and m["params"]["uri"] == cells[2])
    assert [d["range"]["start"]["line"] for d in updated["params"]["diagnostics"]] == [1]


def test_cross_file_normalization_names_the_training_file(client, tmp_path):
    """SKW402 in an editor buffer: the training file beside it is read from disk, and the related
    information points into it."""
    import shutil

    from helpers import FIXTURES

    project = FIXTURES / "parity" / "project_mismatch"
    shutil.copy(project / "train.py", tmp_path / "train.py")
    uri = (tmp_path / "predict.py").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                            "text": (project / "predict.py").read_text()}})
    [found] = [d for d in client.diagnostics(uri) if d["code"] == "SKW402"]
    assert found["range"]["start"] == {"line": 12, "character": 24}
    [related] = found["relatedInformation"]
    assert related["location"]["uri"] == (tmp_path / "train.py").as_uri()
    assert related["location"]["range"]["start"] == {"line": 5, "character": 12}
    assert related["message"] == "the training normalization"
