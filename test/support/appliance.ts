// `ubi-edge start` in its own process, as users run it: the one way the tests start the appliance.
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const BIN = path.join(ROOT, 'bin', 'ubi-edge.js');

export interface SpawnedAppliance {
  proc: ChildProcess;
  url: string;
}

export interface SpawnOptions {
  dataDir: string;
  flowFile: string;
  /** added to the environment; UBI_CAN_IFACES is empty unless given (replay, never the host's CAN) */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** everything the process prints is appended here (kept across restarts by the caller) */
  logs: string[];
  timeoutMs?: number;
}

/** Starts the appliance on a free loopback port; resolves on its "ready on <url>" line. */
export function spawnAppliance(o: SpawnOptions): Promise<SpawnedAppliance> {
  const proc = spawn(process.execPath, [BIN, 'start', '--port', '0', '--host', '127.0.0.1', '--data', o.dataDir, '--flows', o.flowFile], {
    cwd: o.cwd,
    env: { ...process.env, UBI_CAN_IFACES: '', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const mark = o.logs.length;
  const timeoutMs = o.timeoutMs ?? 60000;
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`appliance did not become ready in ${timeoutMs / 1000} s:\n${o.logs.join('')}`)), timeoutMs);
    const onData = (d: Buffer) => {
      o.logs.push(d.toString());
      if (ready) return;
      const m = /ready on (http:\/\/[^\s]+)/.exec(o.logs.slice(mark).join(''));
      if (m) {
        ready = true;
        clearTimeout(timer);
        resolve({ proc, url: m[1]! });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`appliance exited with ${code ?? sig}:\n${o.logs.join('')}`));
    });
  });
}

/** SIGTERM and wait for the exit (SIGKILL after graceMs); the exit code, or null when killed. */
export async function stopProcess(proc: ChildProcess | undefined, graceMs = 15000): Promise<number | null> {
  if (!proc) return null;
  if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(t);
  return code;
}
