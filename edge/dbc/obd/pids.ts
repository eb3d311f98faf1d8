// OBD-II service 01 PIDs (SAE J1979 / ISO 15031-5): how many data bytes each carries and the
// formula from the bytes A, B, C, D to the physical value. Only PIDs with a numeric meaning are
// listed; a response naming a PID not listed here cannot be parsed past it (its length is unknown),
// so it is counted as unknown.

export interface PidOutput {
  /** short name, unique per PID output */
  readonly name: string;
  readonly unit: string;
  /** the formula as J1979 writes it, for help texts */
  readonly formula: string;
  readonly f: (a: number, b: number, c: number, d: number) => number;
}

export interface PidInfo {
  readonly pid: number;
  /** data bytes after the PID byte */
  readonly bytes: number;
  readonly outputs: readonly PidOutput[];
}

const one = (name: string, unit: string, formula: string, f: PidOutput['f']): PidOutput => ({ name, unit, formula, f });
const pct = (a: number) => (a * 100) / 255;
const temp = (a: number) => a - 40;
const ab = (a: number, b: number) => a * 256 + b;

const TABLE: PidInfo[] = [
  { pid: 0x01, bytes: 4, outputs: [one('MilOn', '', 'A bit 7', (a) => a >> 7), one('DtcCount', '', 'A & 0x7F', (a) => a & 0x7f)] },
  { pid: 0x04, bytes: 1, outputs: [one('EngineLoad', '%', '100 A / 255', pct)] },
  { pid: 0x05, bytes: 1, outputs: [one('CoolantTemp', 'degC', 'A - 40', temp)] },
  { pid: 0x06, bytes: 1, outputs: [one('ShortFuelTrimBank1', '%', '100 (A - 128) / 128', (a) => ((a - 128) * 100) / 128)] },
  { pid: 0x07, bytes: 1, outputs: [one('LongFuelTrimBank1', '%', '100 (A - 128) / 128', (a) => ((a - 128) * 100) / 128)] },
  { pid: 0x08, bytes: 1, outputs: [one('ShortFuelTrimBank2', '%', '100 (A - 128) / 128', (a) => ((a - 128) * 100) / 128)] },
  { pid: 0x09, bytes: 1, outputs: [one('LongFuelTrimBank2', '%', '100 (A - 128) / 128', (a) => ((a - 128) * 100) / 128)] },
  { pid: 0x0a, bytes: 1, outputs: [one('FuelPressure', 'kPa', '3 A', (a) => 3 * a)] },
  { pid: 0x0b, bytes: 1, outputs: [one('IntakeManifoldPressure', 'kPa', 'A', (a) => a)] },
  { pid: 0x0c, bytes: 2, outputs: [one('EngineSpeed', 'rpm', '(256 A + B) / 4', (a, b) => ab(a, b) / 4)] },
  { pid: 0x0d, bytes: 1, outputs: [one('VehicleSpeed', 'km/h', 'A', (a) => a)] },
  { pid: 0x0e, bytes: 1, outputs: [one('TimingAdvance', 'deg', 'A / 2 - 64', (a) => a / 2 - 64)] },
  { pid: 0x0f, bytes: 1, outputs: [one('IntakeAirTemp', 'degC', 'A - 40', temp)] },
  { pid: 0x10, bytes: 2, outputs: [one('MafAirFlow', 'g/s', '(256 A + B) / 100', (a, b) => ab(a, b) / 100)] },
  { pid: 0x11, bytes: 1, outputs: [one('ThrottlePosition', '%', '100 A / 255', pct)] },
  { pid: 0x1f, bytes: 2, outputs: [one('RunTime', 's', '256 A + B', ab)] },
  { pid: 0x21, bytes: 2, outputs: [one('DistanceWithMil', 'km', '256 A + B', ab)] },
  { pid: 0x22, bytes: 2, outputs: [one('FuelRailPressureRelative', 'kPa', '0.079 (256 A + B)', (a, b) => 0.079 * ab(a, b))] },
  { pid: 0x23, bytes: 2, outputs: [one('FuelRailPressure', 'kPa', '10 (256 A + B)', (a, b) => 10 * ab(a, b))] },
  { pid: 0x2f, bytes: 1, outputs: [one('FuelLevel', '%', '100 A / 255', pct)] },
  { pid: 0x30, bytes: 1, outputs: [one('WarmUpsSinceCleared', '', 'A', (a) => a)] },
  { pid: 0x31, bytes: 2, outputs: [one('DistanceSinceCleared', 'km', '256 A + B', ab)] },
  { pid: 0x33, bytes: 1, outputs: [one('BarometricPressure', 'kPa', 'A', (a) => a)] },
  { pid: 0x3c, bytes: 2, outputs: [one('CatalystTempB1S1', 'degC', '(256 A + B) / 10 - 40', (a, b) => ab(a, b) / 10 - 40)] },
  { pid: 0x42, bytes: 2, outputs: [one('ControlModuleVoltage', 'V', '(256 A + B) / 1000', (a, b) => ab(a, b) / 1000)] },
  { pid: 0x43, bytes: 2, outputs: [one('AbsoluteLoad', '%', '100 (256 A + B) / 255', (a, b) => (ab(a, b) * 100) / 255)] },
  { pid: 0x44, bytes: 2, outputs: [one('CommandedEquivalenceRatio', '', '2 (256 A + B) / 65536', (a, b) => (2 * ab(a, b)) / 65536)] },
  { pid: 0x45, bytes: 1, outputs: [one('RelativeThrottlePosition', '%', '100 A / 255', pct)] },
  { pid: 0x46, bytes: 1, outputs: [one('AmbientAirTemp', 'degC', 'A - 40', temp)] },
  { pid: 0x49, bytes: 1, outputs: [one('AcceleratorPedalD', '%', '100 A / 255', pct)] },
  { pid: 0x4a, bytes: 1, outputs: [one('AcceleratorPedalE', '%', '100 A / 255', pct)] },
  { pid: 0x4c, bytes: 1, outputs: [one('CommandedThrottleActuator', '%', '100 A / 255', pct)] },
  { pid: 0x4d, bytes: 2, outputs: [one('TimeWithMil', 'min', '256 A + B', ab)] },
  { pid: 0x4e, bytes: 2, outputs: [one('TimeSinceCleared', 'min', '256 A + B', ab)] },
  { pid: 0x51, bytes: 1, outputs: [one('FuelType', '', 'A', (a) => a)] },
  { pid: 0x52, bytes: 1, outputs: [one('EthanolPercent', '%', '100 A / 255', pct)] },
  { pid: 0x59, bytes: 2, outputs: [one('FuelRailAbsolutePressure', 'kPa', '10 (256 A + B)', (a, b) => 10 * ab(a, b))] },
  { pid: 0x5a, bytes: 1, outputs: [one('RelativeAcceleratorPedal', '%', '100 A / 255', pct)] },
  { pid: 0x5c, bytes: 1, outputs: [one('OilTemp', 'degC', 'A - 40', temp)] },
  { pid: 0x5e, bytes: 2, outputs: [one('FuelRate', 'L/h', '(256 A + B) / 20', (a, b) => ab(a, b) / 20)] },
  { pid: 0x61, bytes: 1, outputs: [one('DemandTorque', '%', 'A - 125', (a) => a - 125)] },
  { pid: 0x62, bytes: 1, outputs: [one('ActualTorque', '%', 'A - 125', (a) => a - 125)] },
  { pid: 0x63, bytes: 2, outputs: [one('ReferenceTorque', 'Nm', '256 A + B', ab)] },
  {
    pid: 0xa6,
    bytes: 4,
    outputs: [one('Odometer', 'km', '(2^24 A + 2^16 B + 2^8 C + D) / 10', (a, b, c, d) => (a * 16777216 + b * 65536 + c * 256 + d) / 10)],
  },
];

/** PID -> info, indexed by PID (sparse) */
export const PIDS: ReadonlyArray<PidInfo | undefined> = (() => {
  const t = new Array<PidInfo | undefined>(256).fill(undefined);
  for (const p of TABLE) t[p.pid] = p;
  return t;
})();

/** The "PIDs supported" PIDs: 0x00, 0x20, ..., 0xE0 (4 bytes, bit 7 of A = base + 1 ... bit 0 of D = base + 32). */
export function isSupportedPidsPid(pid: number): boolean {
  return (pid & 0x1f) === 0;
}

/** The PIDs a "supported PIDs" answer for `base` lists (A..D as 32 bits, MSB first = base + 1). */
export function supportedPids(base: number, a: number, b: number, c: number, d: number): number[] {
  const bits = [a, b, c, d];
  const out: number[] = [];
  for (let i = 0; i < 32; i++) if ((bits[i >> 3]! >> (7 - (i & 7))) & 1) out.push(base + i + 1);
  return out;
}

/** Every PID with its outputs, for documentation and configuration UIs. */
export function pidTable(): readonly PidInfo[] {
  return TABLE;
}
