// Config node: one InfluxDB target and the durable outbox in front of it. URL, database and options
// live in the flow; username and password are Node-RED credentials (kept in the encrypted
// credentials file, never in flow JSON). The node owns the Store (edge/store/store.ts) that every
// ubi-influx-out using this config feeds; it is closed with the node.
import os from 'node:os';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef } from '../lib/red.js';
import type { Store } from '../../edge/store/store.js';
import { openStore, type RawInfluxConfig } from '../../edge/store/config.js';

export interface InfluxConfigNode extends Node {
  store: Store | undefined;
  /** why there is no store (bad configuration), for the nodes that use this one */
  problem: string | undefined;
}

interface Credentials {
  username?: string;
  password?: string;
}

type InfluxConfigDef = NodeDef & RawInfluxConfig;

type RedWithSettings = NodeAPI & { settings?: { userDir?: string } };

export = function register(RED: NodeAPI): void {
  RED.nodes.registerType(
    'ubi-influx-config',
    function (this: InfluxConfigNode & { credentials?: Credentials; on(ev: 'close', fn: (removed: boolean, done: () => void) => void): void }, def: InfluxConfigDef) {
      RED.nodes.createNode(this, def);
      const node = this;
      node.store = undefined;
      node.problem = undefined;
      const userDir = (RED as RedWithSettings).settings?.userDir ?? process.env.UBI_STORE_DIR ?? path.join(os.homedir(), '.ubi-edge');
      try {
        node.store = openStore(def, node.credentials ?? {}, path.join(userDir, 'ubi-store'), def.id, (level, msg) =>
          level === 'info' ? node.log(msg) : level === 'warn' ? node.warn(msg) : node.error(msg),
        );
        node.log(`outbox ${node.store.outbox.dir} -> ${node.store.target()}`);
      } catch (e) {
        node.problem = (e as Error).message;
        node.error(node.problem);
      }
      node.on('close', (_removed, done) => {
        const s = node.store;
        node.store = undefined;
        if (!s) return done();
        s.close().then(
          () => done(),
          (err: unknown) => {
            node.error(`close: ${(err as Error).message}`);
            done();
          },
        );
      });
    },
    { credentials: { username: { type: 'text' }, password: { type: 'password' } } },
  );
};
