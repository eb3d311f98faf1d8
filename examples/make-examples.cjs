// Writes the example flows of examples/*.json, listed by the Node-RED editor under
// Import > Examples > ubi-edge (Node-RED's examples/ convention at the package root). Kept as a
// script so ids stay stable and the layout tidy: `node examples/make-examples.cjs`.
// Node-RED lists only the .json files of this folder; this script is not shown there.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** stable 16-hex-digit ids: one prefix per example */
const ider = (prefix) => (n) => `${prefix}${String(n).padStart(16 - prefix.length, '0')}`;

const debug = (id, name, x, y, extra = {}) => ({
  id, type: 'debug', name, active: true, tosidebar: true, console: false, tostatus: false,
  complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x, y, wires: [], ...extra,
});
const comment = (id, name, info, x, y) => ({ id, type: 'comment', name, info, x, y, wires: [] });
const fn = (id, name, func, outputs, x, y, wires, extra = {}) => ({
  id, type: 'function', name, func, outputs, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x, y, wires, ...extra,
});

// ---------------------------------------------------------------------------------------------
// 1. J1939 truck
{
  const id = ider('e1');
  const flow = [
    comment(id(1), 'J1939 truck: replay $UBI_TRUCK_LOG, decode by PGN, score as a tractor unit',
      'A heavy vehicle on SAE J1939 at 250 kbit/s.\n\n' +
      '* **Data**: the `truck bus` config node replays the `candump -L` log named by the environment variable ' +
      '`UBI_TRUCK_LOG` (plain, `.gz` or `.xz`), e.g. `UBI_TRUCK_LOG=/data/truck-7.log.xz npm start`. ' +
      'A real truck log: `test/fixtures/candump/css-electronics/11111111-00000012-00000001.log.xz` in a checkout ' +
      '(CSS Electronics, MIT). Without the variable the `can in` status turns red naming the missing file. ' +
      'On the truck itself, set the config node\'s Source to SocketCAN and Interfaces to `can0`.\n' +
      '* **Decode**: `can0` is matched by PGN whatever the source address with the bundled ' +
      '`assets/dbc/CSS-Electronics-SAE-J1939-DEMO.dbc` (CCVS1, EEC1, VDC2, ET1 ...; paths are relative to the ' +
      'directory Node-RED was started in: use absolute paths outside a checkout); `can1` is the logger\'s GNSS/IMU ' +
      'module (`assets/dbc/gnss.dbc`). The `j1939-truck` map gives VSS names.\n' +
      '* **DM1**: active trouble codes arrive as text samples named `J1939.DM1` (JSON: source address, lamps, SPN/FMI/OC).',
      260, 40),
    { id: id(2), type: 'ubi-can-bus', name: 'truck bus', vehicle: 'truck-1', source: 'replay', interfaces: 'can0, can1', bitrate: '250000',
      fd: false, filters: '', replayFile: '${UBI_TRUCK_LOG}', speed: '1', loop: true },
    { id: id(3), type: 'ubi-can-in', name: '', bus: id(2), maxFrames: '1000', maxAgeMs: '100', statsInterval: '10', x: 130, y: 120,
      wires: [[id(4)], [id(10)]] },
    { id: id(4), type: 'ubi-decode', name: 'decode J1939', interfaces: 'can0: j1939, assets/dbc/CSS-Electronics-SAE-J1939-DEMO.dbc\ncan1: assets/dbc/gnss.dbc',
      map: 'j1939-truck', emit: 'mapped', signals: '', period: 1, mode: 'last', statsInterval: 2, x: 340, y: 120,
      wires: [[id(5), id(6), id(7)], [id(11)]] },
    { id: id(5), type: 'ubi-score', name: '', vehicleClass: 'tractor_unit', timeZone: 'Europe/Copenhagen', roster: '', overrides: '', mergeS: 1,
      statsInterval: 1, x: 560, y: 100, wires: [[id(8)], [id(8)], [id(8)], []] },
    { id: id(6), type: 'ubi-incident', name: '', accelThresholdG: 2.5, preS: 20, postS: 10, crashSignals: '', overrides: '', mergeS: 0.2,
      x: 560, y: 160, wires: [[id(9)], [id(9)], [id(9)]] },
    fn(id(7), 'DM1 trouble codes',
      "// J1939 DM1 (active diagnostic trouble codes) travel as text samples named J1939.DM1.\n" +
      "const dtcs = [];\n" +
      "for (const s of msg.payload.texts || []) {\n" +
      "    if (s.name !== 'J1939.DM1') continue;\n" +
      "    const dm1 = JSON.parse(s.value);\n" +
      "    for (const d of dm1.dtcs || []) dtcs.push({ t: s.t, sa: dm1.sa, spn: d.spn, fmi: d.fmi, oc: d.oc });\n" +
      "}\n" +
      "if (dtcs.length === 0) return null;\n" +
      "node.status({ fill: 'yellow', shape: 'dot', text: `${dtcs.length} DTC(s), last SPN ${dtcs[dtcs.length - 1].spn}` });\n" +
      "return { topic: `${msg.payload.vehicle}/dm1`, payload: dtcs };",
      1, 580, 220, [[id(12)]]),
    debug(id(8), 'events, trips, scores', 800, 100),
    debug(id(9), 'incidents', 780, 160),
    debug(id(10), 'gateway health', 350, 60, { active: false }),
    debug(id(11), 'signals 1 s (wire to ubi-influx-out)', 600, 280, { active: false }),
    debug(id(12), 'trouble codes', 790, 220),
  ];
  write('j1939-truck', flow);
}

