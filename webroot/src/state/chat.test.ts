import { describe, expect, it } from 'vitest';
import { chatReducer, initialChatState, liveTurn, type ChatAction, type ChatState, type ToolPart, type TextPart } from './chat';
import type { Run, StoredMessage } from '../api/types';

const RUN = 'run-1';
let nextId = 0;
const ev = (event: string, data: Record<string, unknown>, id = nextId++, runId = RUN): ChatAction => ({ type: 'event', runId, id, event, data });
const apply = (s: ChatState, actions: ChatAction[]) => actions.reduce(chatReducer, s);

describe('chatReducer: a streamed turn', () => {
  it('puts the sent message in a turn that the run then claims', () => {
    nextId = 0;
    let s = chatReducer(initialChatState, { type: 'send', text: 'Say hello' });
    expect(s.turns).toHaveLength(1);
    expect(s.turns[0]).toMatchObject({ userText: 'Say hello', status: 'sending', runId: null });
    expect(liveTurn(s)?.userText).toBe('Say hello');
    s = chatReducer(s, { type: 'started', runId: RUN });
    s = chatReducer(s, ev('run_started', { run_id: RUN, conversation_id: 'c1' }));
    expect(s.turns).toHaveLength(1);
    expect(s.turns[0]).toMatchObject({ runId: RUN, status: 'running' });
  });

  it('merges text deltas of one block and lets the final text replace them', () => {
    nextId = 0;
    let s = apply(initialChatState, [
      { type: 'send', text: 'hi' },
      ev('run_started', {}),
      ev('text_delta', { message_id: 'msg_01', index: 0, text: 'Hel' }),
      ev('text_delta', { message_id: 'msg_01', index: 0, text: 'lo' }),
      ev('text_delta', { message_id: 'msg_01', index: 1, text: 'Second block' }),
    ]);
    const texts = () => s.turns[0].parts.filter((p): p is TextPart => p.kind === 'text');
    expect(texts().map((p) => p.text)).toEqual(['Hello', 'Second block']);
    expect(texts()[0].final).toBe(false);
    s = chatReducer(s, ev('text', { message_id: 'msg_01', index: 0, text: 'Hello!' }));
    expect(texts().map((p) => p.text)).toEqual(['Hello!', 'Second block']);
    expect(texts()[0].final).toBe(true);
    // A late delta of a completed block changes nothing.
    s = chatReducer(s, ev('text_delta', { message_id: 'msg_01', index: 0, text: 'x' }));
    expect(texts()[0].text).toBe('Hello!');
  });

  it('folds thinking into its own part', () => {
    nextId = 0;
    const s = apply(initialChatState, [
      { type: 'send', text: 'q' },
      ev('thinking_delta', { message_id: 'm', index: 0, thinking: 'Let me ' }),
      ev('thinking_delta', { message_id: 'm', index: 0, thinking: 'think' }),
      ev('text', { message_id: 'm', index: 1, text: 'Answer' }),
    ]);
    expect(s.turns[0].parts.map((p) => p.kind)).toEqual(['thinking', 'text']);
    expect((s.turns[0].parts[0] as TextPart).text).toBe('Let me think');
  });

  it('builds a tool card from tool_use, tool_progress and tool_result', () => {
    nextId = 0;
    let s = apply(initialChatState, [
      { type: 'send', text: 'count orders' },
      ev('tool_use', { message_id: 'm1', index: 1, id: 'toolu_1', name: 'mcp__databricks__execute_sql', input: { query: 'SELECT 1' } }),
    ]);
    const card = () => s.turns[0].parts.find((p): p is ToolPart => p.kind === 'tool')!;
    expect(card()).toMatchObject({ id: 'toolu_1', name: 'mcp__databricks__execute_sql', status: 'running', input: { query: 'SELECT 1' } });
    s = chatReducer(s, ev('tool_progress', { tool_use_id: 'toolu_1', tool_name: 'mcp__databricks__execute_sql', elapsed_s: 12, message: 'statement RUNNING' }));
    expect(card().progress).toEqual({ elapsedS: 12, message: 'statement RUNNING', progress: undefined, total: undefined });
    const structured = { columns: [{ name: 'n', type: 'bigint' }], rows: [['42']], row_count: 1 };
    s = chatReducer(s, ev('tool_result', { tool_use_id: 'toolu_1', content: '1 row', is_error: false, structured_content: structured }));
    expect(card().status).toBe('done');
    expect(card().result).toEqual({ content: '1 row', isError: false, structured });
    // progress for an unknown tool is ignored
    const before = s;
    s = chatReducer(s, ev('tool_progress', { tool_use_id: 'nope' }));
    expect(s.turns[0].parts).toEqual(before.turns[0].parts);
  });

  it('marks a failed tool as error and keeps running tools interrupted when the turn ends', () => {
    nextId = 0;
    const s = apply(initialChatState, [
      { type: 'send', text: 'x' },
      ev('tool_use', { message_id: 'm', index: 0, id: 'a', name: 'Bash', input: { command: 'false' } }),
      ev('tool_use', { message_id: 'm', index: 1, id: 'b', name: 'Read', input: {} }),
      ev('tool_result', { tool_use_id: 'a', content: [{ type: 'text', text: 'exit 1' }], is_error: true }),
      ev('done', { status: 'cancelled' }),
    ]);
    const tools = s.turns[0].parts.filter((p): p is ToolPart => p.kind === 'tool');
    expect(tools.map((t) => t.status)).toEqual(['error', 'interrupted']);
    expect(s.turns[0].status).toBe('cancelled');
    expect(liveTurn(s)).toBeUndefined();
  });

  it('records errors in place and the turn fails', () => {
    nextId = 0;
    const s = apply(initialChatState, [
      { type: 'send', text: 'x' },
      ev('error', { code: 'llm_not_configured', message: 'No LLM credentials', retryable: false }),
      ev('done', { status: 'failed' }),
    ]);
    const t = s.turns[0];
    expect(t.status).toBe('failed');
    expect(t.error).toEqual({ code: 'llm_not_configured', message: 'No LLM credentials', retryable: false });
    expect(t.parts).toContainEqual(expect.objectContaining({ kind: 'error', code: 'llm_not_configured' }));
  });

  it('fails the sending turn when the invoke request is refused', () => {
    const s = apply(initialChatState, [
      { type: 'send', text: 'x' },
      { type: 'invoke_failed', code: 'run_in_progress', message: 'busy', retryable: true },
    ]);
    expect(s.turns[0]).toMatchObject({ status: 'failed', error: { code: 'run_in_progress', retryable: true } });
  });

  it('keeps the turn figures of result and done', () => {
    nextId = 0;
    const s = apply(initialChatState, [
      { type: 'send', text: 'x' },
      ev('status', { state: 'requesting' }),
      ev('result', {
        subtype: 'success',
        is_error: false,
        duration_ms: 1840,
        num_turns: 1,
        cost_usd: 0.0012,
        usage: { input_tokens: 2104, output_tokens: 6, cache_read_input_tokens: 100 },
      }),
      ev('done', { status: 'completed' }),
    ]);
    expect(s.turns[0].status).toBe('completed');
    expect(s.turns[0].activity).toBeUndefined();
    expect(s.turns[0].stats).toEqual({
      durationMs: 1840,
      inputTokens: 2104,
      outputTokens: 6,
      cacheReadTokens: 100,
      cacheCreationTokens: undefined,
      costUsd: 0.0012,
      numTurns: 1,
    });
  });

  it('replaces the todo list whole', () => {
    nextId = 0;
    let s = apply(initialChatState, [
      { type: 'send', text: 'x' },
      ev('todos', { todos: [{ content: 'a', status: 'in_progress', activeForm: 'Doing a' }, { content: 'b', status: 'pending' }] }),
    ]);
    expect(s.todos).toHaveLength(2);
    s = chatReducer(s, ev('todos', { todos: [{ content: 'a', status: 'completed' }] }));
    expect(s.todos).toEqual([{ content: 'a', status: 'completed' }]);
  });

  it('opens and closes permission requests', () => {
    nextId = 0;
    let s = apply(initialChatState, [
      { type: 'send', text: 'x' },
      ev('tool_use', { message_id: 'm', index: 0, id: 'toolu_9', name: 'Write', input: { file_path: 'a.py' } }),
      ev('permission_request', { request_id: 'p1', tool_name: 'Write', input: { file_path: 'a.py' }, tool_use_id: 'toolu_9', timeout_s: 300 }),
    ]);
    expect(s.permissions).toEqual([
      { runId: RUN, requestId: 'p1', toolName: 'Write', displayName: undefined, input: { file_path: 'a.py' }, toolUseId: 'toolu_9', timeoutS: 300 },
    ]);
    expect((s.turns[0].parts[0] as ToolPart).permission).toBe('pending');
    s = chatReducer(s, ev('permission_resolved', { request_id: 'p1', decision: 'deny', reason: 'user' }));
    expect(s.permissions).toEqual([]);
    expect((s.turns[0].parts[0] as ToolPart).permission).toBe('deny');
    // answering here closes the dialog and updates the card at once; the resolution confirms it
    s = apply(s, [
      ev('tool_use', { message_id: 'm', index: 1, id: 'toolu_10', name: 'Bash', input: {} }),
      ev('permission_request', { request_id: 'p2', tool_name: 'Bash', input: {}, tool_use_id: 'toolu_10' }),
    ]);
    s = chatReducer(s, { type: 'permission_answered', requestId: 'p2', decision: 'allow' });
    expect(s.permissions).toEqual([]);
    expect((s.turns[0].parts[1] as ToolPart).permission).toBe('allow');
    s = chatReducer(s, ev('permission_resolved', { request_id: 'p2', decision: 'allow', reason: 'user' }));
    expect((s.turns[0].parts[1] as ToolPart).permission).toBe('allow');
  });

  it('ignores events replayed after a reconnect (ids at or below the last applied)', () => {
    nextId = 0;
    const stream = [
      ev('run_started', {}, 0),
      ev('text_delta', { message_id: 'm', index: 0, text: 'A' }, 1),
      ev('text_delta', { message_id: 'm', index: 0, text: 'B' }, 2),
      ev('tool_use', { message_id: 'm', index: 1, id: 't', name: 'Read', input: {} }, 3),
    ];
    let s = apply(chatReducer(initialChatState, { type: 'send', text: 'x' }), stream);
    // The stream broke after id 3; the server resends 2..5 (as a replay from an older id would).
    s = apply(s, [
      ev('text_delta', { message_id: 'm', index: 0, text: 'B' }, 2),
      ev('tool_use', { message_id: 'm', index: 1, id: 't', name: 'Read', input: {} }, 3),
      ev('tool_result', { tool_use_id: 't', content: 'ok', is_error: false }, 4),
      ev('done', { status: 'completed' }, 5),
    ]);
    const t = s.turns[0];
    expect((t.parts[0] as TextPart).text).toBe('AB');
    expect(t.parts.filter((p) => p.kind === 'tool')).toHaveLength(1);
    expect(t.lastEventId).toBe(5);
    expect(t.status).toBe('completed');
  });

  it('attaches to a run it has no turn for (events of another tab)', () => {
    const s = chatReducer(initialChatState, ev('text', { message_id: 'm', index: 0, text: 'hi' }, 0, 'other'));
    expect(s.turns).toHaveLength(1);
    expect(s.turns[0]).toMatchObject({ runId: 'other', status: 'running', userText: '' });
  });

  it('tracks the connection state of a run', () => {
    nextId = 0;
    let s = apply(initialChatState, [{ type: 'send', text: 'x' }, ev('run_started', {})]);
    s = chatReducer(s, { type: 'connection', runId: RUN, state: 'reconnecting', message: 'network' });
    expect(s.turns[0].connection).toEqual({ state: 'reconnecting', message: 'network' });
    s = chatReducer(s, ev('text', { message_id: 'm', index: 0, text: 'back' }));
    expect(s.turns[0].connection).toBeUndefined();
  });
});

