import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { SettingsPanel } from './SettingsPanel';
import type { ProjectSettings } from '../api/types';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const settings: ProjectSettings = {
  catalog: 'main',
  schema: 'sales',
  warehouse_id: null,
  serverless: true,
  cluster_id: null,
  workspace_folder: '/Workspace/Users/ana@example.com/p',
};

const lists: Record<string, unknown> = {
  catalogs: { items: [{ id: 'main', name: 'main', detail: 'Main catalog' }, { id: 'samples', name: 'samples' }] },
  'schemas?catalog=main': { items: [{ id: 'default', name: 'default' }, { id: 'sales', name: 'sales' }] },
  'schemas?catalog=samples': { items: [{ id: 'nyctaxi', name: 'nyctaxi' }] },
  warehouses: {
    items: [
      { id: 'wh-shared', name: 'Shared endpoint', state: 'RUNNING', detail: 'Small' },
      { id: 'wh-stopped', name: 'Analytics', state: 'STOPPED', detail: 'Medium' },
      { id: 'wh-old', name: 'Old', state: 'DELETED', detail: 'Small' },
    ],
    suggested: 'wh-shared',
  },
  clusters: { items: [{ id: '0101-alice', name: 'alice-cluster', state: 'RUNNING' }] },
};

type Call = { method: string; url: string; body?: unknown };
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** A host: the settings, and the lists (or `fail` answering 503 for every list). */
function stubHost(opts: { fail?: string; hold?: Promise<void> } = {}) {
  const calls: Call[] = [];
  let stored = { ...settings };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ method, url, body });
      if (url === '/api/projects/p1/settings') {
        if (method === 'PUT') stored = { ...stored, ...body };
        return json(stored);
      }
      const m = /^\/api\/projects\/p1\/databricks\/(.+)$/.exec(url);
      if (m) {
        if (opts.hold) await opts.hold;
        if (opts.fail) return json({ error: { code: 'databricks_unavailable', message: opts.fail } }, 503);
        const list = lists[m[1]];
        return list ? json(list) : json({ error: { code: 'not_found', message: 'no' } }, 404);
      }
      return json({ error: { code: 'not_found', message: url } }, 404);
    }),
  );
  return calls;
}