// ---------------------------------------------------------------------------------------------
// 2. OBD-II + DBC van (the bundled car drive)
{
  const id = ider('e2');
  const flow = [
    comment(id(1), 'OBD-II/DBC van: the bundled real drive, OBD-II on can0 and a GNSS/IMU DBC on can1',
      'A light commercial vehicle read through the OBD-II port (`can0`, 500 kbit/s; the appliance polls PIDs on 0x7DF ' +
      'when it reads SocketCAN) plus an aftermarket GNSS/IMU module described by a DBC (`can1`).\n\n' +
      'The `van bus` config node replays the bundled real drive (a car near Aarhus, CSS Electronics, MIT) in real time ' +
      'because its Log file is empty; on the van set Source to SocketCAN.\n\n' +
      'The `latest values` function shows how to read a down-sampled SignalBatch: its status shows the speed and engine speed.',
      280, 40),
    { id: id(2), type: 'ubi-can-bus', name: 'van bus', vehicle: 'van-7', source: 'replay', interfaces: 'can0, can1', bitrate: '500000', fd: false,
      filters: '', replayFile: '', speed: '1', loop: true },
    { id: id(3), type: 'ubi-can-in', name: '', bus: id(2), maxFrames: '1000', maxAgeMs: '100', statsInterval: '10', x: 130, y: 120,
      wires: [[id(4)], []] },
    { id: id(4), type: 'ubi-decode', name: 'decode OBD + GNSS', interfaces: 'can0: obd\ncan1: assets/dbc/gnss.dbc', map: 'car-obd-gnss', emit: 'mapped',
      signals: '', period: 1, mode: 'mean', statsInterval: 2, x: 340, y: 120, wires: [[id(5), id(6)], [id(7)]] },
    { id: id(5), type: 'ubi-score', name: '', vehicleClass: 'van', timeZone: 'Europe/Copenhagen', roster: 'van-7, DK-1234, 2021-01-01T00:00Z', overrides: '',
      mergeS: 1, statsInterval: 1, x: 560, y: 100, wires: [[id(8)], [id(8)], [id(8)], []] },
    { id: id(6), type: 'ubi-incident', name: '', accelThresholdG: 2.5, preS: 20, postS: 10, crashSignals: '', overrides: '', mergeS: 0.2,
      x: 560, y: 160, wires: [[id(9)], [id(9)], [id(9)]] },
    fn(id(7), 'latest values',
      "// A SignalBatch is columnar: sample k is (t[k], signals[signal[k]], value[k]).\n" +
      "const b = msg.payload;\n" +
      "const latest = {};\n" +
      "for (let k = 0; k < b.count; k++) {\n" +
      "    const s = b.signals[b.signal[k]];\n" +
      "    latest[s.name] = { t: b.t[k], value: b.value[k], unit: s.unit };\n" +
      "}\n" +
      "const v = latest['Vehicle.Speed'], rpm = latest['Vehicle.Powertrain.CombustionEngine.Speed'];\n" +
      "if (v || rpm) node.status({ fill: 'blue', shape: 'ring', text: `${v ? v.value.toFixed(0) + ' km/h' : '-'} · ${rpm ? rpm.value.toFixed(0) + ' rpm' : '-'}` });\n" +
      "return { topic: `${b.vehicle}/latest`, payload: latest };",
      1, 560, 220, [[id(10)]]),
    debug(id(8), 'events, trips, scores (driver DK-1234)', 830, 100),
    debug(id(9), 'incidents', 780, 160),
    debug(id(10), 'latest values', 770, 220, { active: false }),
  ];
  write('obd-van', flow);
}

