// Builds (and caches in .cache/vm) what the test VM boots: Debian's stock kernel as a plain ELF
// vmlinux, its CAN/vcan/9p modules, and an uncompressed initramfs with busybox, dash, iproute2,
// can-utils and the shared libraries of those and of node. The project folder itself (dist/,
// node_modules/ and the node binary) is not packed: the guest mounts it read-only over 9p.
//
// Why these choices (measured on a 2-core TCG host, see README in this folder):
// - vmlinux instead of bzImage: TCG decompresses xz slowly; booting the ELF (PVH entry) skips it.
// - uncompressed cpio: same reason, for the initramfs.
// - 9p instead of packing node_modules and the 126 MB node binary into the initramfs.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CACHE = path.join(ROOT, '.cache', 'vm');
const DEB_DIR = path.join(CACHE, 'debs');

/** Bump when the image layout or the init script changes in a way the inputs do not show. */
const IMAGE_VERSION = 5;

/** Kernel modules the guest may load (dependencies are added from each module's depends=). */
export const CAN_MODULES = ['can', 'can_raw', 'can_dev', 'vcan'];
export const SHARE_MODULES = ['virtio_pci', '9pnet_virtio', '9p'];
const GUEST_MODULES = [...CAN_MODULES, ...SHARE_MODULES];

/** The modules to insmod, dependencies first. */
export function loadOrder(kernel: KernelArtifacts, wanted: string[]): string[] {
  const need = new Set<string>();
  const byName = new Map(kernel.modules.map((m) => [m.name, m]));
  const add = (n: string): void => {
    if (need.has(n)) return;
    need.add(n);
    for (const d of byName.get(n)?.deps ?? []) add(d);
  };
  for (const w of wanted) add(normName(w));
  return kernel.modules.filter((m) => need.has(m.name)).map((m) => m.name);
}

export class VmSetupError extends Error {}

function log(msg: string): void {
  process.stdout.write(`[vm] ${msg}\n`);
}

function which(names: string[]): string | undefined {
  return names.find((f) => fs.existsSync(f));
}

/** Host tools the VM needs; a missing one is named with the package that brings it. */
export interface HostTools {
  qemu: string;
  busybox: string;
  dash: string;
  ip: string;
  canUtils: string[];
  kernelDeb: string;
}

export function findHostTools(): { tools?: HostTools; missing: string[] } {
  const missing: string[] = [];
  const qemu = which(['/usr/bin/qemu-system-x86_64', '/usr/local/bin/qemu-system-x86_64']);
  if (!qemu) missing.push('qemu-system-x86_64 (apt package qemu-system-x86)');
  const busybox = which(['/bin/busybox', '/usr/bin/busybox']);
  if (!busybox || !isStatic(busybox)) missing.push('a static busybox (apt package busybox-static)');
  const dash = which(['/usr/bin/dash', '/bin/dash']);
  if (!dash) missing.push('dash (apt package dash)');
  const ip = which(['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']);
  if (!ip) missing.push('ip (apt package iproute2)');
  const canUtils = ['cansend', 'candump', 'cangen'].map((n) => `/usr/bin/${n}`).filter((f) => fs.existsSync(f));
  if (canUtils.length < 3) missing.push('cansend/candump/cangen (apt package can-utils)');
  let kernelDeb: string | undefined;
  try {
    kernelDeb = fs
      .readdirSync(DEB_DIR)
      .filter((f) => /^linux-image-\d[\w.+-]*-amd64(-unsigned)?_.*_amd64\.deb$/.test(f))
      .sort()
      .pop();
  } catch {
    // no cache dir yet
  }
  if (!kernelDeb) missing.push(`the Debian kernel package in ${path.relative(ROOT, DEB_DIR)} (apt-get download linux-image-6.1.0-*-amd64)`);
  if (missing.length > 0) return { missing };
  return { tools: { qemu: qemu!, busybox: busybox!, dash: dash!, ip: ip!, canUtils, kernelDeb: path.join(DEB_DIR, kernelDeb!) }, missing };
}

