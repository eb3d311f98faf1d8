// 3-vectors as tuples (IMU axes).
export type Vec3 = [number, number, number];

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
export const norm = (a: Vec3): number => Math.sqrt(dot(a, a));
export const scale = (a: Vec3, k: number): Vec3 => [a[0] * k, a[1] * k, a[2] * k];
export const unitVec = (a: Vec3): Vec3 => scale(a, 1 / norm(a));
/** Angle between two vectors, degrees. */
export const angleDeg = (a: Vec3, b: Vec3): number => (Math.acos(Math.max(-1, Math.min(1, dot(a, b) / (norm(a) * norm(b))))) * 180) / Math.PI;
/** Rounded for output (keeps JSON short and stable). */
export const round6 = (a: Vec3): Vec3 => [Math.round(a[0] * 1e6) / 1e6, Math.round(a[1] * 1e6) / 1e6, Math.round(a[2] * 1e6) / 1e6];

/**
 * The axes of one IMU sample, which arrive as separate signals of the same time: complete when all
 * three of one time are in (an axis of a new time starts afresh). Kept as fields, not a Vec3, so
 * the per-sample path allocates nothing.
 */
export class ImuAssembly {
  t = Number.NaN;
  x = Number.NaN;
  y = Number.NaN;
  z = Number.NaN;
  /** bit per axis seen at time t */
  have = 0;

  /** Axis 0, 1 or 2 (x, y, z) at time t; true when it completes the vector of its time. */
  add(t: number, axis: number, v: number): boolean {
    if (this.t !== t) {
      this.t = t;
      this.have = 0;
    }
    if (axis === 0) this.x = v;
    else if (axis === 1) this.y = v;
    else this.z = v;
    this.have |= 1 << axis;
    if (this.have !== 7) return false;
    this.have = 0;
    return true;
  }
}
