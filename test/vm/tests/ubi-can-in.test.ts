// The ubi-can-in palette node reading real SocketCAN inside the VM: its own code path (bus config ->
// source plan -> SocketCanSource -> node.send of FrameBatches, node.status) end to end.
//
// The node runs against a small stand-in for Node-RED's runtime API (nodes/lib/red.ts declares the
// part our nodes use) instead of the real runtime: loading Node-RED's ~700 modules costs ~30 s under
// the VM's software emulation (measured), and the real-runtime wiring is covered by the host tests
// in test/nodes/ with log replay.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from '../../../nodes/lib/red.js';
import canBusNode from '../../../nodes/ubi-can-bus/ubi-can-bus.js';
import canInNode from '../../../nodes/ubi-can-in/ubi-can-in.js';
import { toFrames, type CanFrame, type FrameBatch } from '../../../edge/can/frame.js';
import { openCanSender } from '../../../edge/can/socketcan-source.js';
import { addVcan, delIface, hex, ifaceExists, seqFrame, seqOf, waitFor } from './helpers.js';

interface FakeNode extends Node {
  sent: Array<NodeMessage | (NodeMessage | null)[]>;
  statuses: NodeStatus[];
  logs: string[];
  closers: Array<(removed: boolean, done: () => void) => void>;
}

/** Just enough of Node-RED's runtime to instantiate nodes from flow JSON and close them. */
class MiniRed {
  private readonly types = new Map<string, (this: Node, def: NodeDef) => void>();
  private readonly nodes = new Map<string, FakeNode>();
  readonly api: NodeAPI = {
    nodes: {
      createNode: () => undefined,
      registerType: (type, ctor) => {
        this.types.set(type, ctor as unknown as (this: Node, def: NodeDef) => void);
      },
      getNode: (id) => this.nodes.get(id) ?? null,
    },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };

  load(flow: Array<NodeDef & Record<string, unknown>>): void {
    for (const def of flow) {
      const ctor = this.types.get(def.type);
      if (!ctor) throw new Error(`no node type ${def.type}`);
      const n: FakeNode = {
        id: def.id,
        sent: [],
        statuses: [],
        logs: [],
        closers: [],
        on: ((ev: string, fn: (removed: boolean, done: () => void) => void) => {
          if (ev === 'close') n.closers.push(fn);
        }) as Node['on'],
        send: (m) => void n.sent.push(m),
        status: (s) => void n.statuses.push(s as NodeStatus),
        log: (m) => void n.logs.push(`log: ${m}`),
        warn: (m) => void n.logs.push(`warn: ${m}`),
        error: (m) => void n.logs.push(`error: ${String(m)}`),
      };
      this.nodes.set(def.id, n);
      ctor.call(n, def);
    }
  }

  node(id: string): FakeNode {
    return this.nodes.get(id)!;
  }

  async close(): Promise<void> {
    for (const n of [...this.nodes.values()].reverse()) {
      for (const fn of n.closers) await new Promise<void>((resolve) => fn(true, resolve));
    }
    this.nodes.clear();
  }
}

function flow(bus: Record<string, unknown>): Array<NodeDef & Record<string, unknown>> {
  return [
    { id: 'bus1', type: 'ubi-can-bus', vehicle: 'van-9', source: 'socketcan', interfaces: 'vcan0', bitrate: '500000', fd: true, filters: '', replayFile: '', speed: '1', loop: false, ...bus },
    { id: 'in1', type: 'ubi-can-in', bus: 'bus1', maxFrames: '100', maxAgeMs: '20', statsInterval: '1' },
  ];
}

/** Frames the node sent on its first output, with the message topic. */
function framesOut(n: FakeNode): Array<CanFrame & { topic: string }> {
  const out: Array<CanFrame & { topic: string }> = [];
  for (const m of n.sent) {
    const first = Array.isArray(m) ? m[0] : m;
    if (!first) continue;
    for (const f of toFrames(first.payload as FrameBatch)) out.push({ ...f, topic: first.topic ?? '' });
  }
  return out;
}

