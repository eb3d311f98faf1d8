// Frames/s and estimated bus load per interface, from the batches a source emitted.
// Host time is used on purpose: these figures describe the gateway now, not the vehicle's data.
import { frameBits, busLoadPercent } from './busload.js';
import type { FrameBatch } from './frame.js';
import type { SourceCounters } from './source.js';

export interface IfaceRate {
  iface: string;
  framesPerSecond: number;
  busLoadPercent: number;
  frames: number;
}

/** One `gateway` point per interface (see ARCHITECTURE.md, InfluxDB schema). */
export interface GatewayPoint {
  measurement: 'gateway';
  tags: { vehicle: string; iface: string };
  fields: {
    frames_per_s: number;
    bus_load_pct: number;
    frames_total: number;
    error_frames: number;
    dropped: number;
    malformed: number;
  };
  /** host time, ms since epoch */
  time: number;
}

interface Window {
  frames: number;
  bits: number;
  total: number;
}

export class IngestMonitor {
  private windows = new Map<string, Window>();
  private windowStart: number;
  private lastRates: IfaceRate[] = [];

  constructor(
    private readonly vehicle: string,
    private readonly bitrate: number,
    now: number,
    private readonly dataRatio = 1,
  ) {
    this.windowStart = now;
  }

  observe(b: FrameBatch): void {
    let w = this.windows.get(b.iface);
    if (!w) {
      w = { frames: 0, bits: 0, total: 0 };
      this.windows.set(b.iface, w);
    }
    let bits = 0;
    for (let i = 0; i < b.count; i++) bits += frameBits(b.flags[i]!, b.len[i]!, this.dataRatio);
    w.frames += b.count;
    w.total += b.count;
    w.bits += bits;
  }

  /** Closes the current window: rates since the previous call. */
  sample(now: number): IfaceRate[] {
    const secs = (now - this.windowStart) / 1000;
    this.windowStart = now;
    const rates: IfaceRate[] = [];
    for (const [iface, w] of this.windows) {
      rates.push({
        iface,
        frames: w.total,
        framesPerSecond: secs > 0 ? w.frames / secs : 0,
        busLoadPercent: busLoadPercent(w.bits, secs, this.bitrate),
      });
      w.frames = 0;
      w.bits = 0;
    }
    this.lastRates = rates.sort((a, b) => a.iface.localeCompare(b.iface));
    return this.lastRates;
  }

  points(rates: IfaceRate[], counters: SourceCounters, now: number): GatewayPoint[] {
    return rates.map((r) => ({
      measurement: 'gateway',
      tags: { vehicle: this.vehicle, iface: r.iface },
      fields: {
        frames_per_s: round2(r.framesPerSecond),
        bus_load_pct: round2(r.busLoadPercent),
        frames_total: r.frames,
        // source-wide counters are reported on every interface's point; they are not per interface
        error_frames: counters.errorFrames,
        dropped: counters.dropped,
        malformed: counters.malformed,
      },
      time: now,
    }));
  }

  /** Short status text: "can0 812 fr/s 31% · can1 100 fr/s 2%". */
  static statusText(rates: IfaceRate[]): string {
    if (rates.length === 0) return 'waiting for frames';
    return rates.map((r) => `${r.iface} ${Math.round(r.framesPerSecond)} fr/s ${Math.round(r.busLoadPercent)}%`).join(' · ');
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
