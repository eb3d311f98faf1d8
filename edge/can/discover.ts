// Which CAN interfaces this machine has (ARPHRD_CAN = 280 in /sys/class/net/<if>/type).
import fs from 'node:fs';
import path from 'node:path';

const ARPHRD_CAN = 280;

export function listCanInterfaces(sysNet = '/sys/class/net'): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(sysNet);
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      try {
        return Number(fs.readFileSync(path.join(sysNet, n, 'type'), 'utf8').trim()) === ARPHRD_CAN;
      } catch {
        return false;
      }
    })
    .sort();
}