function isStatic(file: string): boolean {
  try {
    const buf = fs.readFileSync(file).subarray(0, 1 << 20);
    return !buf.includes('ld-linux');
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Kernel: vmlinux + modules, extracted once per kernel package

export interface KernelArtifacts {
  release: string;
  vmlinux: string;
  /** every module we may load, dependencies first */
  modules: Array<{ name: string; file: string; deps: string[] }>;
}

const normName = (n: string): string => n.replace(/-/g, '_');

/** Reads `depends=` from a .ko's .modinfo strings (what modinfo prints; no kmod needed). */
export function moduleDepends(ko: Buffer): string[] {
  const key = Buffer.from('\0depends=');
  const at = ko.indexOf(key);
  if (at < 0) return [];
  const end = ko.indexOf(0, at + key.length);
  const list = ko.subarray(at + key.length, end < 0 ? undefined : end).toString('latin1');
  return list.split(',').map((s) => s.trim()).filter(Boolean).map(normName);
}

export function prepareKernel(deb: string): KernelArtifacts {
  const dir = path.join(CACHE, 'kernel', path.basename(deb, '.deb'));
  const manifest = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifest)) {
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as KernelArtifacts & { wanted: string[] };
    if (JSON.stringify(m.wanted) === JSON.stringify(GUEST_MODULES) && fs.existsSync(m.vmlinux) && m.modules.every((x) => Array.isArray(x.deps))) return m;
  }
  const t0 = Date.now();
  const tmp = path.join(CACHE, 'kernel', `.extract-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    log(`unpacking ${path.basename(deb)} (once)`);
    const r = spawnSync('dpkg-deb', ['-x', deb, tmp], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) throw new VmSetupError(`dpkg-deb -x ${deb} failed: ${r.stderr || r.error?.message}`);
    const vmlinuz = fs.readdirSync(path.join(tmp, 'boot')).find((f) => f.startsWith('vmlinuz-'));
    if (!vmlinuz) throw new VmSetupError(`${deb} holds no boot/vmlinuz-*`);
    const release = vmlinuz.slice('vmlinuz-'.length);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, 'modules'), { recursive: true });
    const vmlinux = path.join(dir, 'vmlinux');
    fs.writeFileSync(vmlinux, extractVmlinux(fs.readFileSync(path.join(tmp, 'boot', vmlinuz))));

    // index every module by its normalised name, then take the closure of what we need
    const index = new Map<string, string>();
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ko')) index.set(normName(e.name.slice(0, -3)), p);
      }
    };
    walk(path.join(tmp, 'lib', 'modules', release, 'kernel'));
    const order: Array<{ name: string; file: string; deps: string[] }> = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, from: string): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') throw new VmSetupError(`module dependency cycle at ${name}`);
      const src = index.get(name);
      if (!src) throw new VmSetupError(`kernel ${release} has no module ${name} (needed by ${from}); built in?`);
      state.set(name, 'visiting');
      const ko = fs.readFileSync(src);
      const deps = moduleDepends(ko);
      for (const dep of deps) visit(dep, name);
      const file = path.join(dir, 'modules', `${name}.ko`);
      fs.writeFileSync(file, ko);
      order.push({ name, file, deps });
      state.set(name, 'done');
    };
    for (const m of GUEST_MODULES) visit(normName(m), 'the test VM');
    const art: KernelArtifacts = { release, vmlinux, modules: order };
    fs.writeFileSync(manifest, JSON.stringify({ ...art, wanted: GUEST_MODULES }, null, 2));
    log(`kernel ${release}: vmlinux and ${order.length} modules ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return art;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The ELF kernel inside a bzImage: find a compressed stream by its magic, decompress it with the
 * host's tool and keep the first result that is an ELF (what scripts/extract-vmlinux does).
 */
export function extractVmlinux(bz: Buffer): Buffer {
  const kinds: Array<{ magic: number[]; cmd: string; args: string[] }> = [
    { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], cmd: 'xz', args: ['-dc', '--single-stream'] },
    { magic: [0x28, 0xb5, 0x2f, 0xfd], cmd: 'zstd', args: ['-dc'] },
    { magic: [0x1f, 0x8b, 0x08], cmd: 'gzip', args: ['-dc'] },
    { magic: [0x02, 0x21, 0x4c, 0x18], cmd: 'lz4', args: ['-dc'] },
  ];
  for (const k of kinds) {
    const magic = Buffer.from(k.magic);
    for (let at = bz.indexOf(magic); at >= 0; at = bz.indexOf(magic, at + 1)) {
      const r = spawnSync(k.cmd, k.args, { input: bz.subarray(at), maxBuffer: 1 << 30 });
      const out = r.stdout;
      // trailing data after the stream makes some tools exit non-zero; the ELF check decides
      if (out && out.length > 4 && out.readUInt32BE(0) === 0x7f454c46) return out;
    }
  }
  throw new VmSetupError('no ELF kernel found inside the bzImage (need xz/zstd/gzip/lz4 on the host)');
}

// ---------------------------------------------------------------------------------------------
// initramfs

/** newc cpio, written here so no cpio tool is needed; entries are (path, kind, data). */
class Cpio {
  private readonly parts: Buffer[] = [];
  private ino = 1;
  private readonly seen = new Set<string>();

  dir(p: string): void {
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (this.seen.has(d)) continue;
      this.seen.add(d);
      this.entry(d, 0o040755, Buffer.alloc(0));
    }
  }

  file(p: string, data: Buffer, mode = 0o755): void {
    const rel = p.replace(/^\/+/, '');
    if (this.seen.has(rel)) return;
    this.dir(path.posix.dirname(rel));
    this.seen.add(rel);
    this.entry(rel, 0o100000 | mode, data);
  }

  symlink(p: string, target: string): void {
    const rel = p.replace(/^\/+/, '');
    if (this.seen.has(rel)) return;
    this.dir(path.posix.dirname(rel));
    this.seen.add(rel);
    this.entry(rel, 0o120777, Buffer.from(target));
  }

  chardev(p: string, major: number, minor: number): void {
    const rel = p.replace(/^\/+/, '');
    this.dir(path.posix.dirname(rel));
    this.seen.add(rel);
    this.entry(rel, 0o020600, Buffer.alloc(0), major, minor);
  }

  finish(): Buffer {
    this.entry('TRAILER!!!', 0, Buffer.alloc(0));
    return Buffer.concat(this.parts);
  }

  private entry(name: string, mode: number, data: Buffer, rmaj = 0, rmin = 0): void {
    const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
    const nameBuf = Buffer.from(name + '\0');
    const isDir = (mode & 0o170000) === 0o040000;
    const fields = [this.ino++, mode, 0, 0, isDir ? 2 : 1, 0, data.length, 0, 0, rmaj, rmin, nameBuf.length, 0];
    const header = Buffer.from('070701' + fields.map(hex).join(''), 'latin1');
    this.parts.push(header, nameBuf, pad4(header.length + nameBuf.length), data, pad4(data.length));
  }
}

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

