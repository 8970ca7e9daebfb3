"""`skewlint server`: a Language Server over stdio (the optional `lsp` extra: pygls).

It lints each Python document on open, change and save, from the editor's text (not the file on
disk), with the configuration that governs the file, and publishes the diagnostics with links to the
rules' documentation and their evidence as related information. Code actions: the rule's fix where
it has one, and "suppress with `# noqa: CODE`" for every finding. Notebooks opened through the LSP
notebook-document protocol (3.17) are linted as the CLI lints them, all code cells as one module,
and each cell gets its own diagnostics.
"""
from __future__ import annotations

import os
import re
from typing import List, Optional

from skewlint import __version__
from skewlint.config.settings import ConfigError, Overrides, Resolver
from skewlint.diagnostics import Diagnostic, related_locations

SOURCE = "skewlint"
_NOQA_CODES = re.compile(r"#\s*noqa:\s*[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*", re.IGNORECASE)


def _settings(path: str):
    """The configuration that governs `path` (read afresh: the user may be editing it); None for an
    excluded file. Raises ConfigError."""
    settings = Resolver(Overrides()).for_path(path)
    return None if settings.is_excluded(path, ancestors=True) else settings


def _enabled(path: str) -> Optional[frozenset]:
    """The rules for `path` from its configuration; None for an excluded file. Raises ConfigError."""
    settings = _settings(path)
    return None if settings is None else settings.enabled_for(path)


def _display(path: str) -> str:
    return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path


def lint_cells(cells, path: str) -> List[Diagnostic]:
    """The diagnostics of a notebook's (cell number, source) code cells; `cell` says whose."""
    from skewlint.run.notebook import lint_cells as lint

    enabled = _enabled(path)
    return [] if enabled is None else lint(cells, _display(path), enabled).diagnostics


def lint_document(text: str, path: str) -> List[Diagnostic]:
    """The diagnostics for an editor buffer; [] for excluded files. Raises ConfigError."""
    from skewlint.run import engine

    settings = _settings(path)
    if settings is None:
        return []
    enabled = settings.enabled_for(path)
    # The buffer is already text: lint it as is (a coding cookie names the file's bytes, not these).
    if not engine._needs_parse(text.encode("utf-8", "surrogatepass"), enabled):
        return []
    result = engine.lint_text(text, _display(path), enabled, path)
    if result.summary:  # normalization constants: SKW402 compares them with the training code's
        _project_phase(result, path, settings)
    return result.diagnostics


# The summaries of the other files of a document's directory, as on disk: path -> (stamp, summary).
_SUMMARIES: dict = {}


def _project_phase(result, path: str, settings) -> None:
    """The command line's project phase for one buffer: SKW402 against the training files of its
    directory (their summaries read from disk, again only when a file changes) or the declared
    constants. Adds to `result.diagnostics`."""
    from skewlint.run import engine, project

    others = []
    here = os.path.abspath(path)
    if result.summary.get("role") == "inference":
        directory = os.path.dirname(here)
        for name in sorted(os.listdir(directory)):
            other = os.path.join(directory, name)
            if not name.endswith(".py") or other == here or not os.path.isfile(other) or settings.is_excluded(other):
                continue
            status = os.stat(other)
            stamp = (status.st_mtime_ns, status.st_size)
            if _SUMMARIES.get(other, (None,))[0] != stamp:
                _SUMMARIES[other] = (stamp, engine.lint_file(other, frozenset({project.CODE}), _display(other)).summary)
            if _SUMMARIES[other][1]:
                others.append(engine.FileResult(_display(other), summary=_SUMMARIES[other][1]))
    project.check([result, *others], settings.declared_normalization)


def noqa_edit(line: str, code: str):
    """(start, end, new text) on the line that suppresses `code`: added to an existing `# noqa:`
    list, else a new trailing comment."""
    existing = _NOQA_CODES.search(line)
    if existing:
        return existing.end(), existing.end(), f", {code}"
    stripped = len(line.rstrip())
    return stripped, len(line), f"  # noqa: {code}"


SEVERITIES = {"error": 1, "warning": 2, "info": 3}  # LSP DiagnosticSeverity: Error, Warning, Information


def client_range(document, start, end):
    """1-based code-point rows/columns to the client's 0-based position encoding (UTF-16 usually)."""
    from lsprotocol import types

    server_range = types.Range(
        start=types.Position(line=start.row - 1, character=start.column - 1),
        end=types.Position(line=end.row - 1, character=end.column - 1),
    )
    return document.position_codec.range_to_client_units(document.lines, server_range)


def to_lsp(document, d: Diagnostic):
    from lsprotocol import types

    related = [
        types.DiagnosticRelatedInformation(location=_related_location(document, d, location, filename), message=note)
        for location, note, filename in related_locations(d)
    ]
    return types.Diagnostic(
        range=client_range(document, d.location, d.end_location),
        severity=types.DiagnosticSeverity(SEVERITIES.get(d.severity, 2)),
        code=d.code,
        code_description=types.CodeDescription(href=d.url) if d.url else None,
        source=SOURCE,
        message=d.message,
        related_information=related or None,
        data={"name": d.name, "noqa_row": d.noqa_row, "fix": d.fix},
    )


