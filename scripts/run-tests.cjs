#!/usr/bin/env node
// `npm test` after the build: the mocha suites on the host, then the real-SocketCAN suite in the VM.
// Both outputs pass through unchanged. At the end a summary of both runs: the totals in the form of
// node's test runner ("ℹ tests N", "ℹ pass N" ...) and, last, the plain line "N passed, N failed".
// CI reads the closing lines of known runners; mocha is not one of them, and its "✔ title (12ms)"
// lines look like node's spec reporter, whose closing lines it would then look for (two landings were
// judged "ran no test" with only a "tests: N passed, N failed" line). Exit code: non-zero when either
// run failed or a run printed no result.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** Runs a command, passing its output through and keeping a copy to read the counts from. */
function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      out += d.toString('utf8');
      if (out.length > 1 << 20) out = out.slice(-(1 << 19));
    });
    child.on('error', (e) => {
      process.stderr.write(`run-tests: could not start ${cmd}: ${e.message}\n`);
      resolve({ code: 127, out });
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  });
}

/** The last match of re in text, as a number (undefined when absent). */
function lastCount(text, re) {
  let m;
  let last;
  const g = new RegExp(re.source, 'gm');
  while ((m = g.exec(text)) !== null) last = Number(m[1]);
  return last;
}

async function main() {
  const t0 = Date.now();
  const host = await run(process.execPath, [require.resolve('mocha/bin/mocha.js')]);
  const hostPassed = lastCount(host.out, /^\s+(\d+) passing/);
  const hostFailed = lastCount(host.out, /^\s+(\d+) failing/) ?? 0;
  const hostPending = lastCount(host.out, /^\s+(\d+) pending/) ?? 0;
  const vm = await run(process.execPath, [path.join(root, 'dist/test/vm/run-vm-tests.js')]);
  const vmPassed = lastCount(vm.out, /^vm: (\d+) passed/);
  const vmFailed = lastCount(vm.out, /^vm: \d+ passed, (\d+) failed/) ?? 0;
  const passed = (hostPassed ?? 0) + (vmPassed ?? 0);
  // a run that died without printing its result counts as one failure
  const failed = hostFailed + vmFailed + (hostPassed === undefined ? 1 : 0) + (vmPassed === undefined ? 1 : 0);
  process.stdout.write(
    `\nhost: ${hostPassed ?? 0} passing, ${hostFailed} failing (exit ${host.code}); ` +
      `vm: ${vmPassed ?? 0} passing, ${vmFailed} failing (exit ${vm.code})\n`,
  );
  const ms = Date.now() - t0;
  process.stdout.write(
    `ℹ tests ${passed + failed + hostPending}\nℹ pass ${passed}\nℹ fail ${failed}\nℹ cancelled 0\nℹ skipped ${hostPending}\nℹ todo 0\nℹ duration_ms ${ms}\n`,
  );
  process.stdout.write(`${passed} passed, ${failed} failed${hostPending ? `, ${hostPending} skipped` : ''}\n`);
  process.exit(host.code !== 0 || vm.code !== 0 || failed > 0 ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`run-tests: ${e && e.stack ? e.stack : String(e)}\n`);
  process.exit(1);
});
