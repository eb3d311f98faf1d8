// Writes flows/flows.json, the appliance's default flows. Kept as a script so ids stay stable and
// the layout stays tidy; the JSON it writes is what Node-RED loads and engineers change in the editor.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const id = (n) => `ubi0000000000${String(n).padStart(3, '0')}`;
const TAB_VEHICLE = id(1);
const TAB_INSURANCE = id(2);
const BUS = id(10);
const INFLUX = id(11);
const INSURER = id(12);

const nodes = [
  { id: TAB_VEHICLE, type: 'tab', label: 'Vehicle data', disabled: false,
    info: 'CAN in -> decode -> score / incidents -> InfluxDB.\n\nSite settings come from the environment (see the README): UBI_VEHICLE, UBI_CAN_IFACES (empty: replay the bundled log), UBI_DECODE_INTERFACES, UBI_VSS_MAP, UBI_VEHICLE_CLASS, UBI_DEPOT_TZ, UBI_INFLUX_URL, UBI_INFLUX_DB, UBI_DEPOT.' },
  { id: TAB_INSURANCE, type: 'tab', label: 'Insurance', disabled: false,
    info: 'Renewal reminders, UBI quotes and underwriter referrals from the policy register (UBI_REGISTER_DB); KPIs to InfluxDB.' },

  // config nodes
  { id: BUS, type: 'ubi-can-bus', name: 'vehicle bus', vehicle: '${UBI_VEHICLE}', source: 'auto', interfaces: '', bitrate: '500000',
    fd: false, filters: '', replayFile: '', speed: '1', loop: true },
  { id: INFLUX, type: 'ubi-influx-config', name: 'depot InfluxDB', url: '${UBI_INFLUX_URL}', database: '${UBI_INFLUX_DB}', depot: '${UBI_DEPOT}',
    capMB: 256, fsync: 'interval', fsyncMs: 500, batchSize: 5000, rawDuration: '30d', longDuration: 'INF', dir: '', archive: false,
    archiveDir: '', archiveCapMB: 2048, archiveDays: 30, archiveSegmentMB: 16 },

  { id: INSURER, type: 'ubi-insurer', name: 'insurer claims endpoint', url: '${UBI_INSURER_URL}', caFile: '', certFile: '', timeoutS: 15, retryBaseS: 1,
    retryMaxS: 300, test: false, dir: '', registerFile: '${UBI_REGISTER_DB}', vehicles: '', leadS: 60, dbcVersion: '', vssMapVersion: '', scoringVersion: '',
    attachFiles: '', evidenceBaseUrl: '' },

  // Vehicle data
  { id: id(20), type: 'group', z: TAB_VEHICLE, name: 'Ingest and decode', style: { label: true }, nodes: [id(21), id(22), id(23)], x: 34, y: 59, w: 532, h: 142 },
  { id: id(21), type: 'comment', z: TAB_VEHICLE, g: id(20), name: 'SocketCAN when present, else the bundled car drive in real time',
    info: 'The status under `can in` shows frames/s and bus load per interface; `decode` shows decoded frames/s and unknown ids.', x: 300, y: 100, wires: [] },
  { id: id(22), type: 'ubi-can-in', z: TAB_VEHICLE, g: id(20), name: '', bus: BUS, maxFrames: '1000', maxAgeMs: '100', statsInterval: '10', x: 140, y: 160,
    wires: [[id(23)], [id(40)]] },
  { id: id(23), type: 'ubi-decode', z: TAB_VEHICLE, g: id(20), name: '', interfaces: '${UBI_DECODE_INTERFACES}', map: '${UBI_VSS_MAP}', emit: 'mapped', signals: '',
    period: 1, mode: 'last', statsInterval: 2, x: 400, y: 160, wires: [[id(31), id(32)], [id(40)]] },

  { id: id(30), type: 'group', z: TAB_VEHICLE, name: 'Driving behaviour, incidents and claims', style: { label: true }, nodes: [id(31), id(32), id(33), id(34), id(35)], x: 34, y: 239, w: 532, h: 222 },
  { id: id(31), type: 'ubi-score', z: TAB_VEHICLE, g: id(30), name: '', vehicleClass: '${UBI_VEHICLE_CLASS}', timeZone: '${UBI_DEPOT_TZ}', roster: '', overrides: '',
    mergeS: 1, statsInterval: 1, x: 140, y: 280, wires: [[id(40)], [id(40)], [id(40)], [id(33)]] },
  { id: id(32), type: 'ubi-incident', z: TAB_VEHICLE, g: id(30), name: '', accelThresholdG: 2.5, preS: 20, postS: 10, crashSignals: '', overrides: '', mergeS: 0.2,
    x: 140, y: 360, wires: [[id(40), id(34)], [id(40), id(34), id(35)], [id(34)]] },
  { id: id(35), type: 'ubi-claim', z: TAB_VEHICLE, g: id(30), name: '', insurer: INSURER, store: INFLUX, x: 140, y: 420, wires: [[id(40), id(34)]] },
  { id: id(33), type: 'debug', z: TAB_VEHICLE, g: id(30), name: 'IMU calibration', active: true, tosidebar: true, console: false, tostatus: false,
    complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 430, y: 280, wires: [] },
  { id: id(34), type: 'debug', z: TAB_VEHICLE, g: id(30), name: 'incidents', active: true, tosidebar: true, console: false, tostatus: true,
    complete: 'payload', targetType: 'msg', statusVal: 'payload.kind', statusType: 'msg', x: 420, y: 360, wires: [] },

  { id: id(40), type: 'ubi-influx-out', z: TAB_VEHICLE, name: 'time series', influx: INFLUX, x: 700, y: 220, wires: [] },
  { id: id(41), type: 'comment', z: TAB_VEHICLE, name: 'Signals (1 s), gateway health, events, trips, scores, incidents',
    info: 'Everything goes through a durable outbox on disk: with InfluxDB down the node says `buffering` and loses nothing it accepted.', x: 760, y: 180, wires: [] },

  // Insurance
  { id: id(50), type: 'ubi-renewal', z: TAB_INSURANCE, name: '', db: '${UBI_REGISTER_DB}', timeZone: '${UBI_DEPOT_TZ}', runAt: '08:00', stages: '60,30,15',
    followUpAttempts: 3, followUpEveryDays: 3, quoteConfig: '', depot: '${UBI_DEPOT}', x: 160, y: 120, wires: [[id(51)], [id(52)], [id(53)], [id(54)]] },
  { id: id(51), type: 'debug', z: TAB_INSURANCE, name: 'reminders (wire to e-mail/SMS)', active: true, tosidebar: true, console: false, tostatus: false,
    complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 440, y: 80, wires: [] },
  { id: id(52), type: 'debug', z: TAB_INSURANCE, name: 'renewal quotes', active: true, tosidebar: true, console: false, tostatus: false,
    complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 410, y: 120, wires: [] },
  { id: id(53), type: 'debug', z: TAB_INSURANCE, name: 'underwriter referrals', active: true, tosidebar: true, console: false, tostatus: false,
    complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 420, y: 160, wires: [] },
  { id: id(54), type: 'ubi-influx-out', z: TAB_INSURANCE, name: 'renewal and KPI points', influx: INFLUX, x: 440, y: 200, wires: [] },
  { id: id(55), type: 'comment', z: TAB_INSURANCE, name: 'Import the register: POST CSV to /api/v1/import/<table>, or inject with topic import/<table>',
    info: 'Columns: edge/insurance/README.md. Scores from the Vehicle data tab can be wired in for quotes.', x: 300, y: 40, wires: [] },
];

const out = path.join(__dirname, '..', 'flows', 'flows.json');
fs.writeFileSync(out, JSON.stringify(nodes, null, 4) + '\n');
process.stdout.write(`wrote ${out} (${nodes.length} nodes)\n`);
