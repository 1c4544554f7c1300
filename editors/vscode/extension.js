// The wf extension for VS Code: starts `wf lsp` (setting `wf.path`) with vscode-languageclient.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function createClient() {
  const config = vscode.workspace.getConfiguration('wf');
  const command = config.get('path') || 'wf';
  const serverOptions = {
    run: { command, args: ['lsp'], transport: TransportKind.stdio },
    debug: { command, args: ['lsp'], transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'wf' }, { scheme: 'untitled', language: 'wf' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.wf') },
  };
  return new LanguageClient('wf', 'wf language server', serverOptions, clientOptions);
}

async function restart() {
  if (client) {
    await client.stop();
  }
  client = createClient();
  await client.start();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('wf.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('wf.path')) {
        restart();
      }
    }),
  );
  client = createClient();
  try {
    await client.start();
  } catch (err) {
    vscode.window.showErrorMessage(
      `wf: could not start \`wf lsp\` (${err.message}). Set "wf.path" to the wf binary.`);
  }
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
