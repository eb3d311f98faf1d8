// The do-it-yourself Node-RED flow people build today, for the benches' baseline:
//   function "frames"  : one msg per candump line (node.send in a loop)
//   function "decode"  : per frame, string/hex parsing with a regex and parseInt, the gnss.dbc signals
//                        from a table pasted into On Start (bit by bit, Intel order, scale/offset) and
//                        the OBD-II mode 01 PIDs the car map uses; one msg per decoded frame
//   join               : Node-RED's core join node, N msgs -> one array
//   diy-influxdb-batch : what node-red-contrib-influxdb's "influxdb batch" node does with InfluxDB 1.x:
//                        one `influx` writePoints per message, msg.payload = [{measurement, fields, tags,
//                        timestamp}], no buffering of its own, no retry
import fs from 'node:fs';
import { InfluxDB, type IPoint } from 'influx';

/** The gnss.dbc messages with ids 1-9 as a plain table, as a user would paste it into a function node. */
export function gnssTable(dbcFile: string): Record<number, { name: string; signals: Array<[string, number, number, number, number, boolean]> }> {
  const out: Record<number, { name: string; signals: Array<[string, number, number, number, number, boolean]> }> = {};
  let cur: { name: string; signals: Array<[string, number, number, number, number, boolean]> } | undefined;
  for (const line of fs.readFileSync(dbcFile, 'latin1').split(/\r?\n/)) {
    const bo = /^BO_ (\d+) (\w+):/.exec(line);
    if (bo) {
      const id = Number(bo[1]);
      cur = id >= 1 && id <= 9 ? { name: bo[2]!, signals: [] } : undefined;
      if (cur) out[id] = cur;
      continue;
    }
    const sg = /^ SG_ (\w+) : (\d+)\|(\d+)@1([+-]) \(([^,]+),([^)]+)\)/.exec(line);
    if (sg && cur) cur.signals.push([sg[1]!, Number(sg[2]), Number(sg[3]), Number(sg[5]), Number(sg[6]), sg[4] === '-']);
  }
  return out;
}

/** On Start of the decode function node: the pasted table into node context. */
export function decodeOnStart(table: unknown): string {
  return `context.set('dbc', ${JSON.stringify(table)});`;
}

/** The decode function node's body. */
export const DECODE_FUNC = `
const m = /^\\((\\d+\\.\\d+)\\)\\s+(\\S+)\\s+([0-9A-Fa-f]+)#([0-9A-Fa-f]*)$/.exec(msg.payload);
if (!m) return null;
const t = parseFloat(m[1]);
const iface = m[2];
const id = parseInt(m[3], 16);
const bytes = [];
for (let i = 0; i < m[4].length; i += 2) bytes.push(parseInt(m[4].substr(i, 2), 16));
const fields = {};
let message;
if (iface === 'can0' && id === 0x7E8 && bytes[1] === 0x41) {
  const pid = bytes[2], A = bytes[3], B = bytes[4];
  if (pid === 0x0D) fields.speed_kmh = A;
  else if (pid === 0x0C) fields.rpm = (A * 256 + B) / 4;
  else if (pid === 0x11) fields.throttle_pct = A * 100 / 255;
  else if (pid === 0x04) fields.load_pct = A * 100 / 255;
  else if (pid === 0x05) fields.coolant_c = A - 40;
  else if (pid === 0x5E) fields.fuel_lh = (A * 256 + B) / 20;
  else return null;
  message = 'obd';
} else if (iface === 'can1') {
  const dbc = context.get('dbc');
  const def = dbc[id];
  if (!def) return null;
  for (const [name, start, len, scale, offset, signed] of def.signals) {
    let raw = 0;
    for (let i = 0; i < len; i++) {
      const bit = start + i;
      if ((bytes[Math.floor(bit / 8)] >> (bit % 8)) & 1) raw += Math.pow(2, i);
    }
    if (signed && raw >= Math.pow(2, len - 1)) raw -= Math.pow(2, len);
    fields[name] = raw * scale + offset;
  }
  message = def.name;
} else {
  return null;
}
msg.payload = { measurement: 'can', tags: { vehicle: 'car-1', iface: iface, message: message }, fields: fields, timestamp: Math.round(t * 1e6) };
return msg;
`;

/** The feeding function node's body: one msg per line of msg.payload (an array of candump lines). */
export const FRAMES_FUNC = `
for (const line of msg.payload) node.send({ payload: line });
return null;
`;

interface Red {
  nodes: {
    createNode(n: unknown, def: unknown): void;
    registerType(name: string, ctor: (this: DiyNode, def: { url: string; database: string; precision: string }) => void): void;
  };
}
interface DiyNode {
  on(ev: 'input', fn: (msg: { payload: Array<{ measurement: string; tags: Record<string, string>; fields: Record<string, number>; timestamp: number }> }, send: unknown, done: (e?: Error) => void) => void): void;
  error(e: unknown, msg?: unknown): void;
}

/** Counters the bench reads: requests, points acknowledged, errors, last acknowledgement time. */
export const diyStats = { requests: 0, points: 0, errors: 0, inFlight: 0, lastAck: 0 };

/** Node type 'diy-influxdb-batch': node-red-contrib-influxdb's batch node for 1.x, reduced to what it does per message. */
export function diyInfluxBatchNode(RED: Red): void {
  RED.nodes.registerType('diy-influxdb-batch', function (this: DiyNode, def) {
    RED.nodes.createNode(this, def);
    const client = new InfluxDB({ host: new URL(def.url).hostname, port: Number(new URL(def.url).port), database: def.database });
    this.on('input', (msg, _send, done) => {
      const points: IPoint[] = msg.payload.map((p) => ({ measurement: p.measurement, tags: p.tags, fields: p.fields, timestamp: p.timestamp }));
      diyStats.requests++;
      diyStats.inFlight++;
      client.writePoints(points, { precision: def.precision as 'u', database: def.database }).then(
        () => {
          diyStats.inFlight--;
          diyStats.points += points.length;
          diyStats.lastAck = performance.now();
          done();
        },
        (e: unknown) => {
          diyStats.inFlight--;
          diyStats.errors++;
          done(e as Error);
        },
      );
    });
  });
}
