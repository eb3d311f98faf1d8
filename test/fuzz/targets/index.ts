// Every fuzz target, in the order the suite and bench/fuzz run them.
import type { FuzzTarget } from '../harness.js';
import { apiTarget } from './api.js';
import { candumpTarget } from './candump.js';
import { configTarget } from './config.js';
import { csvTarget } from './csv.js';
import { dbcTarget } from './dbc.js';

export const TARGETS: ReadonlyArray<FuzzTarget<unknown>> = [candumpTarget, dbcTarget, csvTarget, apiTarget, configTarget];
