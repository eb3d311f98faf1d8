// After `npm install`: make sure the SocketCAN addon loads in the Node.js the appliance runs on.
//
// npm may build native addons against the machine's own Node headers (npmrc nodedir), while the
// appliance runs on the Node 24 this package brings. If the addon does not load there, rebuild it
// against the bundled Node's headers. Never fails the install: without the addon the appliance
// still runs (log replay) and says why SocketCAN is unavailable.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const say = (m) => process.stderr.write(`[ubi-edge postinstall] ${m}\n`);

function bundledNode() {
  try {
    return require.resolve('node/bin/node', { paths: [root] });
  } catch {
    return undefined;
  }
}

const nodeBin = bundledNode() || process.execPath;
const addonDir = path.join(root, 'node_modules', 'socketcan');
if (process.platform !== 'linux' || !fs.existsSync(addonDir)) {
  say('socketcan addon not installed (SocketCAN needs Linux); log replay still works');
  process.exit(0);
}

function loads() {
  const r = spawnSync(nodeBin, ['-e', "require('socketcan')"], { cwd: root, encoding: 'utf8' });
  return { ok: r.status === 0, err: (r.stderr || '').trim().split('\n').slice(-3).join(' ') };
}

let check = loads();
if (check.ok) {
  say(`socketcan addon loads in ${nodeBin}`);
  process.exit(0);
}
// Headers of the bundled Node: node_modules/node/node_modules/node-<os>-<arch>/include/node
const headers = path.join(path.dirname(require.resolve('node/package.json', { paths: [root] })), 'node_modules', `node-${process.platform}-${process.arch}`);
say(`socketcan addon does not load (${check.err}); rebuilding against ${headers}`);
const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
const r = spawnSync(nodeBin, [gyp, 'rebuild', `--nodedir=${headers}`], { cwd: addonDir, stdio: 'inherit' });
check = loads();
if (r.status !== 0 || !check.ok) say(`socketcan rebuild failed (${check.err}); SocketCAN will be unavailable, log replay still works`);
else say('socketcan addon rebuilt and loads');
