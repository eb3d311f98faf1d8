// Config node: one vehicle's CAN bus (SocketCAN interfaces or a log to replay).
import type { Node, NodeAPI, NodeDef } from '../lib/red.js';
import type { RawBusConfig } from '../../edge/can/bus-config.js';

export interface CanBusNode extends Node {
  raw: RawBusConfig;
}

type CanBusDef = NodeDef & RawBusConfig;

export = function register(RED: NodeAPI): void {
  RED.nodes.registerType('ubi-can-bus', function (this: CanBusNode, def: CanBusDef) {
    RED.nodes.createNode(this, def);
    // Validated by the node that uses it, so the error shows on that node's status.
    this.raw = {
      vehicle: def.vehicle,
      source: def.source,
      interfaces: def.interfaces,
      bitrate: def.bitrate,
      fd: def.fd,
      filters: def.filters,
      replayFile: def.replayFile,
      speed: def.speed,
      loop: def.loop,
    };
  });
};