// ---------------------------------------------------------------------------------------------
// 3. A custom detector in a function node
{
  const id = ider('e3');
  const flow = [
    comment(id(1), 'Custom detector: high engine speed, written in a function node on the SignalBatch',
      'A detector of your own, beside `ubi-score`: **high engine speed** (more than `RPM_LIMIT` rpm for at least ' +
      '`MIN_SECONDS`, both set on the function\'s Setup tab... here as constants at the top of the code).\n\n' +
      'Rules that keep it as trustworthy as the built-in detectors:\n' +
      '* use the samples\' own time (`b.t[k]`, seconds since the epoch), never `Date.now()`, so a replay gives the same events;\n' +
      '* keep per-vehicle state in node context (batches of several vehicles may arrive);\n' +
      '* emit objects shaped like ubi-score\'s events (`kind: "event"`, `type`, `t0`, `t1`, `peak`, `unit`) so ' +
      '`ubi-influx-out` stores them as `event` points.\n\n' +
      'The status shows samples checked and events found.',
      300, 40),
    { id: id(2), type: 'ubi-can-bus', name: 'demo car', vehicle: 'demo-car', source: 'replay', interfaces: 'can0, can1', bitrate: '500000', fd: false,
      filters: '', replayFile: '', speed: '1', loop: true },
    { id: id(3), type: 'ubi-can-in', name: '', bus: id(2), maxFrames: '1000', maxAgeMs: '100', statsInterval: '10', x: 130, y: 120,
      wires: [[id(4)], []] },
    { id: id(4), type: 'ubi-decode', name: '', interfaces: 'can0: obd\ncan1: assets/dbc/gnss.dbc', map: 'car-obd-gnss', emit: 'mapped',
      signals: '', period: 1, mode: 'last', statsInterval: 2, x: 320, y: 120, wires: [[id(5)], []] },
    fn(id(5), 'high engine speed',
      "const RPM_LIMIT = 2500;   // rpm\n" +
      "const MIN_SECONDS = 2;    // how long it must last\n" +
      "const b = msg.payload;    // SignalBatch from ubi-decode output 1 (native rate)\n" +
      "if (!b || !b.signals) return null;\n" +
      "const rpmIndex = b.signals.findIndex(s => s.name === 'Vehicle.Powertrain.CombustionEngine.Speed');\n" +
      "const open = context.get('open') || {};      // per vehicle: the episode in progress\n" +
      "const stats = context.get('stats') || { samples: 0, events: 0 };\n" +
      "const events = [];\n" +
      "for (let k = 0; rpmIndex >= 0 && k < b.count; k++) {\n" +
      "    if (b.signal[k] !== rpmIndex) continue;\n" +
      "    stats.samples++;\n" +
      "    const t = b.t[k], rpm = b.value[k];\n" +
      "    const ep = open[b.vehicle];\n" +
      "    if (rpm > RPM_LIMIT) {\n" +
      "        if (ep) { ep.t1 = t; ep.peak = Math.max(ep.peak, rpm); }\n" +
      "        else open[b.vehicle] = { t0: t, t1: t, peak: rpm };\n" +
      "    } else if (ep) {\n" +
      "        delete open[b.vehicle];\n" +
      "        if (ep.t1 - ep.t0 >= MIN_SECONDS) {\n" +
      "            stats.events++;\n" +
      "            events.push({ topic: `${b.vehicle}/event/high_rpm`, payload: {\n" +
      "                kind: 'event', id: `${b.vehicle}/high_rpm/${Math.round(ep.t0 * 1000)}`, vehicle: b.vehicle, type: 'high_rpm',\n" +
      "                t0: ep.t0, t1: ep.t1, duration: ep.t1 - ep.t0, peak: ep.peak, unit: 'rpm', threshold: RPM_LIMIT } });\n" +
      "        }\n" +
      "    }\n" +
      "}\n" +
      "context.set('open', open);\n" +
      "context.set('stats', stats);\n" +
      "node.status({ fill: stats.events ? 'yellow' : 'green', shape: 'dot', text: `${stats.samples} rpm samples · ${stats.events} events` });\n" +
      "return [events];",
      1, 530, 120, [[id(6)]]),
    debug(id(6), 'high engine speed events', 770, 120),
  ];
  write('custom-detector', flow);
}

