// Records timers created while tracking is on, with the stack that created them, so a test can
// check that a component's close() left none of its own behind (process-wide resource counts also
// include Node-RED's and mocha's timers, which are not ours to judge).

type Handle = NodeJS.Timeout | NodeJS.Immediate;

export class TimerTracker {
  private readonly live = new Map<Handle, string>();
  private restore: (() => void) | undefined;

  start(): void {
    const g = globalThis as unknown as Record<string, (...a: unknown[]) => Handle>;
    const orig = { setTimeout: g.setTimeout!, clearTimeout: g.clearTimeout!, setInterval: g.setInterval!, clearInterval: g.clearInterval!, setImmediate: g.setImmediate!, clearImmediate: g.clearImmediate! };
    const live = this.live;
    const wrapOnce = (name: 'setTimeout' | 'setImmediate') =>
      function (fn: (...a: unknown[]) => void, ...rest: unknown[]) {
        const h: Handle = orig[name]!(function (this: unknown, ...a: unknown[]) {
          live.delete(h);
          fn.apply(this, a);
        }, ...rest);
        live.set(h, new Error(name).stack ?? name);
        return h;
      };
    g.setTimeout = wrapOnce('setTimeout') as never;
    g.setImmediate = wrapOnce('setImmediate') as never;
    g.setInterval = function (...a: unknown[]) {
      const h = orig.setInterval(...a);
      live.set(h, new Error('setInterval').stack ?? 'setInterval');
      return h;
    } as never;
    for (const [clear, base] of [['clearTimeout', orig.clearTimeout], ['clearInterval', orig.clearInterval], ['clearImmediate', orig.clearImmediate]] as const) {
      g[clear] = function (h: unknown) {
        live.delete(h as Handle);
        return base(h);
      } as never;
    }
    this.restore = () => Object.assign(g, orig);
  }

  stop(): void {
    this.restore?.();
    this.restore = undefined;
  }

  /** Stacks of timers still pending whose direct creator (the caller of setTimeout & co) has a path that matches. */
  pending(pathPattern: RegExp): string[] {
    return [...this.live.values()].filter((s) => pathPattern.test(s.split('\n')[2] ?? ''));
  }
}
