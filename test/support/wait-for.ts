// Polls a condition until it holds or the time is up; a condition that throws counts as "not yet"
// (e.g. a database that is not created yet).
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 15000, what = 'condition', everyMs = 25): Promise<void> {
  const t0 = Date.now();
  const ok = async (): Promise<boolean> => {
    try {
      return await cond();
    } catch {
      return false;
    }
  };
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
