// Builders for the claims tests: incidents with every figure explicit, a register with policies.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Incident } from '../../edge/incidents/types.js';
import { PolicyRegister } from '../../edge/insurance/register.js';
import { policy } from '../insurance/helpers.js';

export const T0 = 1_700_000_000; // 2023-11-14T22:13:20Z

export function incident(n: number, vehicle = 'V1', o: Partial<Incident> = {}): Incident {
  const t = T0 + n * 1000 + 0.123;
  return {
    kind: 'incident',
    id: `${vehicle}/incident/${Math.round(t * 1000)}`,
    vehicle,
    driver: 'D7',
    t,
    trigger: 'acceleration',
    triggers: [{ t, trigger: 'acceleration', value: 6.2 }],
    position: { t: t - 0.4, lat: 56.15 + n * 1e-4, lon: 10.2 },
    previousFixes: [
      { t: t - 1.4, lat: 56.1499, lon: 10.2 },
      { t: t - 2.4, lat: 56.1498, lon: 10.2 },
    ],
    peakG: 6.234567,
    peakT: t + 0.02,
    accelSource: 'calibrated',
    deltaV: 22.5,
    speedBefore: 54.2,
    speedAfter: 0,
    moving: true,
    recording: { from: t - 20, to: t + 10, signals: [{ name: 'Vehicle.Speed', unit: 'km/h', derived: false }], t: [t - 1, t], signal: [0, 0], value: [54.2, 30] , texts: [] },
    configVersion: 'incident-test/1',
    ...o,
  };
}

export const VIN1 = 'TESTVEH0000000001';
export const VIN2 = 'TESTVEH0000000002';

/** A register (in memory or in `file`) with two policies in force in 2023-2024: V1 -> VIN1 (plate AB12 CDE), V2 -> VIN2. */
export function register(file = ':memory:'): PolicyRegister {
  const reg = new PolicyRegister(file);
  if (!reg.getPolicy('POL-1')) {
    policy(reg, { n: 'POL-1', vin: VIN1, plate: 'AB12 CDE', start: '2023-06-01', end: '2024-06-01' });
    policy(reg, { n: 'POL-2', vin: VIN2, plate: 'XY34 ZZZ', start: '2023-06-01', end: '2024-06-01' });
  }
  return reg;
}

export const VEHICLES = { V1: VIN1, V2: VIN2 };

export function tmpdir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ubi-claims-${tag}-`));
}

export async function until(cond: () => boolean, timeoutMs: number, what: string, stepMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
