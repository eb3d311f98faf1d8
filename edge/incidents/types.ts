// Output records of the incident engine (JSON-serialisable, each with a `kind`).
import type { SignalInfo, TextSample } from '../signals/signal-batch.js';
import type { Position } from '../scoring/types.js';

export type IncidentTrigger = 'acceleration' | 'speed_drop' | 'crash_signal';

/** How the horizontal acceleration was obtained. */
export type CrashAccelSource = 'calibrated' | 'measured' | 'uncalibrated' | 'none';

/** All decoded signals around an incident at their native rate, columnar like a SignalBatch. */
export interface IncidentRecording {
  from: number;
  to: number;
  signals: SignalInfo[];
  t: number[];
  signal: number[];
  value: number[];
  texts: TextSample[];
}

/** Sent at once when a trigger is confirmed; the Incident with the same id follows after the post-window. */
export interface IncidentAlert {
  kind: 'incident_alert';
  id: string;
  vehicle: string;
  driver?: string;
  t: number;
  trigger: IncidentTrigger;
  /** horizontal acceleration at the trigger, g (null for speed-drop / crash-signal triggers without IMU) */
  peakG: number | null;
  speedBefore: number | null;
  position: Position | null;
  moving: boolean;
  configVersion: string;
}

export interface Incident {
  kind: 'incident';
  /** `<vehicle>/incident/<t in ms>` */
  id: string;
  vehicle: string;
  driver?: string;
  /** time of the first trigger */
  t: number;
  trigger: IncidentTrigger;
  /** every trigger folded into this physical event */
  triggers: Array<{ t: number; trigger: IncidentTrigger; value: number }>;
  /** last fix at or before t, and the two before it */
  position: Position | null;
  previousFixes: Position[];
  /** highest horizontal acceleration in the event, g, and when */
  peakG: number | null;
  peakT: number | null;
  accelSource: CrashAccelSource;
  /** change of velocity: integral of the horizontal acceleration over the pulse, km/h (null without IMU) */
  deltaV: number | null;
  /** speed just before (highest in the second before t) and lowest within 2 s after, km/h */
  speedBefore: number | null;
  speedAfter: number | null;
  moving: boolean;
  recording: IncidentRecording;
  configVersion: string;
}

/**
 * An IMU trigger at standstill that looks like the sensor was handled or is loose (fast rotation,
 * gravity no longer where the mounting had it): recorded, not an incident (see DESIGN.md).
 */
export interface SensorDisturbance {
  kind: 'sensor_disturbance';
  vehicle: string;
  t: number;
  t1: number;
  peakG: number;
  maxRateDegS: number | null;
  maxTiltDeg: number | null;
  reason: string;
}

export type IncidentOutput = IncidentAlert | Incident | SensorDisturbance;
