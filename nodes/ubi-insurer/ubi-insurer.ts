// Config node: the insurer's claims endpoint. URL, CA / client-certificate files and delivery options
// live in the flow; the HMAC shared secret, the client key and its passphrase are Node-RED
// credentials (the encrypted credentials file, never flow JSON, never logged). The node owns the
// ClaimsService (edge/insurance/claims) every ubi-claim using it feeds, registers it for the REST API,
// and closes it with the node.
import path from 'node:path';
import os from 'node:os';
import type { Node, NodeAPI, NodeDef } from '../lib/red.js';
import { ClaimsService } from '../../edge/insurance/claims/service.js';
import { resolveInsurer, type InsurerCredentials, type InsurerSettings } from '../../edge/insurance/claims/settings.js';
import { clearActiveClaimsService, setActiveClaimsService } from '../../edge/insurance/claims/registry.js';
import { PolicyRegister } from '../../edge/insurance/register.js';

export interface InsurerConfigNode extends Node {
  claims: ClaimsService | undefined;
  problem: string | undefined;
}

type RedWithSettings = NodeAPI & { settings?: { userDir?: string } };

export = function register(RED: NodeAPI): void {
  RED.nodes.registerType(
    'ubi-insurer',
    function (this: InsurerConfigNode & { credentials?: InsurerCredentials }, def: NodeDef & InsurerSettings) {
      RED.nodes.createNode(this, def);
      const node = this;
      node.claims = undefined;
      node.problem = undefined;
      const userDir = (RED as RedWithSettings).settings?.userDir ?? path.join(os.homedir(), '.ubi-edge', 'node-red');
      let reg: PolicyRegister | undefined;
      try {
        const r = resolveInsurer(def, node.credentials ?? {}, path.dirname(userDir));
        reg = new PolicyRegister(r.registerFile);
        const svc = new ClaimsService({ ...r.options, register: reg });
        svc.on('warning', (m) => node.warn(m));
        node.claims = svc;
        setActiveClaimsService(svc);
        svc.start().catch((e: unknown) => node.error(`claims: ${(e as Error).message}`));
        node.log(r.describe);
      } catch (e) {
        reg?.close();
        node.problem = (e as Error).message;
        node.error(node.problem);
      }
      node.on('close', (_removed, done) => {
        const s = node.claims;
        node.claims = undefined;
        if (!s) return done();
        clearActiveClaimsService(s);
        s.close().then(
          () => (reg?.close(), done()),
          (err: unknown) => {
            node.error(`close: ${(err as Error).message}`);
            reg?.close();
            done();
          },
        );
      });
    },
    { credentials: { secret: { type: 'password' }, key: { type: 'password' }, passphrase: { type: 'password' } } },
  );
};
