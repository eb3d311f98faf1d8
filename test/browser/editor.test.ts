// The editor as engineers meet it: the appliance in its own process, Debian's chromium driven by
// playwright-core. Log in (a wrong password is refused), find the ubi nodes in the palette, open each
// ubi node of the default flows, read its help, see validation mark bad values, deploy a change, see
// node status arrive from the runtime, and import every example from Import > Examples.
// Screenshots go to test-artifacts/browser/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ARTIFACTS,
  PASSWORD,
  USER,
  adminApi,
  declaredTypes,
  launchChromium,
  startAppliance,
  stopAppliance,
  type Appliance,
  type Browser,
  type Page,
} from './support.js';

// window globals of the editor page (typed loosely: this code runs in the browser)
declare const RED: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const $: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface BadValue {
  /** input selector; a typedInput is marked on its container */
  sel: string;
  value: string;
}
interface DialogCase {
  id: string;
  type: string;
  /** fields that hold `${VAR}` in the default flows: must not be marked */
  envOk?: string[];
  bad: BadValue[];
  /** a config node opened from this node's dialog with the pencil button */
  config?: { lookup: string; type: string; envOk?: string[]; bad: BadValue[] };
}

// The default flows' ubi nodes (flows/flows.json, ids from scripts/make-default-flows.cjs)
const CASES: DialogCase[] = [
  {
    id: 'ubi0000000000022',
    type: 'ubi-can-in',
    bad: [{ sel: '#node-input-maxFrames', value: '0' }],
    config: {
      lookup: '#node-input-btn-bus-edit',
      type: 'ubi-can-bus',
      envOk: ['#node-config-input-vehicle'],
      bad: [
        { sel: '#node-config-input-bitrate', value: 'fast' },
        { sel: '#node-config-input-filters', value: 'zz/qq' },
      ],
    },
  },
  { id: 'ubi0000000000023', type: 'ubi-decode', envOk: ['#node-input-interfaces', '#node-input-map'], bad: [{ sel: '#node-input-interfaces', value: 'can0: j1939' }] },
  {
    id: 'ubi0000000000031',
    type: 'ubi-score',
    envOk: ['#node-input-timeZone'],
    bad: [
      { sel: '#node-input-overrides', value: '{"common": ' },
      { sel: '#node-input-timeZone', value: 'Mars/Olympus_Mons' },
    ],
  },
  {
    id: 'ubi0000000000032',
    type: 'ubi-incident',
    bad: [
      { sel: '#node-input-accelThresholdG', value: '-1' },
      { sel: '#node-input-overrides', value: '{bad json' },
    ],
  },
  {
    id: 'ubi0000000000040',
    type: 'ubi-influx-out',
    bad: [],
    config: {
      lookup: '#node-input-btn-influx-edit',
      type: 'ubi-influx-config',
      envOk: ['#node-config-input-url', '#node-config-input-database'],
      bad: [
        { sel: '#node-config-input-url', value: 'ftp://influx' },
        { sel: '#node-config-input-database', value: 'no spaces allowed' },
      ],
    },
  },
  {
    id: 'ubi0000000000050',
    type: 'ubi-renewal',
    envOk: ['#node-input-db', '#node-input-timeZone'],
    bad: [
      { sel: '#node-input-runAt', value: '25:00' },
      { sel: '#node-input-quoteConfig', value: '{"bands": [' },
    ],
  },
];