// ---------------------------------------------------------------------------------------------
// 4. Renewal reminders by e-mail
{
  const id = ider('e4');
  const flow = [
    comment(id(1), 'Renewal reminders by e-mail: install node-red-node-email, then replace the "e-mail out" debug node',
      'The `renewal` node sends one message per reminder on its first output (`topic` `reminder/<channel>`).\n\n' +
      'The `to e-mail` function turns an e-mail reminder into the message the e-mail node of ' +
      '[node-red-node-email](https://flows.nodered.org/node/node-red-node-email) sends: `msg.to`, `msg.topic` ' +
      '(subject) and `msg.payload` (body). That node is not part of the appliance (Menu > Manage palette > Install, ' +
      'or `npm install node-red-node-email` in the Node-RED user directory); until it is installed, the `e-mail out` ' +
      'debug node shows what would be sent. Calls and SMS reminders leave on the function\'s second output.\n\n' +
      'Press the inject button to run the daily job now (it runs by itself at the configured time; nothing is sent twice). ' +
      'The register is `UBI_REGISTER_DB` (the appliance sets it to `<data>/register.db`); import policies with ' +
      '`POST /api/v1/import/policies`.',
      280, 40),
    { id: id(2), type: 'inject', name: 'run now', props: [{ p: 'topic', vt: 'str' }], repeat: '', crontab: '', once: false, onceDelay: 0.1,
      topic: 'run', x: 110, y: 120, wires: [[id(3)]] },
    { id: id(3), type: 'ubi-renewal', name: '', db: '${UBI_REGISTER_DB}', timeZone: 'Europe/London', runAt: '08:00', stages: '60,30,15',
      followUpAttempts: 3, followUpEveryDays: 3, quoteConfig: '', depot: '', x: 300, y: 120, wires: [[id(4)], [], [], []] },
    fn(id(4), 'to e-mail',
      "// One reminder from ubi-renewal output 1 -> the message node-red-node-email's output node sends.\n" +
      "const r = msg.payload;\n" +
      "if (r.channel !== 'email' || r.action !== 'message') return [null, msg];   // calls, SMS: second output\n" +
      "const when = r.daysToExpiry === 1 ? 'tomorrow' : `in ${r.daysToExpiry} days`;\n" +
      "return [{\n" +
      "    to: r.contact,\n" +
      "    topic: `Your policy ${r.policyNumber} renews ${when} (${r.expiryDate})`,\n" +
      "    payload: `Dear ${r.holder},\\n\\n` +\n" +
      "        `your fleet policy ${r.policyNumber}` + (r.plate ? ` for ${r.plate}` : '') + ` expires on ${r.expiryDate}.\\n` +\n" +
      "        `Your renewal quote, priced on your drivers' scores, follows in a separate message.\\n\\n` +\n" +
      "        `Reply to this e-mail or call us to renew.\\n`,\n" +
      "    reminder: r,\n" +
      "}, null];",
      2, 530, 120, [[id(5)], [id(6)]], { outputLabels: ['e-mail', 'call / SMS'] }),
    debug(id(5), 'e-mail out (replace with the e-mail node)', 830, 100, { complete: 'true' }),
    debug(id(6), 'calls and SMS', 740, 160),
  ];
  write('renewal-email', flow);
}

function write(name, flow) {
  const file = path.join(__dirname, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(flow, null, 2) + '\n');
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)} (${flow.length} nodes)\n`);
}
