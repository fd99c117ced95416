// The chat against a fake host (fetch stubbed): sending streams the answer in, a reload reattaches
// to the live run and resumes with Last-Event-ID, permission answers and Stop reach the API.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Chat } from './Chat';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** An event stream the test writes to. */
function sseStream() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  const enc = new TextEncoder();
  return {
    body,
    send(id: number, event: string, data: unknown) {
      ctl.enqueue(enc.encode(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
    },
    close: () => ctl.close(),
  };
}

type Call = { url: string; method: string; headers: Record<string, string>; body?: unknown };

function fakeHost(routes: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const call: Call = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    return routes(call);
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}

const json = (v: unknown, status = 200) => new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json' } });
const sse = (body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream', ...headers } });

describe('Chat', () => {
  it('streams a new conversation\'s answer as it arrives, then shows the turn figures', async () => {
    const stream = sseStream();
    const calls = fakeHost((c) => {
      if (c.url === '/api/agent/invoke') return sse(stream.body, { 'X-Run-Id': 'r1', 'X-Conversation-Id': 'c1' });
      return json({ error: { code: 'not_found', message: 'no' } }, 404);
    });
    const created = vi.fn();
    const ended = vi.fn();
    render(<Chat projectId="p1" conversationId={null} onConversationCreated={created} onTurnEnded={ended} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'Say hello' } });
    fireEvent.keyDown(box, { key: 'Enter' });

    await waitFor(() => expect(created).toHaveBeenCalledWith('c1'));
    expect(calls[0]).toMatchObject({ url: '/api/agent/invoke', method: 'POST', body: { project_id: 'p1', conversation_id: null, message: 'Say hello' } });
    expect(screen.getByText('Say hello')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Stop the agent' })).toBeTruthy();

    act(() => {
      stream.send(0, 'run_started', { run_id: 'r1' });
      stream.send(1, 'text_delta', { message_id: 'm', index: 0, text: 'Hel' });
    });
    expect(await screen.findByText('Hel')).toBeTruthy();
    act(() => stream.send(2, 'text_delta', { message_id: 'm', index: 0, text: 'lo **there**' }));
    expect((await screen.findByText('there')).tagName).toBe('STRONG');

    act(() => {
      stream.send(3, 'result', { duration_ms: 1840, cost_usd: 0.0012, usage: { input_tokens: 2104, output_tokens: 6 } });
      stream.send(4, 'done', { status: 'completed' });
      stream.close();
    });
    const summary = await screen.findByLabelText('Turn summary');
    expect(summary.textContent).toBe('Completed 1.8 s · 2.1k in / 6 out tokens · $0.0012');
    await waitFor(() => expect(ended).toHaveBeenCalled());
    expect(screen.getByRole('button', { name: 'Send message' })).toBeTruthy();
  });

  it('reattaches to the live run after a reload and resumes with Last-Event-ID when the stream breaks', async () => {
    const first = sseStream();
    const second = sseStream();
    let eventsCalls = 0;
    const calls = fakeHost((c) => {
      if (c.url === '/api/conversations/c1')
        return json({
          id: 'c1',
          project_id: 'p1',
          title: 't',
          active_run_id: 'r2',
          next_after_seq: null,
          messages: [
            { seq: 0, role: 'user', blocks: [{ type: 'text', text: 'Long job' }], content: 'Long job', is_error: false, run_id: 'r2', created_at: '' },
            { seq: 1, role: 'assistant', blocks: [{ type: 'text', text: 'Work' }], content: 'Work', is_error: false, run_id: 'r2', created_at: '' },
          ],
        });
      if (c.url.startsWith('/api/conversations/c1/runs')) return json([]);
      if (c.url === '/api/agent/runs/r2/events') return sse((eventsCalls++ === 0 ? first : second).body);
      if (c.url === '/api/agent/runs/r2/stop') return json({ run_id: 'r2', status: 'stopping' }, 202);
      return json({ error: { code: 'not_found', message: c.url } }, 404);
    });
    render(<Chat projectId="p1" conversationId="c1" />);
    expect(await screen.findByText('Long job')).toBeTruthy();
    await waitFor(() => expect(eventsCalls).toBe(1));
    // a replay from the start: no Last-Event-ID
    expect(calls.find((c) => c.url.endsWith('/events'))!.headers['Last-Event-ID']).toBeUndefined();
    act(() => {
      first.send(0, 'run_started', {});
      first.send(1, 'text_delta', { message_id: 'm', index: 0, text: 'Working' });
      first.send(2, 'tool_use', { message_id: 'm', index: 1, id: 't1', name: 'mcp__databricks__execute_sql', input: { query: 'SELECT 1' } });
      first.close(); // the connection drops without `done`
    });
    await waitFor(() => expect(eventsCalls).toBe(2), { timeout: 3000 });
    const resumed = calls.filter((c) => c.url.endsWith('/events'))[1];
    expect(resumed.headers['Last-Event-ID']).toBe('2');
    act(() => {
      // the server may repeat an event; it must not show twice
      second.send(2, 'tool_use', { message_id: 'm', index: 1, id: 't1', name: 'mcp__databricks__execute_sql', input: { query: 'SELECT 1' } });
      second.send(3, 'tool_result', { tool_use_id: 't1', content: 'one row (text)', is_error: false, structured_content: { columns: ['x'], rows: [['1']], row_count: 1 } });
    });
    expect((await screen.findByRole('table')).textContent).toBe('x1');
    expect(screen.getByText('1 row')).toBeTruthy();
    expect(screen.getAllByRole('region', { name: /execute_sql/ })).toHaveLength(1);
    expect(screen.getByText('Working')).toBeTruthy(); // the stored "Work" was replaced by the replay

    fireEvent.click(screen.getByRole('button', { name: 'Stop the agent' }));
    await waitFor(() => expect(calls.some((c) => c.url === '/api/agent/runs/r2/stop' && c.method === 'POST')).toBe(true));
    act(() => {
      second.send(4, 'done', { status: 'cancelled' });
      second.close();
    });
    expect((await screen.findByLabelText('Turn summary')).textContent).toContain('Stopped');
  });

  it('asks for permission in a dialog and posts the answer', async () => {
    const stream = sseStream();
    const calls = fakeHost((c) => {
      if (c.url === '/api/conversations/c1') return json({ id: 'c1', project_id: 'p1', title: 't', active_run_id: null, next_after_seq: null, messages: [] });
      if (c.url.startsWith('/api/conversations/c1/runs')) return json([]);
      if (c.url === '/api/agent/invoke') return sse(stream.body, { 'X-Run-Id': 'r3', 'X-Conversation-Id': 'c1' });
      if (c.url === '/api/agent/runs/r3/permissions/req1') return json({ ok: true });
      return json({ error: { code: 'not_found', message: c.url } }, 404);
    });
    render(<Chat projectId="p1" conversationId="c1" />);
    await screen.findByText('What should the agent build?');
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'Write a file' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send message' }));
    await waitFor(() => expect(calls.some((c) => c.url === '/api/agent/invoke')).toBe(true));
    expect(calls.find((c) => c.url === '/api/agent/invoke')!.body).toMatchObject({ conversation_id: 'c1' });
    act(() => {
      stream.send(0, 'run_started', {});
      stream.send(1, 'tool_use', { message_id: 'm', index: 0, id: 'tw', name: 'Write', input: { file_path: 'a.py', content: 'print(1)' } });
      stream.send(2, 'permission_request', { request_id: 'req1', tool_name: 'Write', input: { file_path: 'a.py' }, tool_use_id: 'tw', timeout_s: 60 });
    });
    const dialog = await screen.findByRole('dialog', { name: 'Allow this tool?' });
    expect(screen.getByText('waiting for permission')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Always allow' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(dialog.isConnected).toBe(false);
    const answer = calls.find((c) => c.url === '/api/agent/runs/r3/permissions/req1')!;
    expect(answer).toMatchObject({ method: 'POST', body: { decision: 'allow', remember: true } });
  });

  it('shows a refused message in place with a retry that sends it again', async () => {
    let invokes = 0;
    fakeHost((c) => {
      if (c.url === '/api/conversations/c1') return json({ id: 'c1', project_id: 'p1', title: 't', active_run_id: null, next_after_seq: null, messages: [] });
      if (c.url.startsWith('/api/conversations/c1/runs')) return json([]);
      if (c.url === '/api/agent/invoke') {
        invokes++;
        return json({ error: { code: 'agent_unavailable', message: 'no agent backend is enabled' } }, 503);
      }
      return json({}, 404);
    });
    render(<Chat projectId="p1" conversationId="c1" />);
    await screen.findByText('What should the agent build?');
    fireEvent.change(screen.getByRole('textbox', { name: 'Message' }), { target: { value: 'hello' } });
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'Message' }), { key: 'Enter' });
    expect((await screen.findByRole('alert')).textContent).toContain('no agent backend is enabled');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(invokes).toBe(2));
  });
});
