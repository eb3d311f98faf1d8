#!/usr/bin/env node
// Installs what the tests need from Debian's packages, once. Most of it is for the VM SocketCAN
// tests (test/vm/): they boot Debian's stock kernel under qemu because this machine's kernel has no
// CAN, so they need qemu, a static busybox, iproute2, dash, can-utils (an independent sender), xz
// and the kernel package itself (downloaded into .cache/vm/debs with `apt-get download`, never
// installed: the host's /boot stays untouched). Other tests add their packages to PACKAGES below.
//
// Idempotent and fast when everything is present (a few stat calls, no apt). Runs `apt-get update`
// only when something is missing. Runs as `pretest`; as non-root it says what is missing and leaves
// the VM runner to fail with that message, so the unit tests still run.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const debDir = path.join(root, '.cache', 'vm', 'debs');

/** package -> a file it installs that the tests use */
const PACKAGES = [
  ['qemu-system-x86', ['/usr/bin/qemu-system-x86_64']],
  ['busybox-static', ['/bin/busybox', '/usr/bin/busybox']],
  ['iproute2', ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']],
  ['dash', ['/usr/bin/dash', '/bin/dash']],
  ['can-utils', ['/usr/bin/cansend']],
  // unpacks the kernel out of the bzImage (Debian's is xz-compressed) so the VM boots the plain ELF
  ['xz-utils', ['/usr/bin/xz', '/bin/xz']],
  // qemu's firmware (SeaBIOS) comes with qemu-system-data via Depends; listed for the check only
  ['seabios', ['/usr/share/seabios/bios-256k.bin', '/usr/share/qemu/bios-256k.bin']],
  // the store tests start their own influxd on a free port (never the system service)
  ['influxdb', ['/usr/bin/influxd']],
  // the DBC differential test and bench/decode compare with canmatrix, run by Debian's python3
  ['python3-canmatrix', ['/usr/lib/python3/dist-packages/canmatrix/__init__.py']],
  // the editor is tested in a real browser (playwright-core drives Debian's chromium; no browser download)
  ['chromium', ['/usr/bin/chromium']],
  // validates docker/compose.yaml offline (no Docker engine runs here)
  ['docker-compose', ['/usr/bin/docker-compose']],
];

function log(msg) {
  process.stdout.write(`[ensure-test-deps] ${msg}\n`);
}

function isStaticBusybox(file) {
  // busybox (dynamic) and busybox-static both install /bin/busybox; the VM needs the static one
  try {
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(65536);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    return !buf.subarray(0, n).includes('ld-linux');
  } catch {
    return false;
  }
}

function missingPackages() {
  const missing = [];
  for (const [pkg, files] of PACKAGES) {
    const found = files.find((f) => fs.existsSync(f));
    if (!found) missing.push(pkg);
    else if (pkg === 'busybox-static' && !isStaticBusybox(found)) missing.push(pkg);
  }
  return missing;
}

function cachedKernelDeb() {
  try {
    return fs
      .readdirSync(debDir)
      .filter((f) => /^linux-image-\d[\w.+-]*-amd64(-unsigned)?_.*_amd64\.deb$/.test(f))
      .sort()
      .pop();
  } catch {
    return undefined;
  }
}

function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8', ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  return r.stdout ?? '';
}

/** The versioned kernel package linux-image-amd64 points at (e.g. linux-image-6.1.0-44-amd64). */
function kernelPackageName() {
  const r = spawnSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' });
  const m = /Depends:\s*(linux-image-\d[\w.+-]*-amd64(?:-unsigned)?)/.exec(r.stdout ?? '');
  return m ? m[1] : undefined;
}

function main() {
  const missing = missingPackages();
  const deb = cachedKernelDeb();
  if (missing.length === 0 && deb) {
    log(`all present (kernel package ${deb})`);
    return 0;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const what = [...missing, ...(deb ? [] : ['kernel package (apt-get download linux-image-amd64 target)'])];
  if (!isRoot) {
    log(`missing: ${what.join(', ')}`);
    log('not root, so not installing. As root run: node scripts/ensure-test-deps.cjs');
    log('(the VM SocketCAN tests will fail until then; the unit tests still run)');
    return 0;
  }
  log(`missing: ${what.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let updated = false;
  const update = () => {
    if (!updated) run('apt-get', ['update'], { env });
    updated = true;
  };
  if (missing.length > 0) {
    update();
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
    const still = missingPackages();
    if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.join(', ')}`);
  }
  if (!deb) {
    let name = kernelPackageName();
    if (!name) {
      update();
      name = kernelPackageName();
    }
    if (!name) throw new Error('apt-cache depends linux-image-amd64 names no linux-image-*-amd64 package');
    fs.mkdirSync(debDir, { recursive: true });
    try {
      run('apt-get', ['download', name], { cwd: debDir, env });
    } catch (e) {
      if (updated) throw e;
      // the lists may be older than the mirror: refresh once and try again
      update();
      name = kernelPackageName() ?? name;
      run('apt-get', ['download', name], { cwd: debDir, env });
    }
    const got = cachedKernelDeb();
    if (!got) throw new Error(`apt-get download ${name} left no .deb in ${debDir}`);
    log(`kernel package ${got} cached in ${path.relative(root, debDir)}`);
  }
  log('done');
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  log(`FAILED: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
