// The web UI end to end (run by run.sh):
//   node ui.e2e.mjs BASE_URL ARTIFACTS_DIR MOCK_ANTHROPIC_URL DATA_DIR FAKE_DATABRICKS_URL
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../webroot/package.json', import.meta.url));
const { chromium } = require('playwright-core');
import fs from 'node:fs';

const base = process.argv[2];
const out = process.argv[3];
const mockUrl = process.argv[4];
const dataDir = process.argv[5];
const fakeUrl = process.argv[6];
fs.mkdirSync(out, { recursive: true });
const log = (...a) => console.log(new Date().toISOString().slice(11, 19), ...a);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-dev-shm-usage'],
});
const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await ctx.newPage();
const errors = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(String(e)));
const shot = async (name, p = page) => { await p.screenshot({ path: `${out}/${name}.png` }); log('shot', name); };
const T = 30000;
// Answers permission dialogs (permission_mode = ask) until the last turn has its summary.
const finishTurn = async (answer = 'Allow', p = page) => {
  const dialog = p.getByRole('dialog', { name: 'Allow this tool?' });
  const summaries = p.getByLabel('Turn summary');
  const before = await summaries.count();
  const deadline = Date.now() + 60000;
  let asked = 0;
  while (Date.now() < deadline) {
    if (await dialog.isVisible()) {
      if (asked === 0) await shot(`permission-${(await dialog.textContent()).match(/use (.+?)[ .(]/)?.[1] ?? 'tool'}`.replace(/\W+/g, '-'), p);
      await p.getByRole('button', { name: answer, exact: true }).click();
      asked++;
      log('permission answered:', answer);
      await dialog.waitFor({ state: 'hidden', timeout: T });
    } else if ((await summaries.count()) > before) {
      if ((await p.getByText('waiting for permission').count()) > 0) throw new Error('a tool card still waits for permission');
      return asked;
    }
    await p.waitForTimeout(200);
  }
  throw new Error('the turn did not end');
};
try {
  await page.goto(base + '/');
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await page.getByText('developer@localhost').waitFor();
  await shot('01-home-empty');
  await page.getByLabel('New project name').fill('Sales Pipeline');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('heading', { name: 'What should the agent build?' }).waitFor();
  await shot('02-project-new');

  // SQL flow
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('Show me the orders');
  await box.press('Enter');
  await page.getByText('Let me look', { exact: false }).waitFor({ timeout: T });
  log('streaming text seen');
  await shot('03-streaming');
  // The statement stays RUNNING for two polls: the card shows the tool's progress meanwhile.
  const progressSeen = page.locator('.tool-progress').first().waitFor({ timeout: T }).then(() => shot('04a-sql-progress')).then(() => true, () => false);
  const asked = await finishTurn('Always allow');
  log('tool progress seen:', await progressSeen);
  await page.locator('.tool-card table').getByText('Alice').waitFor({ timeout: T });
  log('sql table seen after', asked, 'permission request(s)');
  await shot('04-sql-result');
  log('url', page.url());

  // permission + todos: a Write into the project's folder (its absolute path is known now)
  const projectId = /projects\/([^/]+)/.exec(page.url())[1];
  const push = await fetch(`${mockUrl}/_mock/push`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      when: { last_user_text_contains: 'file' },
      content: [
        { type: 'text', text: "I'll plan this and write the file.", chunks: 2, chunk_delay_ms: 100 },
        { type: 'tool_use', name: 'TodoWrite', input: { todos: [
          { content: 'Write notes.md', status: 'in_progress', activeForm: 'Writing notes.md' },
          { content: 'Check the file', status: 'pending', activeForm: 'Checking the file' } ] } },
        { type: 'tool_use', name: 'Write', input: { file_path: `${dataDir}/projects/${projectId}/notes.md`, content: '# Notes\n\nOrders: 2\n' } },
      ],
    }),
  });
  if (!push.ok) throw new Error(`mock push: ${push.status} ${await push.text()}`);
  await page.getByRole('button', { name: '+ New conversation' }).click();
  await box.fill('Write a notes file');
  await box.press('Enter');
  const asked2 = await finishTurn('Allow');
  if (asked2 === 0) throw new Error('no permission request for Write');
  await page.getByText('Wrote').waitFor({ timeout: T });
  await page.getByRole('region', { name: "Agent's todo list" }).waitFor({ timeout: T });
  await shot('06-todos-write');

  // long turn: reload mid-turn, reattach, stop
  await page.getByRole('button', { name: '+ New conversation' }).click();
  await box.fill('Do a long analysis');
  await box.press('Enter');
  await page.getByText('Starting a long', { exact: false }).waitFor({ timeout: T });
  await page.waitForURL(/conversations/);
  await page.waitForTimeout(1500);
  log('reloading mid-turn', page.url());
  await page.reload();
  await page.getByText('Starting a long', { exact: false }).waitFor({ timeout: T });
  await page.getByRole('button', { name: 'Stop the agent' }).waitFor({ timeout: T });
  log('reattached');
  await shot('07-reattached');
  await page.getByRole('button', { name: 'Stop the agent' }).click();
  await page.getByLabel('Turn summary').filter({ hasText: 'Stopped' }).waitFor({ timeout: T });
  log('stopped');
  await shot('08-stopped');

  // switch conversations
  const convs = page.locator('.conv-title');
  log('conversations', await convs.count());
  await page.locator('.conv-title', { hasText: 'Show me the orders' }).click();
  await page.locator('.tool-card table').getByText('Alice').waitFor({ timeout: T });
  log('switched');
  await page.getByRole('button', { name: 'Rename conversation Show me the orders' }).click();
  await page.getByRole('textbox', { name: 'Conversation title' }).fill('Orders query');
  await page.getByRole('textbox', { name: 'Conversation title' }).press('Enter');
  await page.locator('.conv-title', { hasText: 'Orders query' }).waitFor({ timeout: T });
  log('renamed');

  // files panel
  await page.getByRole('button', { name: 'Files', exact: true }).waitFor();
  if ((await page.getByRole('button', { name: 'Files', exact: true }).getAttribute('aria-pressed')) !== 'true')
    await page.getByRole('button', { name: 'Files', exact: true }).click();
  await page.getByRole('button', { name: 'Refresh the file tree' }).click();
  await page.getByRole('treeitem').getByText('notes.md').click();
  await page.getByLabel('Contents of notes.md').getByText('# Notes').waitFor({ timeout: T });
  await shot('09-file-viewer');
  await page.getByRole('button', { name: 'Skills', exact: true }).click();
  await page.locator('.skill').first().waitFor({ timeout: T });
  await shot('10-skills');
  // Settings: pickers filled from the fake workspace (catalogs main/samples/system, warehouses
  // wh-shared RUNNING (suggested) and wh-stopped, clusters 0101-alice, 0202-shared).
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const picker = (name) => page.getByRole('combobox', { name, exact: true });
  const listed = async (name, option) => {
    // While a list loads the picker is a disabled select holding only the current value.
    await picker(name).locator('option', { hasText: option }).first().waitFor({ state: 'attached', timeout: T });
  };
  await listed('SQL warehouse', 'Shared endpoint');
  const whOptions = await picker('SQL warehouse').locator('option').allTextContents();
  log('warehouse options', whOptions);
  if (!whOptions.some((o) => o.includes('Shared endpoint') && o.includes('RUNNING') && o.includes('(suggested)')))
    throw new Error(`the suggested warehouse is not marked: ${whOptions}`);
  if (whOptions.some((o) => o.startsWith('Old '))) throw new Error('a DELETED warehouse is offered');
  await picker('SQL warehouse').selectOption('wh-shared');
  await page.getByText('id wh-shared').waitFor({ timeout: T });
  await listed('Catalog', 'samples');
  await picker('Catalog').selectOption('samples');
  await listed('Schema', 'nyctaxi');
  await picker('Schema').selectOption('nyctaxi');
  await page.getByRole('radio', { name: 'Cluster' }).check();
  await listed('Cluster', 'alice-cluster');
  await picker('Cluster').selectOption('0101-alice');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Saved.').waitFor({ timeout: T });
  await shot('11-settings-pickers');
  const savedSettings = await (await fetch(`${base}/api/projects/${projectId}/settings`)).json();
  log('saved settings', JSON.stringify(savedSettings));
  for (const [k, v] of Object.entries({ catalog: 'samples', schema: 'nyctaxi', warehouse_id: 'wh-shared', serverless: false, cluster_id: '0101-alice' }))
    if (savedSettings[k] !== v) throw new Error(`settings.${k} is ${JSON.stringify(savedSettings[k])}, not ${JSON.stringify(v)}`);
  // A schema the list does not hold (the agent will create it) is typed.
  await picker('Catalog').selectOption('main');
  await listed('Schema', 'sales');
  await picker('Schema').selectOption({ label: 'Type a name…' });
  await page.getByRole('textbox', { name: 'Schema name' }).fill('developer_sales_v2');
  await page.getByText('Not in main (yet)').waitFor({ timeout: T });
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Saved.').waitFor({ timeout: T });
  await shot('11b-settings-typed-schema');
  const typedSettings = await (await fetch(`${base}/api/projects/${projectId}/settings`)).json();
  if (typedSettings.catalog !== 'main' || typedSettings.schema !== 'developer_sales_v2')
    throw new Error(`typed schema not saved: ${JSON.stringify(typedSettings)}`);

  // Tools: turn one off, GET shows it off.
  await page.getByRole('button', { name: 'Tools', exact: true }).click();
  const toolBox = page.getByRole('checkbox', { name: 'Use tool execute_sql_multi', exact: true });
  await toolBox.waitFor({ timeout: T });
  if (!(await toolBox.isChecked())) throw new Error('execute_sql_multi starts off');
  await toolBox.click(); // not uncheck(): the box changes once the host answered the PUT
  await page.getByText('Turned off in this project.').waitFor({ timeout: T });
  await page.locator('aside.panel').evaluate((el) => el.scrollTo(0, 0));
  await shot('11c-tools');
  const toolsNow = await (await fetch(`${base}/api/projects/${projectId}/tools`)).json();
  const multi = toolsNow.tools.find((t) => t.name === 'execute_sql_multi');
  log('tools', toolsNow.tools.length, 'disabled', JSON.stringify(toolsNow.disabled));
  if (!multi || multi.enabled || multi.off_because !== 'settings' || !toolsNow.disabled.includes('execute_sql_multi'))
    throw new Error(`execute_sql_multi is not off: ${JSON.stringify(multi)} ${JSON.stringify(toolsNow.disabled)}`);

  // Lists that cannot load (the workspace refuses them): text inputs and the host's reason.
  const fault = (path) => fetch(`${fakeUrl}/__fake/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ path, status: 403, message: 'User does not have USE CATALOG on metastore', count: 20 }) });
  for (const p of ['/api/2.1/unity-catalog/catalogs', '/api/2.1/unity-catalog/schemas', '/api/2.0/sql/warehouses', '/api/2.1/clusters'])
    if (!(await fault(p)).ok) throw new Error(`fake fault ${p}`);
  const errorsBefore = errors.length;
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const unavailable = page.getByRole('status', { name: 'Databricks lists unavailable' });
  await unavailable.getByText('USE CATALOG', { exact: false }).first().waitFor({ timeout: T });
  log('lists unavailable:', (await unavailable.textContent()).slice(0, 200));
  if ((await page.getByRole('textbox', { name: 'Catalog', exact: true }).inputValue()) !== 'main') throw new Error('no catalog text input');
  await shot('11d-settings-lists-unavailable');
  await fetch(`${fakeUrl}/__fake/faults`, { method: 'DELETE' });
  // The browser logs each 503 as a console error: expected here.
  if (errors.slice(errorsBefore).every((e) => e.includes('status of 503'))) errors.splice(errorsBefore);
  await page.goto(base + '/status');
  await page.getByRole('table', { name: 'Plugins' }).waitFor();
  await shot('12-status');

  // narrow
  const m = await ctx.browser().newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const mp = await m.newPage();
  await mp.goto(base + '/');
  await mp.getByRole('heading', { name: 'Projects' }).waitFor();
  await shot('13-mobile-home', mp);
  await mp.getByRole('link', { name: 'Sales Pipeline' }).click();
  await mp.locator('.tool-card, .empty').first().waitFor({ timeout: T });
  await shot('14-mobile-project', mp);
  await mp.getByRole('button', { name: 'Conversations' }).click();
  await shot('15-mobile-drawer', mp);
  await mp.getByRole('button', { name: 'Conversations' }).click();
  await mp.getByRole('button', { name: 'Files', exact: true }).click();
  await shot('16-mobile-files', mp);
  await m.close();
  log('OK; console errors:', errors.length ? errors : 'none');
} catch (e) {
  log('FAILED', e.message);
  await shot('zz-failure').catch(() => undefined);
  log('console errors:', errors);
  process.exitCode = 1;
} finally {
  await browser.close();
}
