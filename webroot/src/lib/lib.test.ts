import { describe, expect, it } from 'vitest';
import { credentialNotice } from './health';
import { parseRoute, projectPath } from './router';
import { formatCost, formatDuration, formatTokens, resultText, splitToolName } from './format';
import { languageForPath, highlight } from './highlight';
import type { Health } from '../api/types';

const health = (over: Partial<Health>): Health => ({ status: 'ok', version: '0.1.0', abi: '1.0', plugins: [], problems: [], ...over });

describe('credentialNotice', () => {
  it('names missing LLM and Databricks credentials from the plugins\' health', () => {
    const n = credentialNotice(
      health({
        status: 'degraded',
        plugins: [
          { id: 'agent-claude', state: 'loaded', health: { agent_backend: { status: 'degraded', detail: 'LLM not configured: set DATABRICKS_HOST and DATABRICKS_TOKEN' } } },
          { id: 'mcp-databricks', state: 'loaded', health: { tool_provider: { status: 'degraded', detail: 'No Databricks credentials: ...' } } },
          { id: 'storage-local', state: 'loaded', health: { storage: { status: 'ok' } } },
        ],
        problems: ["plugin 'agent-claude' agent_backend is degraded: LLM not configured", "plugin 'mcp-databricks' tool_provider is degraded: x", 'storage down'],
      }),
    );
    expect(n.llm).toMatch(/^LLM not configured/);
    expect(n.databricks).toMatch(/^No Databricks credentials/);
    expect(n.agent).toBeNull();
    expect(n.other).toEqual(['storage down']);
  });

  it('tells a missing CLI or agent plugin from missing credentials, and says nothing when all is well', () => {
    const down = credentialNotice(
      health({ plugins: [{ id: 'agent-claude', state: 'loaded', health: { agent_backend: { status: 'down', detail: 'the claude executable was not found' } } }] }),
    );
    expect(down.llm).toBeNull();
    expect(down.agent).toBe('the claude executable was not found');
    expect(credentialNotice(health({ plugins: [] })).agent).toMatch(/No agent backend/);
    const ok = credentialNotice(
      health({
        plugins: [
          { id: 'agent-claude', state: 'loaded', health: { agent_backend: { status: 'ok' } } },
          { id: 'mcp-databricks', state: 'loaded', health: { tool_provider: { status: 'ok' } } },
        ],
      }),
    );
    expect(ok).toEqual({ llm: null, databricks: null, agent: null, other: [] });
    expect(credentialNotice(null).llm).toBeNull();
  });

  it('reports a plugin that failed to load', () => {
    const n = credentialNotice(health({ plugins: [{ id: 'mcp-databricks', state: 'failed', error: 'cannot be loaded' }, { id: 'agent-claude', state: 'loaded' }] }));
    expect(n.databricks).toBe('cannot be loaded');
  });
});

describe('router', () => {
  it('parses the app\'s paths', () => {
    expect(parseRoute('/')).toEqual({ name: 'home' });
    expect(parseRoute('/status/')).toEqual({ name: 'status' });
    expect(parseRoute('/projects/p1')).toEqual({ name: 'project', projectId: 'p1', conversationId: null });
    expect(parseRoute(projectPath('p 1', 'c/2'))).toEqual({ name: 'project', projectId: 'p 1', conversationId: 'c/2' });
    expect(parseRoute('/nope')).toEqual({ name: 'not_found', path: '/nope' });
  });
});

describe('format', () => {
  it('formats figures and tool names', () => {
    expect(formatDuration(1840)).toBe('1.8 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatTokens(2104)).toBe('2.1k');
    expect(formatTokens(6)).toBe('6');
    expect(formatCost(0.0012)).toBe('$0.0012');
    expect(formatCost(1.5)).toBe('$1.50');
    expect(splitToolName('mcp__databricks__execute_sql')).toEqual({ tool: 'execute_sql', server: 'databricks' });
    expect(splitToolName('Write')).toEqual({ tool: 'Write' });
    expect(resultText([{ type: 'text', text: 'a' }, { type: 'image', data: 'x' }, { type: 'text', text: 'b' }])).toBe('a\nb');
  });

  it('highlights by extension and escapes what it cannot highlight', () => {
    expect(languageForPath('src/bronze_orders.sql')).toBe('sql');
    expect(languageForPath('notebook.PY')).toBe('python');
    expect(languageForPath('README')).toBeUndefined();
    expect(highlight('SELECT 1', 'sql')).toContain('<span class="hljs-keyword">SELECT</span>');
    expect(highlight('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(highlight('<b>x</b>', 'xml')).not.toContain('<b>');
  });
});
