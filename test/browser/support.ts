// Shared by the browser tests: the appliance in its own process, an admin token, and Debian's
// chromium driven by playwright-core (loaded at run time so the build never depends on it).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { BIN, ROOT, spawnAppliance, stopProcess } from '../support/appliance.js';

export { ROOT };
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'browser');
export const CHROMIUM = process.env.UBI_CHROMIUM ?? '/usr/bin/chromium';
export const USER = 'depot';
export const PASSWORD = 'a long browser test password';
/** a real J1939 truck log (CSS Electronics, MIT) for the truck example's ${UBI_TRUCK_LOG} */
export const TRUCK_LOG = path.join(ROOT, 'test/fixtures/candump/css-electronics/11111111-00000012-00000001.log.xz');

export interface Appliance {
  proc: ChildProcess;
  url: string;
  logs: string[];
}

/** `ubi-edge start` on a free port with a fresh data dir and a copy of the default flows. */
export async function startAppliance(dir: string, env: NodeJS.ProcessEnv = {}): Promise<Appliance> {
  const dataDir = path.join(dir, 'data');
  const flowFile = path.join(dir, 'flows.json');
  fs.copyFileSync(path.join(ROOT, 'flows', 'flows.json'), flowFile);
  const set = spawnSync(process.execPath, [BIN, 'set-password', '--data', dataDir, '--user', USER, '--stdin'], { input: PASSWORD + '\n', encoding: 'utf8' });
  if (set.status !== 0) throw new Error(`set-password failed: ${set.stderr}`);
  const logs: string[] = [];
  // cwd: the examples name the bundled DBCs relative to the directory Node-RED starts in
  const { proc, url } = await spawnAppliance({ dataDir, flowFile, cwd: ROOT, env: { UBI_INFLUX_URL: '', UBI_TRUCK_LOG: TRUCK_LOG, ...env }, logs });
  return { proc, url, logs };
}

export async function stopAppliance(app: Appliance | undefined): Promise<void> {
  await stopProcess(app?.proc);
}

export async function adminToken(url: string, password = PASSWORD): Promise<Response> {
  return fetch(url + '/admin/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: USER, password }),
  });
}

export async function adminApi(url: string): Promise<(p: string, init?: RequestInit) => Promise<Response>> {
  const tok = await adminToken(url);
  if (tok.status !== 200) throw new Error(`admin login failed: ${tok.status}`);
  const { access_token } = (await tok.json()) as { access_token: string };
  return (p, init = {}) => fetch(url + '/admin' + p, { ...init, headers: { authorization: `Bearer ${access_token}`, accept: 'application/json', ...(init.headers ?? {}) } });
}

/** The node types package.json declares, and the folder each is registered from. */
export function declaredTypes(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  return Object.keys(pkg['node-red'].nodes).sort();
}

// --- playwright-core, typed by what the tests use --------------------------------------------------

export interface Locator {
  click(o?: { timeout?: number }): Promise<void>;
  dblclick(o?: { timeout?: number }): Promise<void>;
  fill(v: string): Promise<void>;
  press(key: string): Promise<void>;
  innerText(): Promise<string>;
  getAttribute(name: string): Promise<string | null>;
  waitFor(o?: { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeout?: number }): Promise<void>;
  count(): Promise<number>;
  first(): Locator;
  locator(sel: string): Locator;
  filter(o: { hasText: string | RegExp }): Locator;
  scrollIntoViewIfNeeded(): Promise<void>;
}
export interface Page {
  goto(url: string): Promise<unknown>;
  locator(sel: string): Locator;
  evaluate<R, A = undefined>(fn: (arg: A) => R, arg?: A): Promise<R>;
  waitForFunction<A>(fn: (arg: A) => unknown, arg?: A, o?: { timeout?: number; polling?: number | 'raf' }): Promise<unknown>;
  screenshot(o: { path: string; fullPage?: boolean }): Promise<unknown>;
  on(ev: 'console' | 'pageerror', fn: (m: { type?: () => string; text?: () => string; message?: string }) => void): void;
  mouse: { move(x: number, y: number): Promise<void>; click(x: number, y: number): Promise<void> };
  keyboard: { press(key: string): Promise<void> };
}
export interface Browser {
  newPage(o?: { viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}
interface PlaywrightCore {
  chromium: { launch(o: { executablePath: string; args: string[]; headless?: boolean; timeout?: number }): Promise<Browser> };
}

/** Debian's chromium through playwright-core; a clear error naming the fix when either is missing. */
export async function launchChromium(): Promise<Browser> {
  let pw: PlaywrightCore;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pw = require('playwright-core') as PlaywrightCore;
  } catch (e) {
    throw new Error(`playwright-core is not installed (${(e as Error).message.split('\n')[0]}): run \`npm install\` (it is a devDependency)`);
  }
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the browser tests drive Debian's chromium (a Playwright browser download does not work here). ` +
        'Install it with `sudo node scripts/ensure-test-deps.cjs` (apt-get install chromium), or point UBI_CHROMIUM at a Chromium binary.',
    );
  }
  return pw.chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // launch() always starts from a fresh, empty profile of its own (a --user-data-dir here is refused)
    ],
  });
}
