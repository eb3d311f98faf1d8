#!/usr/bin/env node
// Launcher for the `ubi-edge` command. Plain JavaScript that runs on any Node.js, because the
// machine's node may be older than the appliance needs (Node-RED 5 and socketcan want >= 22.9 / 24):
// then it re-runs itself with the Node 24 the package brings (npm package `node`).
// `ubi-edge start` (the long-running appliance) runs with the V8 flags and malloc settings of
// bin/node-flags.js: on Node 24 the launcher replaces itself with a node started with them
// (process.execve: same process id, nothing left waiting), unless they are already in place.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const tuning = require('./node-flags.js');

const MIN_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
const args = process.argv.slice(2);
const appliance = args[0] === 'start';
const flags = appliance ? tuning.missingFlags() : [];
const env = appliance ? tuning.missingEnv() : {};

if (major >= MIN_MAJOR && (flags.length > 0 || Object.keys(env).length > 0) && typeof process.execve === 'function') {
  try {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...flags, __filename, ...args], { ...process.env, ...env });
  } catch (e) {
    // not possible here (a platform without execve): run as we are, without the tuning
    process.stderr.write(`ubi-edge: running without ${tuning.describe()}: ${e && e.message ? e.message : e}\n`);
  }
}

if (major < MIN_MAJOR) {
  let bundled;
  try {
    bundled = require.resolve('node/bin/node', { paths: [path.join(__dirname, '..')] });
  } catch {
    bundled = undefined;
  }
  if (!bundled || !fs.existsSync(bundled)) {
    process.stderr.write(
      `ubi-edge needs Node.js ${MIN_MAJOR} or newer (this is ${process.version}) and the bundled one is missing: run npm install in ${path.join(__dirname, '..')}\n`,
    );
    process.exit(70);
  }
  const child = spawn(bundled, [...flags, __filename, ...args], { stdio: 'inherit', env: { ...process.env, ...env } });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code === null ? 1 : code);
  });
} else {
  const main = path.join(__dirname, '..', 'dist', 'edge', 'cli', 'main.js');
  if (!fs.existsSync(main)) {
    process.stderr.write(`ubi-edge is not built (${main} is missing): run npm run build\n`);
    process.exit(70);
  }
  // The composition root: edge/ never imports Node-RED, so the runtime is handed in from here.
  require(main).main(args, { loadNodeRed: () => require('node-red') }).then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`ubi-edge: ${err && err.message ? err.message : err}\n`);
      process.exit(1);
    },
  );
}
