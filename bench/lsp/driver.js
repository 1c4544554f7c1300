// Measures `wf lsp` latencies on one module: open-to-diagnostics, diagnostics after an edit, completion, hover.
// Usage: node driver.js WF_BINARY MODULE.wf SAMPLES — prints one JSON object of samples (ms) per measure.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const rpc = require('vscode-jsonrpc/node');
const P = require('vscode-languageserver-protocol');

const [wfBin, file, samplesArg] = process.argv.slice(2);
const samples = Number(samplesArg || 50);
const text = fs.readFileSync(file, 'utf8');
const lines = text.split('\n');
const now = () => Number(process.hrtime.bigint()) / 1e6;

function find(re, from = 0) {
  for (let i = from; i < lines.length; i++) {
    const m = re.exec(lines[i]);
    if (m) return { line: i, character: m.index };
  }
  throw new Error(`no line matches ${re}`);
}

async function main() {
  const server = spawn(wfBin, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = P.createProtocolConnection(
    new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
  const waiters = new Map(); // uri -> resolve, for the next diagnostics of that document
  conn.onNotification(P.PublishDiagnosticsNotification.type, (params) => {
    const resolve = waiters.get(params.uri);
    if (resolve) {
      waiters.delete(params.uri);
      resolve(params);
    }
  });
  conn.listen();
  const diagnosticsOf = (uri) => new Promise((resolve) => waiters.set(uri, resolve));

  await conn.sendRequest(P.InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(path.dirname(path.resolve(file))).href,
    capabilities: {},
    workspaceFolders: null,
  });
  conn.sendNotification(P.InitializedNotification.type, {});

  const result = { lines: lines.length - (text.endsWith('\n') ? 1 : 0) };

  // 1. Open to first diagnostics: a new document each time (same text, its own URI).
  result.open = [];
  for (let i = 0; i < samples + 1; i++) {
    const uri = pathToFileURL(path.resolve(path.dirname(file), `open_${i}.wf`)).href;
    const got = diagnosticsOf(uri);
    const t0 = now();
    conn.sendNotification(P.DidOpenTextDocumentNotification.type,
      { textDocument: { uri, languageId: 'wf', version: 1, text } });
    const d = await got;
    const ms = now() - t0;
    if (d.diagnostics.some((x) => x.severity === 1)) throw new Error(`the module has errors: ${JSON.stringify(d.diagnostics[0])}`);
    conn.sendNotification(P.DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    if (i > 0) result.open.push(ms); // the first open also warms the standard library up
  }

  // The document the other measures work on.
  const uri = pathToFileURL(path.resolve(file)).href;
  const doc = { uri };
  let version = 1;
  let got = diagnosticsOf(uri);
  conn.sendNotification(P.DidOpenTextDocumentNotification.type,
    { textDocument: { uri, languageId: 'wf', version, text } });
  await got;

  // 2. Diagnostics after an edit: one digit of a constant in the middle of the module changes.
  const middle = Math.floor(lines.length / 2);
  const constant = find(/^const BASE_PORT_\d+ = (\d)/, middle);
  const digitAt = { line: constant.line, character: lines[constant.line].lastIndexOf('=') + 2 };
  result.edit = [];
  for (let i = 0; i < samples; i++) {
    const digit = String((i % 9) + 1);
    got = diagnosticsOf(uri);
    const t0 = now();
    conn.sendNotification(P.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: ++version },
      contentChanges: [{ range: { start: digitAt, end: { line: digitAt.line, character: digitAt.character + 1 } }, text: digit }],
    });
    await got;
    result.edit.push(now() - t0);
  }

  // 3. Completion: after `s.` in the middle of the module (fields of a record), and 4. hover
  // over a local variable's use there.
  const member = find(/return upper\(s\.name\)/, middle);
  const dot = { line: member.line, character: lines[member.line].indexOf('s.name') + 2 };
  const use = find(/return total \+ count/, middle);
  const hoverAt = { line: use.line, character: lines[use.line].indexOf('total') + 2 };
  result.completion = [];
  result.hover = [];
  for (let i = 0; i < samples + 5; i++) {
    let t0 = now();
    const c = await conn.sendRequest(P.CompletionRequest.type, { textDocument: doc, position: dot });
    const cms = now() - t0;
    const items = Array.isArray(c) ? c : (c && c.items) || [];
    if (items.length === 0) throw new Error('completion returned no items');
    t0 = now();
    const h = await conn.sendRequest(P.HoverRequest.type, { textDocument: doc, position: hoverAt });
    const hms = now() - t0;
    if (!h || !h.contents) throw new Error('hover returned nothing');
    if (i >= 5) { // five warm-up rounds
      result.completion.push(cms);
      result.hover.push(hms);
    }
  }

  await conn.sendRequest(P.ShutdownRequest.type);
  conn.sendNotification(P.ExitNotification.type);
  await new Promise((resolve) => server.on('exit', resolve));
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

main().catch((e) => {
  console.error(`bench/lsp: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
