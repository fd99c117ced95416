import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { ToolsPanel } from './ToolsPanel';
import type { ToolInfo, ToolsInfo } from '../api/types';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const tool = (name: string, extra: Partial<ToolInfo> = {}): ToolInfo => ({
  name,
  plugin: 'mcp-databricks',
  description: `Does ${name}.`,
  enabled: true,
  off_because: null,
  skills: [],
  ...extra,
});

/** A host keeping the project's list of tools turned off; pipeline tools are gated by a skill. */
function stubHost(initial: string[] = ['delete_pipeline']) {
  const calls: { method: string; url: string; body?: unknown }[] = [];
  let disabled = [...initial];
  const view = (): ToolsInfo => ({
    disabled,
    tools: [
      tool('delete_pipeline'),
      tool('execute_sql'),
      tool('hello', { plugin: 'hello-tools' }),
      tool('start_pipeline', { skills: ['spark-declarative-pipelines'] }),
    ].map((t) => {
      if (disabled.includes(t.name)) return { ...t, enabled: false, off_because: 'settings' as const };
      if (t.skills.length) return { ...t, enabled: false, off_because: 'skills' as const };
      return t;
    }),
  });
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ method, url, body });
      if (url !== '/api/projects/p1/tools') return new Response('{}', { status: 404 });
      if (method === 'PUT') {
        if (body.disabled.includes('nope'))
          return new Response(JSON.stringify({ error: { code: 'invalid_field', field: 'disabled', message: "unknown tool 'nope'" } }), { status: 400 });
        disabled = body.disabled;
      }
      return new Response(JSON.stringify(view()), { status: 200 });
    }),
  );
  return calls;
}

describe('ToolsPanel', () => {
  it('lists the tools by plugin with their state and the reason a gated one is off', async () => {
    stubHost();
    render(<ToolsPanel projectId="p1" />);
    const sql = (await screen.findByRole('checkbox', { name: 'Use tool execute_sql' })) as HTMLInputElement;
    expect(sql.checked).toBe(true);
    expect((screen.getByRole('checkbox', { name: 'Use tool delete_pipeline' }) as HTMLInputElement).checked).toBe(false);
    expect(screen.getByText('Turned off in this project.')).toBeTruthy();
    const gated = screen.getByRole('checkbox', { name: 'Use tool start_pipeline' }) as HTMLInputElement;
    expect(gated.checked).toBe(false);
    expect(gated.disabled).toBe(true);
    expect(gated.getAttribute('aria-describedby')).toBe('tool-why-start_pipeline');
    expect(screen.getByText('Enable skill spark-declarative-pipelines to use it.')).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Tools of hello-tools' })).getByText('hello')).toBeTruthy();
    expect(screen.getByText('2 of 4 on')).toBeTruthy();
    expect(screen.getByText(/Changes apply from the next turn/)).toBeTruthy();
  });

  it('turns a tool off and on with PUT {"disabled": [...]}', async () => {
    const calls = stubHost();
    render(<ToolsPanel projectId="p1" />);
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Use tool execute_sql' }));
    await waitFor(() => expect((screen.getByRole('checkbox', { name: 'Use tool execute_sql' }) as HTMLInputElement).checked).toBe(false));
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.body)).toEqual([{ disabled: ['delete_pipeline', 'execute_sql'] }]);
    await waitFor(() => expect((screen.getByRole('checkbox', { name: 'Use tool delete_pipeline' }) as HTMLInputElement).disabled).toBe(false));

    fireEvent.click(screen.getByRole('checkbox', { name: 'Use tool delete_pipeline' }));
    await waitFor(() => expect((screen.getByRole('checkbox', { name: 'Use tool delete_pipeline' }) as HTMLInputElement).checked).toBe(true));
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.body)[1]).toEqual({ disabled: ['execute_sql'] });

    fireEvent.click(screen.getByRole('button', { name: 'Turn all on' }));
    await waitFor(() => expect((screen.getByRole('checkbox', { name: 'Use tool execute_sql' }) as HTMLInputElement).checked).toBe(true));
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.body)[2]).toEqual({ disabled: [] });
    // the skill-gated tool is never put in the list
    expect(calls.some((c) => JSON.stringify(c.body ?? '').includes('start_pipeline'))).toBe(false);
  });

  it('shows a refused change', async () => {
    stubHost(['nope']);
    render(<ToolsPanel projectId="p1" />);
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Use tool execute_sql' }));
    expect((await screen.findByRole('alert')).textContent).toContain("unknown tool 'nope'");
  });
});
