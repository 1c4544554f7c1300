// Drives a spawned `wf lsp` through vscode-languageserver-protocol: the core requests plus every announced extra.
// Usage: node client.js WF_BINARY FILE.wf (the file holds an injected E0200 and `return stale`).
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const rpc = require('vscode-jsonrpc/node');
const P = require('vscode-languageserver-protocol');

const [wfBin, file] = process.argv.slice(2);
const text = fs.readFileSync(file, 'utf8');
const uri = pathToFileURL(path.resolve(file)).href;
const lines = text.split('\n');

let step = 'start';  // the request under way, for failure messages
function fail(msg) {
  console.error(`node_client: FAIL (during ${step}): ${msg}`);
  process.exit(1);
}
function check(cond, msg) {
  if (!cond) fail(msg);
}
function withTimeout(promise, ms, what) {
  step = what;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  let shuttingDown = false;
  const server = spawn(wfBin, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  server.on('exit', (code, signal) => {
    if (!shuttingDown) fail(`wf lsp exited early (status ${code}, signal ${signal})`);
  });
  const conn = P.createProtocolConnection(
    new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));

  const diagnostics = [];
  let onDiagnostics = () => {};
  conn.onNotification(P.PublishDiagnosticsNotification.type, (params) => {
    if (params.uri === uri) {
      diagnostics.push(params);
      onDiagnostics(params);
    }
  });
  conn.listen();

  const init = await withTimeout(conn.sendRequest(P.InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(path.dirname(path.resolve(file))).href,
    capabilities: {
      textDocument: {
        hover: { contentFormat: ['markdown', 'plaintext'] },
        completion: { completionItem: { snippetSupport: false } },
        publishDiagnostics: {},
        semanticTokens: {
          requests: { full: true }, tokenTypes: [], tokenModifiers: [], formats: ['relative'],
        },
      },
    },
    workspaceFolders: null,
  }), 5000, 'initialize');
  const caps = init.capabilities;
  check(caps, 'initialize returned no capabilities');
  conn.sendNotification(P.InitializedNotification.type, {});
  const report = { capabilities: Object.keys(caps).sort() };

  // didOpen, then the first diagnostics with E0200.
  const gotDiagnostics = new Promise((resolve) => {
    onDiagnostics = (params) => {
      if (params.diagnostics.some((d) => d.code === 'E0200')) resolve(params);
    };
  });
  conn.sendNotification(P.DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: 'wf', version: 1, text },
  });
  const diag = await withTimeout(gotDiagnostics, 10000, 'diagnostics with E0200').catch((e) =>
    fail(`${e.message}; received ${JSON.stringify(diagnostics)}`));
  report.diagnostics = diag.diagnostics.map((d) => d.code);

  const useLine = lines.findIndex((l) => /^\s*return stale/.test(l));
  const declLine = lines.findIndex((l) => /var stale/.test(l));
  check(useLine >= 0 && declLine >= 0, 'the file has no `var stale` / `return stale`');
  const col = lines[useLine].indexOf('stale');
  const doc = { uri };
  const at = { line: useLine, character: col + 1 };

  // Hover.
  const hover = await withTimeout(conn.sendRequest(P.HoverRequest.type, { textDocument: doc, position: at }),
    5000, 'hover');
  const hoverText = JSON.stringify(hover && hover.contents);
  check(hoverText && hoverText.includes('list<string>'), `hover over stale: ${hoverText}`);

  // Completion after `return st`.
  const completion = await withTimeout(conn.sendRequest(P.CompletionRequest.type,
    { textDocument: doc, position: { line: useLine, character: col + 2 } }), 5000, 'completion');
  const items = Array.isArray(completion) ? completion : (completion && completion.items) || [];
  check(items.some((i) => i.label === 'stale'), `completion does not offer stale (${items.length} items)`);
  report.completion_items = items.length;

  // Rename, when announced.
  if (caps.renameProvider) {
    const edit = await withTimeout(conn.sendRequest(P.RenameRequest.type,
      { textDocument: doc, position: at, newName: 'old_hosts' }), 5000, 'rename');
    const changes = edit && (edit.changes ? edit.changes[uri]
      : (edit.documentChanges || []).flatMap((c) => (c.textDocument && c.textDocument.uri === uri ? c.edits : [])));
    check(changes && changes.length >= 3, `rename of stale edits ${changes ? changes.length : 0} places, expected 4`);
    check(changes.every((c) => c.newText === 'old_hosts'), 'rename edits do not all insert old_hosts');
    report.rename_edits = changes.length;
  }

  // Formatting, when announced: the edits must apply cleanly (non-overlapping ranges).
  if (caps.documentFormattingProvider) {
    const edits = await withTimeout(conn.sendRequest(P.DocumentFormattingRequest.type,
      { textDocument: doc, options: { tabSize: 2, insertSpaces: true } }), 5000, 'formatting');
    check(edits === null || Array.isArray(edits), `formatting returned ${JSON.stringify(edits)}`);
    report.formatting_edits = edits ? edits.length : 0;
  }

  // Semantic tokens, when announced: a multiple of 5 integers, some of them.
  if (caps.semanticTokensProvider) {
    const legend = caps.semanticTokensProvider.legend;
    check(legend && Array.isArray(legend.tokenTypes) && legend.tokenTypes.length > 0, 'no semantic token legend');
    if (caps.semanticTokensProvider.full) {
      const tokens = await withTimeout(conn.sendRequest(P.SemanticTokensRequest.type, { textDocument: doc }),
        5000, 'semantic tokens');
      check(tokens && Array.isArray(tokens.data) && tokens.data.length > 0 && tokens.data.length % 5 === 0,
        `semantic tokens: ${JSON.stringify(tokens).slice(0, 200)}`);
      for (let i = 3; i < tokens.data.length; i += 5) {
        check(tokens.data[i] < legend.tokenTypes.length, `token type ${tokens.data[i]} is outside the legend`);
      }
      report.semantic_tokens = tokens.data.length / 5;
    }
  }

  // $/cancelRequest: a cancelled hover answers with a result or with RequestCancelled (-32800).
  const source = new P.CancellationTokenSource();
  const cancelled = conn.sendRequest(P.HoverRequest.type, { textDocument: doc, position: at }, source.token);
  source.cancel();
  const outcome = await withTimeout(cancelled.then(() => 'result', (e) => {
    check(e && e.code === -32800, `cancelled hover failed with ${JSON.stringify(e)}`);
    return 'error -32800';
  }), 5000, 'cancelled hover');
  report.cancel = outcome;

  // The server still answers after the cancellation.
  const again = await withTimeout(conn.sendRequest(P.HoverRequest.type, { textDocument: doc, position: at }),
    5000, 'hover after cancel');
  check(again && again.contents, 'no hover after a cancelled request');

  shuttingDown = true;
  await withTimeout(conn.sendRequest(P.ShutdownRequest.type), 5000, 'shutdown');
  conn.sendNotification(P.ExitNotification.type);
  const code = await withTimeout(new Promise((resolve) => server.on('exit', resolve)), 5000, 'exit');
  check(code === 0, `wf lsp exited with ${code} after shutdown/exit`);
  console.log(`node_client: ok ${JSON.stringify(report)}`);
  process.exit(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