def _related_location(document, d: Diagnostic, location, filename: str):
    """An evidence location in the document, or in another file (its rows as on disk, whose text
    the server does not hold: code points as characters)."""
    from lsprotocol import types
    from pygls.uris import from_fs_path

    if filename == d.filename:
        return types.Location(uri=document.uri, range=client_range(document, location, location))
    position = types.Position(line=location.row - 1, character=location.column - 1)
    return types.Location(uri=from_fs_path(os.path.abspath(filename)), range=types.Range(start=position, end=position))


def fix_edit(document, edit: dict):
    """An edit of ruff's JSON fix schema (1-based, end exclusive) as an LSP text edit."""
    from lsprotocol import types

    from skewlint.diagnostics import Location

    start = Location(edit["location"]["row"], edit["location"]["column"])
    end = Location(edit["end_location"]["row"], edit["end_location"]["column"])
    return types.TextEdit(range=client_range(document, start, end), new_text=edit.get("content") or "")


def create_server():
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer
    from pygls.uris import to_fs_path

    server = LanguageServer(
        "skewlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full,
        notebook_document_sync=types.NotebookDocumentSyncOptions(notebook_selector=[
            types.NotebookDocumentFilterWithCells(notebook="jupyter-notebook",
                                                  cells=[types.NotebookCellLanguage(language="python")])]),
    )
    def config_error(error: ConfigError) -> list:
        server.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"skewlint: {error}"))
        return []

    def publish_notebook(notebook_uri: str) -> None:
        notebook = server.workspace.get_notebook_document(notebook_uri=notebook_uri)
        if notebook is None:
            return
        # Numbered over all cells, markdown included, as the command line numbers them.
        code = [(number, cell.document) for number, cell in enumerate(notebook.cells, start=1)
                if cell.kind == types.NotebookCellKind.Code]
        documents = {uri: server.workspace.get_text_document(uri) for _, uri in code}
        path = to_fs_path(notebook.uri) or "notebook.ipynb"  # configuration is found from it
        try:
            found = lint_cells([(number, documents[uri].source) for number, uri in code], path)
        except ConfigError as error:
            found = config_error(error)
        for number, uri in code:
            document = documents[uri]
            server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, version=document.version,
                diagnostics=[to_lsp(document, d) for d in found if d.cell == number]))

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls, params: types.DidOpenNotebookDocumentParams):
        publish_notebook(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls, params: types.DidChangeNotebookDocumentParams):
        publish_notebook(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls, params: types.DidSaveNotebookDocumentParams):
        publish_notebook(params.notebook_document.uri)

    def publish(uri: str) -> None:
        notebook = server.workspace.get_notebook_document(cell_uri=uri)
        if notebook is not None:  # a cell: its notebook is linted as a whole
            publish_notebook(notebook.uri)
            return
        document = server.workspace.get_text_document(uri)
        if not document.path or not document.path.endswith((".py", ".pyi")):
            return
        try:
            found = lint_document(document.source, document.path)
        except ConfigError as error:
            found = config_error(error)
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=document.version, diagnostics=[to_lsp(document, d) for d in found]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params: types.DidOpenTextDocumentParams):
        publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls, params: types.DidChangeTextDocumentParams):
        publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls, params: types.DidSaveTextDocumentParams):
        publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params: types.DidCloseTextDocumentParams):
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls, params: types.CodeActionParams):
        document = server.workspace.get_text_document(params.text_document.uri)
        actions = []
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != SOURCE or not isinstance(diagnostic.data, dict):
                continue
            data = diagnostic.data
            fix = data.get("fix")
            if fix and fix.get("edits"):
                safe = fix.get("applicability") == "safe"  # an unsafe fix is never applied unasked
                actions.append(types.CodeAction(
                    title=f"{diagnostic.code}: {fix.get('message') or 'apply the fix'}{'' if safe else ' (unsafe)'}",
                    kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic], is_preferred=safe,
                    edit=types.WorkspaceEdit(changes={document.uri: [fix_edit(document, e) for e in fix["edits"]]}),
                ))
            row = int(data.get("noqa_row") or diagnostic.range.start.line + 1)
            if 0 < row <= len(document.lines):
                line = document.lines[row - 1].rstrip("\r\n")
                start, end, text = noqa_edit(line, str(diagnostic.code))
                range_ = document.position_codec.range_to_client_units(document.lines, types.Range(
                    start=types.Position(line=row - 1, character=start),
                    end=types.Position(line=row - 1, character=end)))
                actions.append(types.CodeAction(
                    title=f"Suppress {diagnostic.code} on this line (# noqa: {diagnostic.code})",
                    kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                    edit=types.WorkspaceEdit(changes={document.uri: [types.TextEdit(range=range_, new_text=text)]}),
                ))
        return actions

    return server


def serve() -> Optional[str]:
    """Run over stdio until the client exits; returns an error message if pygls is missing."""
    try:
        server = create_server()
    except ImportError:
        return "`skewlint server` needs the `lsp` extra: pip install 'skewlint[lsp]'"
    server.start_io()
    return None
