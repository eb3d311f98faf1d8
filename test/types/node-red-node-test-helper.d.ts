// The parts of node-red-node-test-helper the tests use (the package ships no types).
declare module 'node-red-node-test-helper' {
  type NodeModule = (RED: never) => void;
  interface Helper {
    init(nodeRedPath: string, userSettings?: Record<string, unknown>): void;
    startServer(done: () => void): void;
    stopServer(done: () => void): void;
    load(nodes: NodeModule | NodeModule[], flow: unknown[], credentials: Record<string, unknown>, cb: () => void): void;
    load(nodes: NodeModule | NodeModule[], flow: unknown[], cb: () => void): void;
    unload(): Promise<void>;
    getNode(id: string): unknown;
  }
  const helper: Helper;
  export = helper;
}
