// Units: the spellings found in DBC files and OBD tables, normalised to the ones COVESA VSS uses,
// and the linear conversions between units of one quantity.

/** Canonical units (VSS spellings) and what they measure. */
const UNITS: Record<string, { quantity: string; factor: number; offset?: number }> = {
  // speed, base m/s
  'km/h': { quantity: 'speed', factor: 1 / 3.6 },
  'm/s': { quantity: 'speed', factor: 1 },
  'mph': { quantity: 'speed', factor: 0.44704 },
  'knots': { quantity: 'speed', factor: 1852 / 3600 },
  // acceleration, base m/s^2
  'm/s^2': { quantity: 'acceleration', factor: 1 },
  'g': { quantity: 'acceleration', factor: 9.80665 },
  'cm/s^2': { quantity: 'acceleration', factor: 0.01 },
  // angular rate, base degrees/s
  'degrees/s': { quantity: 'angular rate', factor: 1 },
  'rad/s': { quantity: 'angular rate', factor: 180 / Math.PI },
  // angle, base degrees
  'degrees': { quantity: 'angle', factor: 1 },
  'rad': { quantity: 'angle', factor: 180 / Math.PI },
  // rotational speed
  'rpm': { quantity: 'rotational speed', factor: 1 },
  // ratio, base percent
  'percent': { quantity: 'ratio', factor: 1 },
  'ratio': { quantity: 'ratio', factor: 100 },
  // temperature, base celsius (K and F are affine)
  'celsius': { quantity: 'temperature', factor: 1 },
  'K': { quantity: 'temperature', factor: 1, offset: -273.15 },
  'fahrenheit': { quantity: 'temperature', factor: 5 / 9, offset: -32 * (5 / 9) },
  // length, base m
  'm': { quantity: 'length', factor: 1 },
  'km': { quantity: 'length', factor: 1000 },
  'mm': { quantity: 'length', factor: 0.001 },
  // time, base s
  's': { quantity: 'time', factor: 1 },
  'ms': { quantity: 'time', factor: 0.001 },
  'h': { quantity: 'time', factor: 3600 },
  // pressure, base kPa
  'kPa': { quantity: 'pressure', factor: 1 },
  'Pa': { quantity: 'pressure', factor: 0.001 },
  'mbar': { quantity: 'pressure', factor: 0.1 },
  'bar': { quantity: 'pressure', factor: 100 },
  'psi': { quantity: 'pressure', factor: 6.894757 },
  // volume flow, fuel
  'l/h': { quantity: 'volume flow', factor: 1 },
  'l': { quantity: 'volume', factor: 1 },
  'V': { quantity: 'voltage', factor: 1 },
  'A': { quantity: 'current', factor: 1 },
  'W': { quantity: 'power', factor: 1 },
  'kW': { quantity: 'power', factor: 1000 },
  'Nm': { quantity: 'torque', factor: 1 },
  'N': { quantity: 'force', factor: 1 },
  'g/s': { quantity: 'mass flow', factor: 1 },
};

/** Other spellings seen in DBC files, OBD tables and hand-written maps -> canonical. */
const ALIASES: Record<string, string> = {
  'kmh': 'km/h', 'kph': 'km/h', 'km/hr': 'km/h', 'kmph': 'km/h',
  'm/s2': 'm/s^2', 'm/s²': 'm/s^2', 'm/sec^2': 'm/s^2', 'mps2': 'm/s^2',
  'deg/s': 'degrees/s', '°/s': 'degrees/s', 'deg/sec': 'degrees/s', 'dps': 'degrees/s',
  'rad/sec': 'rad/s',
  'deg': 'degrees', '°': 'degrees', 'degree': 'degrees',
  'radians': 'rad',
  'r/min': 'rpm', '1/min': 'rpm', 'RPM': 'rpm', 'U/min': 'rpm',
  '%': 'percent', 'pct': 'percent',
  'degC': 'celsius', '°C': 'celsius', 'C': 'celsius', 'deg C': 'celsius', 'Celsius': 'celsius',
  'degF': 'fahrenheit', '°F': 'fahrenheit',
  'kelvin': 'K',
  'meter': 'm', 'metre': 'm', 'meters': 'm',
  'sec': 's', 'seconds': 's', 'hours': 'h', 'hr': 'h',
  'L/h': 'l/h', 'L': 'l', 'liter': 'l',
  'volt': 'V', 'Volt': 'V', 'v': 'V',
  'N.m': 'Nm', 'N·m': 'Nm',
  'KPa': 'kPa', 'kpa': 'kPa',
};

/** The canonical spelling of a unit, or undefined when the unit is not known here. */
export function canonicalUnit(u: string): string | undefined {
  const s = u.trim();
  if (s in UNITS) return s;
  const a = ALIASES[s] ?? ALIASES[s.toLowerCase()];
  return a;
}

export function knownUnits(): string[] {
  return Object.keys(UNITS);
}

export interface Conversion {
  factor: number;
  offset: number;
}

/** value_in_to = value_in_from * factor + offset, or a reason why there is none. */
export function conversion(from: string, to: string): Conversion | string {
  const f = canonicalUnit(from);
  const t = canonicalUnit(to);
  if (f === undefined) return `unknown unit "${from}"`;
  if (t === undefined) return `unknown unit "${to}"`;
  if (f === t) return { factor: 1, offset: 0 };
  const a = UNITS[f]!;
  const b = UNITS[t]!;
  if (a.quantity !== b.quantity) return `cannot convert ${a.quantity} (${f}) to ${b.quantity} (${t})`;
  // to base: x * a.factor + a.offset; from base: (y - b.offset) / b.factor
  const factor = a.factor / b.factor;
  const offset = ((a.offset ?? 0) - (b.offset ?? 0)) / b.factor;
  return { factor, offset };
}

/** The unit of the time derivative of a quantity in `unit` (km/h -> m/s^2 with factor 1/3.6). */
export function rateOf(unit: string): { unit: string; factor: number } | undefined {
  const u = canonicalUnit(unit);
  if (u === undefined) return undefined;
  const q = UNITS[u]!;
  if (q.quantity === 'speed') return { unit: 'm/s^2', factor: q.factor };
  if (q.quantity === 'angle') return { unit: 'degrees/s', factor: q.factor };
  if (q.quantity === 'length') return { unit: 'm/s', factor: q.factor };
  if (q.quantity === 'angular rate') return { unit: 'degrees/s^2', factor: q.factor };
  return undefined;
}