const EXAMPLES = fs
  .readdirSync(path.join(__dirname, '..', '..', '..', 'examples'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

describe('editor in a real browser (Debian chromium + playwright-core)', function () {
  this.timeout(120000);
  let dir: string;
  let app: Appliance | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  }

  before(async function () {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-browser-'));
    // fails loudly, naming the fix, when chromium or playwright-core is missing
    browser = await launchChromium();
    app = await startAppliance(dir);
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(String(e.message)));
  });

  after(async function () {
    if (app && this.currentTest?.state === 'failed') fs.writeFileSync(path.join(ARTIFACTS, 'appliance.log'), app.logs.join(''));
    await browser?.close();
    await stopAppliance(app);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await shot(`FAILED-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => {});
      // leave no dialog open for the next test
      await page.evaluate(() => {
        $('#node-config-dialog-cancel:visible').trigger('click');
        $('#node-dialog-cancel:visible').trigger('click');
        $('#red-ui-clipboard-dialog').dialog?.('close');
      }).catch(() => {});
    }
  });

  it('refuses a wrong password, then logs in', async () => {
    await page.goto(app!.url + '/admin/');
    await page.locator('#node-dialog-login-username').fill(USER);
    await page.locator('#node-dialog-login-password').fill('not the password at all');
    await page.locator('#node-dialog-login-submit').click();
    await page.locator('#node-dialog-login-failed').waitFor({ state: 'visible' });
    assert.match(await page.locator('#node-dialog-login-failed').innerText(), /login failed/i);
    await shot('01-login-refused');
    await page.locator('#node-dialog-login-password').fill(PASSWORD);
    await page.locator('#node-dialog-login-submit').click();
    await page.locator('#ubi0000000000022').waitFor({ state: 'visible', timeout: 60000 });
    await page.locator('#node-dialog-login').waitFor({ state: 'hidden' });
    await shot('02-logged-in');
  });

  it('lists every ubi node in the palette under "ubi-edge", config nodes excepted', async () => {
    const declared = declaredTypes();
    const palette = await page.evaluate(() => {
      const header = document.querySelector('#red-ui-palette-header-ubi')?.textContent?.trim() ?? '(no ubi category)';
      const types = [...document.querySelectorAll('#red-ui-palette-container-ubi .red-ui-palette-node')].map((e: any) => String(e.getAttribute('data-palette-type'))) // eslint-disable-line @typescript-eslint/no-explicit-any;
      return { header, types };
    });
    const defs = await page.evaluate((types: string[]) => types.map((t) => ({ t, def: RED.nodes.getType(t) ? { category: RED.nodes.getType(t).category, icon: RED.nodes.getType(t).icon } : null })), declared);
    const missing = defs.filter((d) => !d.def).map((d) => d.t);
    assert.deepEqual(missing, [], 'every type in package.json is registered in the editor');
    const regular = defs.filter((d) => d.def!.category !== 'config').map((d) => d.t);
    assert.ok(regular.includes('ubi-can-in') && regular.length >= 6, `regular nodes: ${regular}`);
    for (const d of defs) if (d.def!.category !== 'config') assert.equal(d.def!.category, 'ubi-edge', `${d.t}: palette category`);
    for (const d of defs) if (d.def!.category !== 'config') assert.ok(d.def!.icon, `${d.t}: has an icon`);
    assert.deepEqual(palette.types.sort(), regular.sort(), 'the palette shows exactly the ubi nodes');
    assert.equal(palette.header, 'ubi-edge', 'the palette category is labelled ubi-edge');
    await shot('03-palette');
  });

  async function showTab(z: string): Promise<void> {
    await page.locator(`#red-ui-tab-${z} a`).first().click();
    await page.waitForFunction((zz: string) => RED.workspaces.active() === zz, z);
  }

  /** the help sidebar shows this type's help: title and the sections of its help text */
  async function checkHelp(type: string): Promise<void> {
    await page.locator('.red-ui-tray:last-child .red-ui-tray-footer button:has(i.fa-book)').first().click();
    await page.waitForFunction(
      (t: string) => {
        const label = RED.utils.getPaletteLabel(t, RED.nodes.getType(t));
        const title = document.querySelector('.red-ui-help .red-ui-help-title');
        return title && title.textContent.trim() === label;
      },
      type,
      { timeout: 10000 },
    );
    const help = await page.evaluate(() => String($('.red-ui-help-title:visible').closest('.red-ui-help').text()));
    const expected = await page.evaluate((t: string) => $('<div>').html(RED.nodes.getNodeHelp(t) ?? '').text().trim().slice(0, 40), type);
    assert.ok(expected.length > 20, `${type}: has help text`);
    assert.ok(help.replace(/\s+/g, ' ').includes(expected.replace(/\s+/g, ' ')), `${type}: the help sidebar shows its help ("${expected}")`);
  }

  async function isMarked(sel: string): Promise<boolean> {
    return page.evaluate((s: string) => {
      const el = $(s);
      const container = el.closest('.red-ui-typedInput-container');
      return el.hasClass('input-error') || container.hasClass('input-error');
    }, sel);
  }

  async function typeBad(b: BadValue): Promise<void> {
    // a typedInput hides its <input>: type into the visible one, as a user does
    const typed = await page.evaluate((s: string) => $(s).closest('.red-ui-typedInput-container').length > 0 || $(s).next('.red-ui-typedInput-container').length > 0, b.sel);
    const target = typed ? page.locator(`${b.sel} + .red-ui-typedInput-container input.red-ui-typedInput-input`) : page.locator(b.sel);
    await target.fill(b.value);
    await target.press('Tab');
    await page.waitForFunction(
      (s: string) => $(s).hasClass('input-error') || $(s).next('.red-ui-typedInput-container').hasClass('input-error') || $(s).closest('.red-ui-typedInput-container').hasClass('input-error'),
      b.sel,
      { timeout: 5000 },
    ).catch(() => {});
    assert.ok(await isMarked(b.sel), `${b.sel}: "${b.value}" is marked as invalid`);
  }

  for (const c of CASES) {
    it(`${c.type}: edit dialog opens on double-click, shows help, marks bad values, cancels`, async () => {
      const node = await page.evaluate((id: string) => {
        const n = RED.nodes.node(id);
        return n ? { z: n.z as string, props: JSON.stringify(Object.fromEntries(Object.keys(n._def.defaults).map((k) => [k, n[k]]))) } : null;
      }, c.id);
      assert.ok(node, `${c.id} (${c.type}) is in the default flows`);
      await showTab(node.z);
      await page.locator(`#${c.id} .red-ui-flow-node`).first().dblclick();
      await page.waitForFunction((t: string) => RED.editor.edit && $('.red-ui-tray .red-ui-tray-header').text().length > 0 && RED.nodes.getType(t) && $('#dialog-form').length > 0, c.type);
      await shot(`10-${c.type}-dialog`);
      await checkHelp(c.type);
      for (const sel of c.envOk ?? []) assert.equal(await isMarked(sel), false, `${c.type} ${sel}: the default \${VAR} is accepted`);
      for (const b of c.bad) await typeBad(b);
      if (c.bad.length) await shot(`11-${c.type}-invalid`);
      if (c.type === 'ubi-score') {
        // the class select keeps the default flow's ${UBI_VEHICLE_CLASS}, so "Done" does not lose it
        assert.equal(await page.evaluate(() => $('#node-input-vehicleClass').val()), '${UBI_VEHICLE_CLASS}');
      }
      if (c.config) {
        const cfg = c.config;
        await page.locator(cfg.lookup).click();
        await page.waitForFunction(() => $('#node-config-dialog-cancel:visible').length > 0);
        await checkHelp(cfg.type);
        for (const sel of cfg.envOk ?? []) assert.equal(await isMarked(sel), false, `${cfg.type} ${sel}: the default \${VAR} is accepted`);
        for (const b of cfg.bad) await typeBad(b);
        await shot(`12-${cfg.type}-invalid`);
        await page.locator('#node-config-dialog-cancel').click();
        await page.waitForFunction(() => $('#node-config-dialog-cancel:visible').length === 0);
      }
      await page.locator('#node-dialog-cancel').click();
      await page.waitForFunction(() => !RED.editor.isEditing || !RED.editor.isEditing?.());
      await page.waitForFunction(() => $('.red-ui-tray').length === 0);
      const after = await page.evaluate((id: string) => {
        const n = RED.nodes.node(id);
        return JSON.stringify(Object.fromEntries(Object.keys(n._def.defaults).map((k) => [k, n[k]])));
      }, c.id);
      assert.equal(after, node.props, `${c.type}: Cancel leaves the node unchanged`);
      assert.equal(await page.evaluate(() => RED.nodes.dirty()), false, 'nothing to deploy after Cancel');
    });
  }

  it('every other ubi node in the default flows (ubi-claim ... when present) opens with its help', async () => {
    const covered = CASES.map((c) => c.id);
    const others = await page.evaluate((skip: string[]) => {
      const out: Array<{ id: string; type: string; z: string }> = [];
      RED.nodes.eachNode((n: { id: string; type: string; z: string }) => {
        if (/^ubi-/.test(n.type) && !skip.includes(n.id)) out.push({ id: n.id, type: n.type, z: n.z });
      });
      return out;
    }, covered);
    for (const o of others) {
      await showTab(o.z);
      await page.locator(`#${o.id} .red-ui-flow-node`).first().dblclick();
      await page.waitForFunction(() => $('#node-dialog-cancel:visible').length > 0);
      await checkHelp(o.type);
      await shot(`13-${o.type}-dialog`);
      await page.locator('#node-dialog-cancel').click();
      await page.waitForFunction(() => $('.red-ui-tray').length === 0);
    }
  });

  it('shows ubi-can-in status updates with fr/s from the running flow', async () => {
    await showTab('ubi0000000000001');
    await page.evaluate(() => {
      window.__st = [];
      RED.comms.subscribe('status/ubi0000000000022', (_t: string, msg: { text?: string }) => window.__st.push(String(msg?.text ?? '')));
    });
    await page.waitForFunction(() => window.__st.some((t: string) => /\d+ fr\/s/.test(t)), undefined, { timeout: 30000 });
    const label = await page.evaluate(() => String(document.querySelector('#ubi0000000000022 .red-ui-flow-node-status-label')?.textContent));
    assert.match(label, /can\d \d+ fr\/s/, 'the canvas shows frames/s under can in');
    await shot('20-status');
  });

  it('deploys a changed flow: success notification, /admin/flows changed, status comes back', async () => {
    const api = await adminApi(app!.url);
    const before = ((await (await api('/flows')).json()) as Array<{ id: string; name?: string }>).find((n) => n.id === 'ubi0000000000033');
    assert.equal(before?.name, 'IMU calibration');
    await page.locator('#ubi0000000000033 .red-ui-flow-node').first().dblclick();
    await page.locator('#node-input-name').waitFor({ state: 'visible' });
    await page.locator('#node-input-name').fill('IMU calibration (browser test)');
    await page.locator('#node-dialog-ok').click();
    await page.waitForFunction(() => RED.nodes.dirty() === true);
    await page.evaluate(() => (window.__st = []));
    await page.locator('#red-ui-header-button-deploy').click();
    await page.locator('.red-ui-notification').filter({ hasText: /Successfully deployed/ }).first().waitFor({ state: 'visible', timeout: 30000 });
    await shot('30-deployed');
    const after = ((await (await api('/flows')).json()) as Array<{ id: string; name?: string }>).find((n) => n.id === 'ubi0000000000033');
    assert.equal(after?.name, 'IMU calibration (browser test)', 'the runtime has the deployed change');
    // the redeployed can in reports again
    await page.waitForFunction(() => window.__st.some((t: string) => /\d+ fr\/s/.test(t)), undefined, { timeout: 30000 });
  });

  it(`imports every example from Import > Examples (${EXAMPLES.join(', ')}) with known types, deploys, and they run`, async () => {
    assert.ok(EXAMPLES.length >= 4, `examples: ${EXAMPLES}`);
    for (const ex of EXAMPLES) {
      await page.locator('#red-ui-header-button-sidemenu').click();
      await page.locator('#menu-item-import').click();
      await page.locator('#red-ui-clipboard-dialog-import-tabs a').filter({ hasText: 'Examples' }).first().click();
      const tree = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
      await tree.locator('.red-ui-treeList-label').filter({ hasText: /^ubi-edge$/ }).first().click();
      await tree.locator('.red-ui-treeList-label').filter({ hasText: new RegExp(`^${ex}$`) }).first().click();
      await page.locator('#red-ui-clipboard-dialog-import-opt-new').click();
      await page.locator('#red-ui-clipboard-dialog-ok').click();
      await page.locator('#red-ui-clipboard-dialog-ok').waitFor({ state: 'hidden' });
      // imported nodes follow the mouse until a click drops them
      await page.mouse.move(700, 400);
      await page.mouse.click(700, 400);
      // a new tab holds the example; every node type is known to the editor
      const info = await page.evaluate(() => {
        const z = RED.workspaces.active();
        const nodes: Array<{ type: string; z?: string }> = [];
        RED.nodes.eachNode((n: { type: string; z: string }) => {
          if (n.z === z) nodes.push({ type: n.type });
        });
        const unknown = nodes.filter((n) => !RED.nodes.getType(n.type) || RED.nodes.getType(n.type).set?.module === 'unknown').map((n) => n.type);
        return { z, count: nodes.length, unknown };
      });
      assert.ok(info.count >= 4, `${ex}: imported ${info.count} nodes`);
      assert.deepEqual(info.unknown, [], `${ex}: no unknown types`);
      await shot(`40-example-${ex}`);
    }
    await page.locator('#red-ui-header-button-deploy').click();
    await page.locator('.red-ui-notification').filter({ hasText: /Successfully deployed/ }).first().waitFor({ state: 'visible', timeout: 30000 });
    // the examples run: their nodes report status from the runtime
    const expectStatus: Array<[string, string, RegExp]> = [
      ['j1939-truck', 'decode J1939', /\d+ fr\/s/],
      ['obd-van', 'latest values', /km\/h/],
      ['custom-detector', 'high engine speed', /rpm samples/],
    ];
    for (const [ex, name, re] of expectStatus) {
      if (!EXAMPLES.includes(ex)) continue;
      await page.waitForFunction(
        ({ n, src }: { n: string; src: string }) => {
          let ok = false;
          RED.nodes.eachNode((x: { name?: string; status?: { text?: string } }) => {
            if (x.name === n && x.status && new RegExp(src).test(String(x.status.text))) ok = true;
          });
          return ok;
        },
        { n: name, src: re.source },
        { timeout: 30000 },
      ).catch(async () => {
        const st = await page.evaluate((n: string) => {
          const out: string[] = [];
          RED.nodes.eachNode((x: { name?: string; status?: unknown }) => {
            if (x.name === n) out.push(JSON.stringify(x.status));
          });
          return out;
        }, name);
        assert.fail(`${ex}: "${name}" status should match ${re}, is ${st.join(', ') || 'none'}`);
      });
    }
    await shot('41-examples-running');
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the editor page');
  });
});
