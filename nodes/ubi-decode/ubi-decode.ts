// ubi-decode: FrameBatches in, SignalBatches out (COVESA VSS names and units).
// Output 1: every sample at the native rate. Output 2: down-sampled points (one per signal per period).
import { flushMessage, withoutFlush } from '../lib/flush.js';
import type { Node, NodeAPI, NodeDef, NodeMessage } from '../lib/red.js';
import { Status } from '../lib/status.js';
import { shareReadOnlyBatches } from '../lib/share.js';
import type { FrameBatch } from '../../edge/can/frame.js';
import { buildDecodeEngine, frameBatchProblem } from '../../edge/signals/config.js';
import type { DecodeEngine, DecodeOutput } from '../../edge/signals/decoder.js';

interface DecodeDef extends NodeDef {
  interfaces?: string;
  map?: string;
  emit?: string;
  signals?: string;
  period?: string | number;
  mode?: string;
  statsInterval?: string | number;
}

export = function register(RED: NodeAPI): void {
  // SignalBatches to ubi-score / ubi-incident / ubi-influx-out only: no deep copy per recipient (lib/share.ts)
  shareReadOnlyBatches(RED);
  RED.nodes.registerType('ubi-decode', function (this: Node, def: DecodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new Status(node);
    let engine: DecodeEngine | undefined;
    let timer: NodeJS.Timeout | undefined;
    let badInput = 0;

    try {
      const built = buildDecodeEngine({
        interfaces: def.interfaces ?? '',
        map: def.map ?? '',
        emit: def.emit ?? 'mapped',
        signals: def.signals ?? '',
        period: def.period ?? 1,
        mode: def.mode ?? 'last',
      });
      engine = built.engine;
      node.log(built.describe);
      // DBC problems (file:line:col), unavailable map entries: shown once, decoding goes on
      for (const w of built.warnings.slice(0, 20)) node.warn(w);
      if (built.warnings.length > 20) node.warn(`... and ${built.warnings.length - 20} more problems`);
      const hasErrors = built.warnings.some((w) => /(^|: )error: /.test(w));
      status.set(hasErrors ? 'warn' : 'idle', hasErrors ? `${built.warnings.length} problem(s), decoding` : 'waiting for frames');
      const everyMs = Math.max(1, Number(def.statsInterval ?? 2) || 2) * 1000;
      let lastDecoded = 0;
      let lastAt = Date.now();
      timer = setInterval(() => {
        const c = engine!.counters();
        const now = Date.now();
        const rate = ((c.decoded - lastDecoded) * 1000) / Math.max(1, now - lastAt);
        lastDecoded = c.decoded;
        lastAt = now;
        const unknownIds = c.unknownIds.length + (c.unknownOther > 0 ? 1 : 0);
        const text = `${Math.round(rate)} fr/s, ${unknownIds} unknown id${unknownIds === 1 ? '' : 's'}${c.short ? `, ${c.short} short` : ''}`;
        if (c.frames > 0) status.set(rate > 0 ? 'ok' : 'idle', text);
      }, everyMs);
    } catch (e) {
      // a bad DBC path or a broken DBC: red status naming file:line, never a crash
      // (the status shows file names without their directories so file:line fits; the log has it all)
      status.set('error', (e as Error).message.replace(/[^\s:"]*[/\\]([^/\\\s:"]+)(?=:)/g, '$1'));
      node.error((e as Error).message);
    }

    const send = (out: DecodeOutput, msg: NodeMessage, fn: (m: (NodeMessage | null)[]) => void): void => {
      if (!out.full && !out.down) return;
      const base = withoutFlush(msg);
      const vehicle = (out.full ?? out.down)!.vehicle;
      fn([out.full ? { ...base, topic: `${vehicle}/signals`, payload: out.full } : null, out.down ? { ...base, topic: `${vehicle}/signals`, payload: out.down } : null]);
    };

    node.on('input', (msg, sendFn, done) => {
      if (!engine) return done();
      if (msg.flush === true) {
        // end of a log: close the open down-sampling windows, then pass the end on
        for (const o of engine.flush()) send(o, msg, sendFn);
        sendFn([flushMessage(msg.topic ?? 'end'), flushMessage(msg.topic ?? 'end')]);
        return done();
      }
      const problem = frameBatchProblem(msg.payload);
      if (problem) {
        if (++badInput <= 10) node.warn(problem);
        return done();
      }
      try {
        send(engine.decode(msg.payload as FrameBatch), msg, sendFn);
        done();
      } catch (e) {
        done(e as Error);
      }
    });

    node.on('close', (_removed, done) => {
      if (timer) clearInterval(timer);
      engine = undefined;
      done();
    });
  });
};