describe('chatReducer: stored messages', () => {
  const messages: StoredMessage[] = [
    { seq: 0, role: 'user', blocks: [{ type: 'text', text: 'Create a bronze table' }], content: 'Create a bronze table', is_error: false, run_id: 'r1', created_at: '' },
    {
      seq: 1,
      role: 'assistant',
      blocks: [
        { type: 'thinking', thinking: 'volume' },
        { type: 'text', text: "I'll look first." },
        { type: 'tool_use', id: 'toolu_01', name: 'execute_sql', input: { query: 'LIST x' } },
      ],
      content: '',
      is_error: false,
      run_id: 'r1',
      created_at: '',
    },
    { seq: 2, role: 'user', blocks: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'orders.csv', is_error: false }], content: '', is_error: false, run_id: 'r1', created_at: '' },
    { seq: 3, role: 'assistant', blocks: [{ type: 'text', text: 'Done.' }, { type: 'mystery' }], content: 'Done.', is_error: false, run_id: 'r1', created_at: '' },
    { seq: 4, role: 'user', blocks: [{ type: 'text', text: 'Next' }], content: 'Next', is_error: false, run_id: 'r2', created_at: '' },
    { seq: 5, role: 'assistant', blocks: [{ type: 'text', text: 'partial' }], content: 'partial', is_error: false, run_id: 'r2', created_at: '' },
  ];
  const runs: Run[] = [
    { id: 'r1', status: 'completed', live: false, started_at: '2026-11-24T10:00:00.000Z', ended_at: '2026-11-24T10:00:02.500Z', usage: { input_tokens: 10, output_tokens: 5 }, cost_usd: 0.01, error: null },
    { id: 'r2', status: 'running', live: true, started_at: '2026-11-24T10:01:00.000Z', ended_at: null, usage: null, cost_usd: null, error: null },
  ];

  it('groups messages into turns, with tool results on their cards and run figures', () => {
    const s = chatReducer(initialChatState, { type: 'load', messages, runs, activeRunId: null });
    expect(s.turns).toHaveLength(2);
    const [t1] = s.turns;
    expect(t1.userText).toBe('Create a bronze table');
    expect(t1.parts.map((p) => p.kind)).toEqual(['thinking', 'text', 'tool', 'text']);
    expect(t1.parts[2]).toMatchObject({ kind: 'tool', id: 'toolu_01', status: 'done', result: { content: 'orders.csv', isError: false } });
    expect(t1.status).toBe('completed');
    expect(t1.stats).toMatchObject({ durationMs: 2500, inputTokens: 10, outputTokens: 5, costUsd: 0.01 });
  });

  it('empties the live run\'s turn so that its events replay into it without duplicates', () => {
    let s = chatReducer(initialChatState, { type: 'load', messages, runs, activeRunId: 'r2' });
    expect(s.turns[1]).toMatchObject({ runId: 'r2', userText: 'Next', status: 'running', parts: [] });
    expect(liveTurn(s)?.runId).toBe('r2');
    s = apply(s, [
      ev('run_started', {}, 0, 'r2'),
      ev('text_delta', { message_id: 'm', index: 0, text: 'partial' }, 1, 'r2'),
      ev('text_delta', { message_id: 'm', index: 0, text: ' and more' }, 2, 'r2'),
    ]);
    expect(s.turns).toHaveLength(2);
    expect(s.turns[1].parts).toEqual([{ kind: 'text', key: 'm:0', text: 'partial and more', final: false }]);
  });
});
