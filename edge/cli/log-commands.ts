// `ubi-edge replay` and `ubi-edge stats`: filled in with the candump reader.
import type { Command } from 'commander';

export function registerLogCommands(_program: Command): void {}
