// Runs the real-SocketCAN tests (test/vm/tests/*.test.ts) inside a qemu VM, because this machine's
// kernel has no CAN. Exits with the tests' status; when the VM cannot run at all it says why and
// exits non-zero (never a silent pass).
//
//   node dist/test/vm/run-vm-tests.js [--grep <regexp>] [--invert] [--bail]   (passed to guest-mocha)
//   env: UBI_VM_ACCEL=tcg|kvm (default: kvm only when kvm_intel/kvm_amd is loaded), UBI_VM_TIMEOUT=s,
//        UBI_VM_SHARE=hybrid|pack|9p, UBI_VM_SHELL='shell command' (run it in the guest instead; $N is node)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  CACHE,
  ROOT,
  SHARE_MODULES,
  VmSetupError,
  findHostTools,
  loadOrder,
  prepareInitramfs,
  prepareKernel,
  runArchive,
  runtimePackages,
  shellQuote as shQuote,
} from './vm-image.js';


function log(msg: string): void {
  process.stdout.write(`[vm] ${msg}\n`);
}

function fail(msg: string, code = 2): never {
  process.stdout.write(`\n[vm] VM SocketCAN tests CANNOT RUN: ${msg}\n`);
  process.exit(code);
}

/** KVM only when a real kvm_intel/kvm_amd backs /dev/kvm (here kvm_pvm does, and hangs a stock kernel). */
function chooseAccel(): 'kvm' | 'tcg' {
  const forced = process.env.UBI_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  const hw = fs.existsSync('/sys/module/kvm_intel') || fs.existsSync('/sys/module/kvm_amd');
  if (!hw) return 'tcg';
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
    return 'kvm';
  } catch {
    return 'tcg';
  }
}

