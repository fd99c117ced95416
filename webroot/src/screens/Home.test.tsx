import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Home } from './Home';
import type { Project } from '../api/types';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const project = (id: string, name: string, updated: string): Project => ({
  id,
  name,
  user_email: 'ana@example.com',
  created_at: updated,
  updated_at: updated,
  conversation_count: 0,
  settings: { catalog: 'main', schema: 's', warehouse_id: null, serverless: true, cluster_id: null, workspace_folder: '/Workspace/x' },
});

describe('Home', () => {
  it('lists projects by most recent, renames one and deletes one after a confirmation', async () => {
    let projects = [project('a', 'Alpha', '2026-11-20T10:00:00.000Z'), project('b', 'Bronze', '2026-11-24T10:00:00.000Z')];
    const calls: { method: string; url: string; body?: unknown }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        const method = init?.method ?? 'GET';
        calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
        if (url.startsWith('/api/projects?')) return new Response(JSON.stringify(projects), { status: 200 });
        if (method === 'PATCH') {
          projects = projects.map((p) => (p.id === 'a' ? { ...p, name: 'Alpha 2' } : p));
          return new Response(JSON.stringify(projects[0]), { status: 200 });
        }
        if (method === 'DELETE') {
          projects = projects.filter((p) => p.id !== 'b');
          return new Response(JSON.stringify({ success: true }), { status: 200 });
        }
        return new Response('{}', { status: 404 });
      }),
    );
    render(<Home health={null} />);
    const list = await screen.findByRole('list', { name: 'Your projects' });
    await within(list).findByText('Bronze');
    expect(within(list).getAllByRole('link').map((a) => a.textContent)).toEqual(['Bronze', 'Alpha']);

    fireEvent.change(screen.getByRole('combobox', { name: 'Sort projects' }), { target: { value: 'name' } });
    expect(within(list).getAllByRole('link').map((a) => a.textContent)).toEqual(['Alpha', 'Bronze']);

    fireEvent.click(screen.getByRole('button', { name: 'Rename Alpha' }));
    const input = screen.getByRole('textbox', { name: 'New name for Alpha' });
    fireEvent.change(input, { target: { value: 'Alpha 2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await within(list).findByText('Alpha 2');
    expect(calls.find((c) => c.method === 'PATCH')).toEqual({ method: 'PATCH', url: '/api/projects/a', body: { name: 'Alpha 2' } });

    fireEvent.click(screen.getByRole('button', { name: 'Delete Bronze' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete “Bronze”?' });
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false); // nothing before the confirmation
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete project' }));
    await waitFor(() => expect(within(list).queryByText('Bronze')).toBeNull());
    expect(calls.find((c) => c.method === 'DELETE')?.url).toBe('/api/projects/b');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows the credentials notice from /healthz', () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('[]', { status: 200 })));
    render(
      <Home
        health={{
          status: 'degraded',
          version: '0.1.0',
          abi: '1.0',
          problems: [],
          plugins: [{ id: 'agent-claude', state: 'loaded', health: { agent_backend: { status: 'degraded', detail: 'LLM not configured' } } }],
        }}
      />,
    );
    const notice = screen.getByRole('alert', { name: 'Configuration problems' });
    expect(notice.textContent).toContain('No LLM credentials');
    expect(notice.textContent).not.toContain('No Databricks credentials');
  });
});