describe('SettingsPanel pickers', () => {
  it('shows the lists loading, then pickers filled from Databricks', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    stubHost({ hold });
    render(<SettingsPanel projectId="p1" />);
    const catalog = await screen.findByRole('combobox', { name: 'Catalog' });
    expect((catalog as HTMLSelectElement).disabled).toBe(true);
    expect(screen.getAllByText('Loading the list…').length).toBeGreaterThanOrEqual(3);
    release();
    await waitFor(() => expect((screen.getByRole('combobox', { name: 'Catalog' }) as HTMLSelectElement).disabled).toBe(false));
    const cat = screen.getByRole('combobox', { name: 'Catalog' }) as HTMLSelectElement;
    expect(cat.value).toBe('main');
    expect(within(cat).getAllByRole('option').map((o) => o.textContent)).toEqual(['main', 'samples', 'Type a name…']);

    const wh = (await screen.findByRole('combobox', { name: 'SQL warehouse' })) as HTMLSelectElement;
    await waitFor(() => expect(wh.disabled).toBe(false));
    // automatic (null) first, the suggested one marked, the deleted one not offered
    expect(wh.value).not.toBe('wh-shared');
    expect(within(wh).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Automatic (the SQL tool picks one)',
      'Shared endpoint · RUNNING · Small (suggested)',
      'Analytics · STOPPED · Medium',
      'Type an id…',
    ]);
    const schema = (await screen.findByRole('combobox', { name: 'Schema' })) as HTMLSelectElement;
    await waitFor(() => expect(schema.value).toBe('sales'));
    expect(screen.queryByRole('status', { name: 'Databricks lists unavailable' })).toBeNull();
  });

  it('reloads the schemas when the catalog changes, and saves what was picked', async () => {
    const calls = stubHost();
    const onSaved = vi.fn();
    render(<SettingsPanel projectId="p1" onSaved={onSaved} />);
    const schema = (await screen.findByRole('combobox', { name: 'Schema' })) as HTMLSelectElement;
    await waitFor(() => expect(within(schema).queryByRole('option', { name: 'default' })).not.toBeNull());

    fireEvent.change(await screen.findByRole('combobox', { name: 'Catalog' }), { target: { value: 'samples' } });
    await waitFor(() => expect(within(screen.getByRole('combobox', { name: 'Schema' })).queryByRole('option', { name: 'nyctaxi' })).not.toBeNull());
    expect(calls.filter((c) => c.url.includes('/databricks/schemas')).map((c) => c.url)).toEqual([
      '/api/projects/p1/databricks/schemas?catalog=main',
      '/api/projects/p1/databricks/schemas?catalog=samples',
    ]);
    // "sales" is not in samples: kept as a typed value, with the hint
    expect((screen.getByRole('textbox', { name: 'Schema name' }) as HTMLInputElement).value).toBe('sales');
    expect(screen.getByText(/Not in samples \(yet\)/)).toBeTruthy();
    fireEvent.change(screen.getByRole('combobox', { name: 'Schema' }), { target: { value: 'nyctaxi' } });
    expect(screen.queryByRole('textbox', { name: 'Schema name' })).toBeNull();

    const wh = screen.getByRole('combobox', { name: 'SQL warehouse' });
    await waitFor(() => expect((wh as HTMLSelectElement).disabled).toBe(false));
    fireEvent.change(wh, { target: { value: 'wh-stopped' } });
    expect(screen.getByText('id wh-stopped')).toBeTruthy();

    // cluster compute: the clusters are listed then
    expect(calls.some((c) => c.url.includes('/databricks/clusters'))).toBe(false);
    fireEvent.click(screen.getByRole('radio', { name: 'Cluster' }));
    const cluster = (await screen.findByRole('combobox', { name: 'Cluster' })) as HTMLSelectElement;
    await waitFor(() => expect(within(cluster).queryByRole('option', { name: 'alice-cluster · RUNNING' })).not.toBeNull());
    fireEvent.change(cluster, { target: { value: '0101-alice' } });

    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await screen.findByText('Saved. The next turn uses them.');
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
      catalog: 'samples',
      schema: 'nyctaxi',
      warehouse_id: 'wh-stopped',
      serverless: false,
      cluster_id: '0101-alice',
      workspace_folder: settings.workspace_folder,
    });
    expect(onSaved).toHaveBeenCalled();
  });

  it('takes a typed value beside the list', async () => {
    const calls = stubHost();
    render(<SettingsPanel projectId="p1" />);
    const wh = (await screen.findByRole('combobox', { name: 'SQL warehouse' })) as HTMLSelectElement;
    await waitFor(() => expect(wh.disabled).toBe(false));
    fireEvent.change(wh, { target: { value: wh.querySelector('option:last-child')!.getAttribute('value') } });
    const typed = screen.getByRole('textbox', { name: 'SQL warehouse id' });
    expect(document.activeElement).toBe(typed);
    fireEvent.change(typed, { target: { value: 'abc123' } });
    expect(screen.getByText('Not in the list (gone, or you cannot list it).')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await screen.findByText('Saved. The next turn uses them.');
    expect((calls.find((c) => c.method === 'PUT')?.body as ProjectSettings).warehouse_id).toBe('abc123');
  });

  it('falls back to text inputs with the reason when the lists cannot load', async () => {
    const calls = stubHost({ fail: 'no Databricks credentials for ana@example.com' });
    render(<SettingsPanel projectId="p1" />);
    const notice = await screen.findByRole('status', { name: 'Databricks lists unavailable' });
    await waitFor(() => expect(notice.textContent).toContain('Cannot list from Databricks: no Databricks credentials for ana@example.com'));
    // one message, although three lists failed
    expect(within(notice).getAllByText(/Cannot list/)).toHaveLength(1);
    expect(screen.queryByRole('combobox', { name: 'Catalog' })).toBeNull();
    const catalog = screen.getByRole('textbox', { name: 'Catalog' }) as HTMLInputElement;
    expect(catalog.value).toBe('main');
    expect((screen.getByRole('textbox', { name: 'Schema' }) as HTMLInputElement).value).toBe('sales');
    expect(screen.getByRole('textbox', { name: 'SQL warehouse' })).toBeTruthy();
    fireEvent.change(catalog, { target: { value: 'dev' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Schema' }), { target: { value: 'bronze' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await screen.findByText('Saved. The next turn uses them.');
    expect(calls.find((c) => c.method === 'PUT')?.body).toMatchObject({ catalog: 'dev', schema: 'bronze', warehouse_id: null });
  });

  it('shows a refused field at its picker', async () => {
    stubHost();
    const fetchMock = globalThis.fetch as ReturnType<typeof vi.fn>;
    const inner = fetchMock.getMockImplementation()!;
    fetchMock.mockImplementation(async (url: string, init?: RequestInit) =>
      init?.method === 'PUT'
        ? json({ error: { code: 'invalid_field', field: 'schema', message: '"schema" must not contain \'.\'' } }, 400)
        : inner(url, init),
    );
    render(<SettingsPanel projectId="p1" />);
    await screen.findByRole('combobox', { name: 'Catalog' });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('"schema" must not contain');
    expect(alert.closest('.field')?.querySelector('label')?.textContent).toBe('Schema');
  });
});