/** What the guest runs once the project is in place (cwd: the project root). */
function guestCommand(node: string, extra: string): string {
  return [
    '# written by test/vm/run-vm-tests.ts for one run; executed by the guest /init',
    'export UBI_VM=1',
    // the guest's console is a tty: colour only when the host's is one (FORCE_COLOR for log-symbols)
    process.stdout.isTTY ? 'export UBI_VM_COLOR=1' : 'export UBI_VM_COLOR=0 FORCE_COLOR=0 NO_COLOR=1',
    // UBI_VM_* settings reach the tests too (e.g. UBI_VM_FPS for the round-trip rate)
    ...Object.entries(process.env)
      .filter(([k]) => /^UBI_VM_[A-Z0-9_]+$/.test(k))
      .map(([k, v]) => `export ${k}=${shQuote(v ?? '')}`),
    'echo "[vm] guest up after $(cut -d" " -f1 /proc/uptime) s; starting the tests"',
    // UBI_VM_SHELL: run this shell command instead of the tests (debugging the guest)
    process.env.UBI_VM_SHELL
      ? `N=${shQuote(node)}; ${process.env.UBI_VM_SHELL}`
      : `exec ${shQuote(node)} --expose-gc ${shQuote(path.join(ROOT, 'dist', 'test', 'vm', 'guest-mocha.js'))} ${extra}`,
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const t0 = Date.now();
  if (process.platform !== 'linux' || process.arch !== 'x64') fail(`needs an x86-64 Linux host (this is ${process.platform}/${process.arch})`);

  let found = findHostTools();
  if (found.missing.length > 0) {
    log(`missing: ${found.missing.join('; ')}`);
    log('running scripts/ensure-test-deps.cjs to install them');
    spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-test-deps.cjs')], { stdio: 'inherit' });
    found = findHostTools();
  }
  if (!found.tools) {
    fail(`missing ${found.missing.join('; ')}.\n[vm] Install them as root with: node scripts/ensure-test-deps.cjs`);
  }
  const tools = found.tools;

  const testsDir = path.join(ROOT, 'dist', 'test', 'vm', 'tests');
  const tests = fs.existsSync(testsDir) ? fs.readdirSync(testsDir).filter((f) => f.endsWith('.test.js')) : [];
  if (tests.length === 0) fail(`no compiled VM tests in ${path.relative(ROOT, testsDir)} (build first: npm run build)`);
  const mocha = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
  if (!fs.existsSync(mocha)) fail('node_modules/mocha is missing (run npm install)');
  const node = fs.realpathSync(process.execPath);
  const addonDir = path.join(ROOT, 'node_modules', 'socketcan', 'build', 'Release');
  const addons = fs.existsSync(addonDir) ? fs.readdirSync(addonDir).filter((f) => f.endsWith('.node')).map((f) => path.join(addonDir, f)) : [];
  if (addons.length === 0) fail('the socketcan addon is not built (node_modules/socketcan/build/Release/*.node missing; run npm install)');

  // Where the guest gets node and the project's JS from (measured on this 2-core TCG host):
  // - 'pack': everything in the initramfs; unpacking the 126 MB node binary costs ~6 s of boot.
  // - '9p': the project folder read-only over virtio-9p; loading mocha's many small files ~7 s.
  // - 'hybrid' (default): the JS (dist/, mocha, socketcan: ~16 MB) packed, the node binary's
  //   folder over 9p (one big sequential read).
  const share = (['pack', '9p', 'hybrid'] as const).find((m) => m === process.env.UBI_VM_SHARE) ?? 'hybrid';
  const nodeDir = path.dirname(node);
  const runDir = path.join(CACHE, 'run');
  const initrd = path.join(runDir, `initrd-${process.pid}.cpio`);
  const statusFile = path.join(runDir, `status-${process.pid}.txt`);
  let kernel;
  try {
    kernel = prepareKernel(tools.kernelDeb);
    const base = prepareInitramfs({ tools, kernel, node, addons, packNode: share === 'pack' || !node.startsWith(ROOT + path.sep) });
    const extra = process.argv.slice(2).map(shQuote).join(' ');
    const cmd = guestCommand(node, extra);
    const trees = share !== '9p' ? [path.join(ROOT, 'package.json'), path.join(ROOT, 'bin'), path.join(ROOT, 'dist', 'edge'), path.join(ROOT, 'dist', 'nodes'), path.join(ROOT, 'dist', 'test', 'vm'), ...runtimePackages()] : [];
    const env: Record<string, string> = { UBI_ROOT: ROOT, UBI_SHARE: share, UBI_9P_AT: share === '9p' ? ROOT : nodeDir };
    if (share !== 'pack') env.UBI_EXTRA_MODULES = loadOrder(kernel, SHARE_MODULES).join(' ');
    const run = runArchive({ env, cmd, trees });
    // the kernel unpacks concatenated cpio archives in order: the cached base, then this run's
    fs.mkdirSync(runDir, { recursive: true });
    fs.copyFileSync(base, initrd);
    fs.appendFileSync(initrd, run);
    log(`initramfs: base ${(fs.statSync(base).size / 1e6).toFixed(1)} MB + this run ${(run.length / 1e6).toFixed(1)} MB (${share})`);
  } catch (e) {
    if (e instanceof VmSetupError) fail(e.message);
    throw e;
  }
  const tPrep = Date.now();
  fs.rmSync(statusFile, { force: true });
  // leftovers of runs that were killed (an initrd is ~26 MB)
  for (const f of fs.readdirSync(runDir)) {
    const p = path.join(runDir, f);
    if (p !== initrd && Date.now() - fs.statSync(p).mtimeMs > 3600_000) fs.rmSync(p, { force: true });
  }

  const accel = chooseAccel();
  const smp = Number(process.env.UBI_VM_SMP ?? 1);
  const args = [
    '-nodefaults',
    '-no-user-config',
    '-machine',
    `pc,accel=${accel}`,
    '-cpu',
    accel === 'kvm' ? 'host' : 'max',
    '-smp',
    String(smp),
    '-m',
    '1536',
    '-display',
    'none',
    '-vga',
    'none',
    '-monitor',
    'none',
    '-no-reboot',
    '-kernel',
    kernel.vmlinux,
    '-initrd',
    initrd,
    '-append',
    [
      'console=ttyS0',
      'quiet',
      'loglevel=3',
      'panic=-1',
      'mitigations=off',
      'random.trust_cpu=on',
    ].join(' '),
    '-serial',
    'stdio',
    '-serial',
    `file:${statusFile}`,
    ...(share !== 'pack'
      ? ['-fsdev', `local,id=proj,path=${share === '9p' ? ROOT : nodeDir},security_model=none,readonly=on`, '-device', 'virtio-9p-pci,fsdev=proj,mount_tag=project']
      : []),
  ];
  const timeoutS = Number(process.env.UBI_VM_TIMEOUT ?? 300);
  log(`booting Debian kernel ${kernel.release} under qemu (${accel}); timeout ${timeoutS} s`);

  let output = '';
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(tools.qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8');
    const onData = (d: string): void => {
      const s = d.replace(/\r/g, '');
      output += s;
      process.stdout.write(s);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString('utf8');
      // TCG names CPU features it cannot emulate for -cpu max; harmless, so not shown
      if (!/TCG doesn't support requested feature/.test(s)) process.stderr.write(s);
    });
    const timer = setTimeout(() => {
      log(`TIMEOUT after ${timeoutS} s: killing qemu (tests hung, or a handle kept node from exiting)`);
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      log(`qemu failed to start: ${e.message}`);
      resolve(null);
    });
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const tEnd = Date.now();
  let status = '';
  try {
    status = fs.readFileSync(statusFile, 'utf8');
  } catch {
    // qemu died before creating it
  }
  fs.rmSync(initrd, { force: true });
  fs.rmSync(statusFile, { force: true });
  const m = /UBI_VM_EXIT=(\d+)/.exec(status);
  const passing = /(\d+) passing/.exec(output)?.[1];
  const failing = /(\d+) failing/.exec(output)?.[1] ?? '0';
  log(`prepare ${((tPrep - t0) / 1000).toFixed(1)} s, VM run ${((tEnd - tPrep) / 1000).toFixed(1)} s (boot + tests), qemu exit ${String(code)}`);
  if (!m) {
    log('FAILED: the VM reported no exit status (it crashed, hung or could not start the tests)');
    return 1;
  }
  const rc = Number(m[1]);
  const initCodes: Record<number, string> = {
    80: 'a kernel module failed to load',
    81: 'could not create vcan0/vcan1',
    82: 'the guest got no UBI_ROOT/UBI_CMD',
    83: 'could not mount the project over 9p',
  };
  if (initCodes[rc]) log(`FAILED in the guest's /init: ${initCodes[rc]}`);
  if (passing === undefined && rc === 0 && !process.env.UBI_VM_SHELL) {
    log('FAILED: the guest exited 0 but mocha printed no result');
    return 1;
  }
  process.stdout.write(`\nvm: ${passing ?? 0} passed, ${failing} failed\n`);
  return rc;
}

main().then(
  (rc) => process.exit(rc),
  (e: unknown) => {
    process.stdout.write(`[vm] harness error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