describe('ubi-can-in node on real SocketCAN', function () {
  this.timeout(30_000);
  let red: MiniRed;

  before(() => {
    if (!ifaceExists('vcan0')) throw new Error('vcan0 missing: run inside the VM (node dist/test/vm/run-vm-tests.js)');
  });
  beforeEach(() => {
    red = new MiniRed();
    canBusNode(red.api);
    canInNode(red.api);
  });
  afterEach(async () => {
    await red.close();
  });

  it('emits FrameBatches of frames sent by can-utils and a paced sender, with kernel timestamps', async () => {
    red.load(flow({}));
    const in1 = red.node('in1');
    const tx = openCanSender('vcan0', { framesPerSecond: 500 });
    try {
      // the node's socket is bound during load; one frame through proves it reads
      await tx.send(seqFrame(0x7df, 0));
      await waitFor(() => framesOut(in1).length > 0, 5000, 'the node to read vcan0');
      const before = Date.now() / 1000;
      execFileSync('cansend', ['vcan0', '123#DEADBEEF']);
      execFileSync('cansend', ['vcan0', '18FEF100#0102030405060708']);
      execFileSync('cansend', ['vcan0', '456##1' + 'ab'.repeat(64)]);
      for (let i = 0; i < 200; i++) void tx.send(seqFrame(0x200, i));
      await tx.flush();
      const after = Date.now() / 1000;
      const got = (): Array<CanFrame & { topic: string }> => framesOut(in1).filter((f) => f.id !== 0x7df);
      await waitFor(() => got().length >= 203, 10_000, '203 frames from the node');
      const frames = got();
      assert.equal(frames.length, 203);
      const [a, b, c] = frames;
      assert.deepEqual([a!.id, a!.ext, hex(a!.data)], [0x123, false, 'deadbeef']);
      assert.deepEqual([b!.id, b!.ext, hex(b!.data)], [0x18fef100, true, '0102030405060708']);
      assert.deepEqual([c!.id, c!.fd, hex(c!.data)], [0x456, true, 'ab'.repeat(64)]);
      assert.deepEqual(frames.slice(3).map(seqOf), [...Array(200).keys()]);
      for (const f of frames) {
        assert.equal(f.topic, 'van-9/vcan0');
        assert.ok(f.t >= before - 0.01 && f.t <= after + 0.01, `t=${f.t} outside [${before}, ${after}]`);
      }
      const batches = in1.sent.filter((m) => Array.isArray(m) && m[0]).length;
      assert.ok(batches < 100, `batched: ${batches} messages for 204 frames`);
      // the stats timer (1 s) turns the status green with a rate
      await waitFor(() => in1.statuses.some((s) => s.fill === 'green'), 5000, 'a green status');
      assert.ok(!in1.logs.some((l) => l.startsWith('error')), in1.logs.join('\n'));
    } finally {
      tx.close();
    }
  });

  it('shows a missing interface in a red status, then reads it once it exists', async () => {
    delIface('vcan5');
    red.load(flow({ interfaces: 'vcan5', fd: false }));
    const in1 = red.node('in1');
    const missing = (): NodeStatus | undefined => in1.statuses.find((s) => /vcan5: interface does not exist/.test(s.text ?? ''));
    await waitFor(() => missing() !== undefined, 5000, 'a status naming vcan5');
    assert.equal(missing()!.fill, 'red');
    addVcan('vcan5');
    const tx = openCanSender('vcan5');
    try {
      await waitFor(() => {
        void tx.send(seqFrame(0x55, 1)).catch(() => undefined);
        return framesOut(in1).length > 0;
      }, 10_000, 'frames once vcan5 exists');
      assert.equal(framesOut(in1)[0]!.id, 0x55);
    } finally {
      tx.close();
      delIface('vcan5');
    }
  });
});
