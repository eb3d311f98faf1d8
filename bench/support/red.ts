// The real Node-RED runtime in-process for the benches (node-red-node-test-helper), without the
// helper's recording: the helper wraps Node.prototype's log/status/warn/error/debug/trace/send in sinon
// spies (behind a Proxy, which sinon's restore does not undo; Node-RED also copies the spied send onto
// every node) that keep every call with its arguments and call stack, i.e. every message ever sent:
// time and memory a real runtime does not spend. The helper's node API also lacks RED.hooks, which
// the real runtime hands every node (Node-RED's messaging hooks; ubi-decode uses onSend, see
// nodes/lib/share.ts): it is put back here, so the benches route messages as the appliance does.
import path from 'node:path';
import helper from 'node-red-node-test-helper';

const METHODS = ['log', 'status', 'warn', 'error', 'debug', 'trace', 'send', 'metric'];

helper.init(require.resolve('node-red'));

{
  const registryUtil = (helper as unknown as { _registryUtil?: { createNodeApi(n: unknown): Record<string, unknown> } })._registryUtil;
  // the same @node-red/util instance the runtime's Flow routes messages through
  const hooks = (require(require.resolve('@node-red/util', { paths: [path.dirname(require.resolve('node-red'))] })) as { hooks: unknown }).hooks;
  if (registryUtil) {
    const create = registryUtil.createNodeApi.bind(registryUtil);
    registryUtil.createNodeApi = (n) => {
      const api = create(n);
      if (!api.hooks) api.hooks = hooks;
      return api;
    };
  }
}

export { helper };

export const startServer = () => new Promise<void>((r) => helper.startServer(() => r()));
export const stopServer = () => new Promise<void>((r) => helper.stopServer(() => r()));

/** Loads a flow, then puts Node.prototype's own methods and the logger back (no spies). */
export async function load(types: unknown[], flow: unknown[]): Promise<void> {
  const proto = (helper as unknown as { _NodePrototype: Record<string, unknown> })._NodePrototype;
  const orig = new Map(METHODS.map((m) => [m, proto[m]]));
  await new Promise<void>((r) => helper.load(types as never, flow as never, () => r()));
  const spied = new Map(METHODS.map((m) => [proto[m], m]));
  (helper as unknown as { _sandbox: { restore(): void } })._sandbox.restore();
  for (const [m, f] of orig) proto[m] = f;
  // Node-RED copies Node.prototype.send onto each node when it wires it up: those copies are spies too
  for (const def of flow as Array<{ id?: string }>) {
    const n = def.id ? (helper.getNode(def.id) as unknown as Record<string, unknown> | null) : null;
    if (!n) continue;
    for (const k of Object.keys(n)) {
      const m = spied.get(n[k]);
      if (m !== undefined) n[k] = orig.get(m);
    }
  }
}

/** Records the status texts a node sets from now on. */
export function watchStatus(id: string): string[] {
  const n = helper.getNode(id) as unknown as { status(s: { text?: string }): void };
  const texts: string[] = [];
  const orig = n.status.bind(n);
  n.status = (s) => {
    texts.push(s?.text ?? '');
    orig(s);
  };
  return texts;
}