/** Shared libraries ldd lists for a binary (path as the loader will look for it). */
function sharedLibs(bin: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [bin], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return []; // static, or not ELF
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

export interface InitramfsInputs {
  tools: HostTools;
  kernel: KernelArtifacts;
  /** the node binary the guest runs */
  node: string;
  /** pack the node binary into the base image (else it is read over 9p from the project) */
  packNode: boolean;
  /** native addons whose libraries must be present */
  addons: string[];
}

/**
 * The guest's /init (run by dash; busybox's sh would run its own `ip` applet ahead of PATH).
 * Per-run settings come from /ubi-env and /ubi-cmd.sh, appended to the initramfs for each run.
 */
export function initScript(modules: string[]): string {
  return `#!/bin/sh
# ubi-edge test VM init: mount, load the modules, create vcan0 (CAN FD, MTU 72) and vcan1
# (classic, MTU 16; vcan defaults to 72), bring in the project (packed, or read-only over 9p),
# run /ubi-cmd.sh, report its status on ttyS1 and power off. No tmpfs on /tmp: the root is a
# writable tmpfs already, and a project under /tmp on the host is unpacked at its own path.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu HOME=/tmp
report() { echo "UBI_VM_EXIT=$1" > /dev/ttyS1; sync; poweroff -f; sleep 5; }
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
[ -f /ubi-env ] && [ -f /ubi-cmd.sh ] || { echo "[vm-init] /ubi-env or /ubi-cmd.sh missing"; report 82; }
. /ubi-env
for m in ${modules.join(' ')} $UBI_EXTRA_MODULES; do
  insmod /modules/$m.ko || { echo "[vm-init] insmod $m failed"; report 80; }
done
ip link set lo up
ip link add dev vcan0 type vcan && ip link set vcan0 mtu 72 && ip link set vcan0 up || report 81
ip link add dev vcan1 type vcan && ip link set vcan1 mtu 16 && ip link set vcan1 up || report 81
if [ "$UBI_SHARE" != pack ]; then
  mkdir -p "$UBI_9P_AT"
  mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 project "$UBI_9P_AT" || report 83
fi
cd "$UBI_ROOT" || report 83
/bin/sh /ubi-cmd.sh
report $?
`;
}

export function prepareInitramfs(inp: InitramfsInputs): string {
  const bins = [inp.tools.dash, inp.tools.ip, ...inp.tools.canUtils];
  const libs = new Set<string>();
  for (const b of [...bins, inp.node, ...inp.addons]) for (const l of sharedLibs(b)) libs.add(l);
  const packNode = inp.packNode || !inp.node.startsWith(ROOT + path.sep);
  const files = [inp.tools.busybox, ...bins, ...libs, ...(packNode ? [inp.node] : [])];
  const init = initScript(loadOrder(inp.kernel, CAN_MODULES));

  const h = createHash('sha256');
  h.update(`v${IMAGE_VERSION}\n${init}\n${inp.kernel.release}\n`);
  for (const f of [...files, ...inp.kernel.modules.map((m) => m.file)]) {
    const st = fs.statSync(f);
    h.update(`${f} ${st.size} ${st.mtimeMs}\n`);
  }
  const key = h.digest('hex').slice(0, 16);
  const out = path.join(CACHE, `initramfs-${key}${packNode ? '-node' : ''}.cpio`);
  if (fs.existsSync(out)) return out;

  const t0 = Date.now();
  const c = new Cpio();
  for (const d of ['dev', 'proc', 'sys', 'tmp', 'run', 'etc', 'root', 'sbin', 'usr/bin', 'usr/sbin', 'modules']) c.dir(d);
  c.chardev('/dev/console', 5, 1);
  c.file('/init', Buffer.from(init));
  c.file('/bin/busybox', fs.readFileSync(inp.tools.busybox));
  // busybox applets as links, but never sh/ip: dash and iproute2's ip take those names
  const applets = execFileSync(inp.tools.busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) if (!['sh', 'ash', 'ip', 'busybox'].includes(a)) c.symlink(`/bin/${a}`, 'busybox');
  c.file('/bin/sh', fs.readFileSync(inp.tools.dash));
  c.file('/sbin/ip', fs.readFileSync(inp.tools.ip));
  for (const u of inp.tools.canUtils) c.file(`/usr/bin/${path.basename(u)}`, fs.readFileSync(u));
  for (const l of libs) c.file(l, fs.readFileSync(fs.realpathSync(l)));
  if (packNode) c.file(inp.node, fs.readFileSync(inp.node));
  for (const m of inp.kernel.modules) c.file(`/modules/${m.name}.ko`, fs.readFileSync(m.file), 0o644);
  c.file('/etc/passwd', Buffer.from('root:x:0:0:root:/root:/bin/sh\n'), 0o644);
  c.file('/etc/group', Buffer.from('root:x:0:\n'), 0o644);
  const img = c.finish();
  const kind = packNode ? /^initramfs-[0-9a-f]+-node\.cpio$/ : /^initramfs-[0-9a-f]+\.cpio$/;
  for (const f of fs.readdirSync(CACHE)) if (kind.test(f)) fs.rmSync(path.join(CACHE, f), { force: true });
  fs.writeFileSync(out + '.tmp', img);
  fs.renameSync(out + '.tmp', out);
  log(`initramfs ${path.basename(out)}: ${(img.length / 1e6).toFixed(1)} MB, built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Per-run archive: settings, the command, and (when packing) the project files the tests load.

/**
 * Packages the guest needs at run time: mocha, socketcan and the CLI's with their dependencies, resolved as
 * node would (nested node_modules first). socketcan's build-time dependencies are left out.
 */
export function runtimePackages(root = ROOT): string[] {
  const seen = new Set<string>();
  const buildOnly = new Set(['node-gyp', 'node-addon-api']);
  const resolve = (name: string, from: string): string | undefined => {
    for (let d = from; ; d = path.dirname(d)) {
      const p = path.join(d, 'node_modules', name);
      if (fs.existsSync(path.join(p, 'package.json'))) return p;
      if (d === root || d === path.dirname(d)) return undefined;
    }
  };
  const visit = (dir: string): void => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name?: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys({ ...pj.dependencies, ...pj.optionalDependencies })) {
      if (pj.name === 'socketcan' && buildOnly.has(dep)) continue;
      const r = resolve(dep, dir);
      if (r) visit(r);
    }
  };
  // commander and cli-progress: the `ubi-edge replay` command is tested in the guest too
  for (const top of ['mocha', 'socketcan', 'commander', 'cli-progress']) {
    const d = path.join(root, 'node_modules', top);
    if (!fs.existsSync(d)) throw new VmSetupError(`node_modules/${top} is missing (run npm install)`);
    visit(d);
  }
  return [...seen];
}

export interface RunArchive {
  env: Record<string, string>;
  cmd: string;
  /** files and folders copied in at their own absolute paths */
  trees: string[];
}

export function runArchive(r: RunArchive): Buffer {
  const c = new Cpio();
  const env = Object.entries(r.env)
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
    .join('\n');
  c.file('/ubi-env', Buffer.from(env + '\n'), 0o644);
  c.file('/ubi-cmd.sh', Buffer.from(r.cmd), 0o755);
  const add = (p: string): void => {
    const st = fs.lstatSync(p);
    if (st.isDirectory()) {
      c.dir(p);
      for (const e of fs.readdirSync(p)) add(path.join(p, e));
    } else if (st.isSymbolicLink()) c.symlink(p, fs.readlinkSync(p));
    else if (st.isFile()) c.file(p, fs.readFileSync(p), st.mode & 0o777);
  };
  for (const t of r.trees) add(t);
  return c.finish();
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
