// The maps shipped with ubi-edge, by name (the node and the CLI take a name or a JSON file path).
import { loadVssMapFile, validateVssMap, type VssMap, type VssMapDoc } from '../vss-map.js';
import { carObdGnss } from './car-obd-gnss.js';
import { j1939Truck } from './j1939-truck.js';
import { toyota2017 } from './toyota-2017.js';

export const BUILTIN_MAPS: Readonly<Record<string, VssMapDoc>> = {
  'car-obd-gnss': carObdGnss,
  'j1939-truck': j1939Truck,
  'toyota-2017': toyota2017,
};

/** A shipped map by name, or a JSON map file by path; throws VssMapError naming what is wrong. */
export function loadVssMap(nameOrPath: string): VssMap {
  const builtin = BUILTIN_MAPS[nameOrPath];
  if (builtin) return validateVssMap(builtin, `builtin:${nameOrPath}`);
  return loadVssMapFile(nameOrPath);
}
