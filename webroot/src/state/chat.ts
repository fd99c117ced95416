// The chat's state as a pure reducer: stored messages and the agent's event stream (docs/events.md)
// in, turns with text, thinking, tool cards, errors, the todo list, open permission requests and
// each turn's figures out. No I/O here: src/state/useChat.ts does the fetching and dispatches.
import type { Run, StoredMessage } from '../api/types';

export type ToolStatus = 'running' | 'done' | 'error' | 'interrupted';

export interface ToolResult {
  content: unknown;
  isError: boolean;
  structured?: unknown;
}

export interface ToolProgress {
  elapsedS?: number;
  message?: string;
  progress?: number;
  total?: number;
}

export interface TextPart {
  kind: 'text';
  key: string;
  text: string;
  final: boolean;
}
export interface ThinkingPart {
  kind: 'thinking';
  key: string;
  text: string;
  final: boolean;
}
export interface ToolPart {
  kind: 'tool';
  key: string;
  id: string;
  name: string;
  displayName?: string;
  input: unknown;
  status: ToolStatus;
  result?: ToolResult;
  progress?: ToolProgress;
  permission?: 'pending' | 'allow' | 'deny';
  /** The open (or last) permission request for this call. */
  permissionRequestId?: string;
}
export interface ErrorPart {
  kind: 'error';
  key: string;
  code: string;
  message: string;
  retryable: boolean;
}
export type Part = TextPart | ThinkingPart | ToolPart | ErrorPart;

export interface TurnStats {
  durationMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheCreationTokens?: number;
  costUsd?: number;
  numTurns?: number;
}

export type TurnStatus = 'sending' | 'running' | 'completed' | 'cancelled' | 'failed';

export interface Turn {
  key: string;
  runId: string | null;
  userText: string;
  parts: Part[];
  status: TurnStatus;
  stats?: TurnStats;
  model?: string;
  /** The agent's `status` event (requesting, retrying, compacting) while running. */
  activity?: string;
  /** The first error of the turn (an `error` event, or the request failing before the stream). */
  error?: { code: string; message: string; retryable: boolean };
  /** The stream broke and is being (or could not be) re-established. */
  connection?: { state: 'reconnecting' | 'lost'; message: string };
  stopping?: boolean;
  /** The highest event id applied: events with an id at or below it are replays and ignored. */
  lastEventId: number;
}

export interface Todo {
  content: string;
  status: 'pending' | 'in_progress' | 'completed' | string;
  activeForm?: string;
}

export interface PermissionRequest {
  runId: string;
  requestId: string;
  toolName: string;
  displayName?: string;
  input: unknown;
  toolUseId?: string;
  timeoutS?: number;
}

export interface ChatState {
  turns: Turn[];
  todos: Todo[];
  permissions: PermissionRequest[];
  nextKey: number;
}

export const initialChatState: ChatState = { turns: [], todos: [], permissions: [], nextKey: 0 };

export type ChatAction =
  | { type: 'load'; messages: StoredMessage[]; runs?: Run[]; activeRunId?: string | null }
  | { type: 'send'; text: string }
  | { type: 'invoke_failed'; code: string; message: string; retryable?: boolean }
  | { type: 'started'; runId: string }
  | { type: 'event'; runId: string; id: number; event: string; data: Record<string, unknown> }
  | { type: 'connection'; runId: string; state: 'ok' | 'reconnecting' | 'lost'; message?: string }
  | { type: 'stopping'; runId: string }
  | { type: 'permission_answered'; requestId: string; decision?: 'allow' | 'deny' }
  | { type: 'reset' };

// ---------------------------------------------------------------------------------------------
// helpers

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function newTurn(key: string, runId: string | null, userText: string, status: TurnStatus): Turn {
  return { key, runId, userText, parts: [], status, lastEventId: -1 };
}

function statsFromResult(d: Record<string, unknown>): TurnStats {
  const usage = (d.usage && typeof d.usage === 'object' ? d.usage : {}) as Record<string, unknown>;
  return {
    durationMs: num(d.duration_ms),
    inputTokens: num(usage.input_tokens),
    outputTokens: num(usage.output_tokens),
    cacheReadTokens: num(usage.cache_read_input_tokens),
    cacheCreationTokens: num(usage.cache_creation_input_tokens),
    costUsd: num(d.cost_usd),
    numTurns: num(d.num_turns),
  };
}

function statsFromRun(r: Run): TurnStats | undefined {
  const usage = (r.usage ?? {}) as Record<string, unknown>;
  let durationMs: number | undefined;
  if (r.started_at && r.ended_at) {
    const d = Date.parse(r.ended_at) - Date.parse(r.started_at);
    if (Number.isFinite(d) && d >= 0) durationMs = d;
  }
  if (r.usage == null && r.cost_usd == null && durationMs === undefined) return undefined;
  return {
    durationMs,
    inputTokens: num(usage.input_tokens),
    outputTokens: num(usage.output_tokens),
    cacheReadTokens: num(usage.cache_read_input_tokens),
    cacheCreationTokens: num(usage.cache_creation_input_tokens),
    costUsd: num(r.cost_usd),
  };
}

function replacePart(parts: Part[], i: number, p: Part): Part[] {
  const copy = parts.slice();
  copy[i] = p;
  return copy;
}

function findTool(parts: Part[], id: string): number {
  return parts.findIndex((p) => p.kind === 'tool' && p.id === id);
}

/** Marks the tool cards that never got a result once their turn is over. */
function closeTools(parts: Part[]): Part[] {
  if (!parts.some((p) => p.kind === 'tool' && p.status === 'running')) return parts;
  return parts.map((p) => (p.kind === 'tool' && p.status === 'running' ? { ...p, status: 'interrupted' } : p));
}

// ---------------------------------------------------------------------------------------------
// stored messages -> turns

function turnsFromMessages(messages: StoredMessage[], runs: Run[] | undefined, activeRunId: string | null): Turn[] {
  const runById = new Map((runs ?? []).map((r) => [r.id, r]));
  const turns: Turn[] = [];
  let n = 0;
  const current = (runId: string | null): Turn => {
    const last = turns[turns.length - 1];
    if (last && (last.runId === runId || runId === null)) return last;
    const t = newTurn(`m${n++}`, runId, '', 'completed');
    turns.push(t);
    return t;
  };
  for (const m of [...messages].sort((a, b) => a.seq - b.seq)) {
    const blocks = Array.isArray(m.blocks) ? m.blocks : [];
    const isToolResults = m.role === 'user' && blocks.length > 0 && blocks.every((b) => b.type === 'tool_result');
    if (m.role === 'user' && !isToolResults) {
      const text =
        blocks
          .filter((b) => b.type === 'text')
          .map((b) => str((b as { text?: unknown }).text))
          .join('\n\n') || m.content;
      turns.push(newTurn(`m${n++}`, m.run_id, text, 'completed'));
      continue;
    }
    const turn = current(m.run_id);
    blocks.forEach((b, i) => {
      const key = `s${m.seq}:${i}`;
      if (b.type === 'text') {
        turn.parts.push({ kind: 'text', key, text: str((b as { text?: unknown }).text), final: true });
      } else if (b.type === 'thinking') {
        turn.parts.push({ kind: 'thinking', key, text: str((b as { thinking?: unknown }).thinking), final: true });
      } else if (b.type === 'tool_use') {
        const t = b as { id?: unknown; name?: unknown; input?: unknown; display_name?: unknown };
        turn.parts.push({
          kind: 'tool',
          key,
          id: str(t.id, key),
          name: str(t.name, 'tool'),
          displayName: typeof t.display_name === 'string' ? t.display_name : undefined,
          input: t.input,
          status: 'running',
        });
      } else if (b.type === 'tool_result') {
        const r = b as { tool_use_id?: unknown; content?: unknown; is_error?: unknown; structured_content?: unknown };
        const id = str(r.tool_use_id);
        const result: ToolResult = { content: r.content, isError: r.is_error === true, structured: r.structured_content };
        // The card is usually in this turn; look back through earlier ones too.
        let attached = false;
        for (let ti = turns.length - 1; ti >= 0 && !attached; ti--) {
          const idx = findTool(turns[ti].parts, id);
          if (idx >= 0) {
            const p = turns[ti].parts[idx] as ToolPart;
            turns[ti].parts[idx] = { ...p, result, status: result.isError ? 'error' : 'done' };
            attached = true;
          }
        }
        if (!attached) {
          turn.parts.push({ kind: 'tool', key, id, name: 'tool', input: undefined, result, status: result.isError ? 'error' : 'done' });
        }
      } else if (b.type === 'error') {
        const e = b as { code?: unknown; message?: unknown; retryable?: unknown };
        const err = { code: str(e.code, 'error'), message: str(e.message, 'error'), retryable: e.retryable === true };
        turn.parts.push({ kind: 'error', key, ...err });
        turn.error ??= err;
      }
      // other block types are skipped (docs/api.md: "skip types you do not know")
    });
  }
  for (const t of turns) {
    const run = t.runId ? runById.get(t.runId) : undefined;
    if (t.runId && t.runId === activeRunId) {
      // The live run is replayed from its events (useChat): drop what storage has of it so far,
      // which may lag the events by a batch.
      t.parts = [];
      t.error = undefined;
      t.status = 'running';
      continue;
    }
    if (run) {
      t.status = run.status === 'running' ? 'failed' : run.status; // a run no longer live
      t.stats = statsFromRun(run);
      if (run.error && !t.error) {
        const e = run.error as { code?: string; message?: string; retryable?: boolean };
        t.error = { code: e.code ?? 'error', message: e.message ?? 'error', retryable: e.retryable === true };
      }
    } else if (t.error) {
      t.status = 'failed';
    }
    t.parts = closeTools(t.parts);
  }
  return turns;
}

// ---------------------------------------------------------------------------------------------
// one event -> the turn it belongs to

function applyEvent(turn: Turn, event: string, d: Record<string, unknown>, id: number): Turn {
  const t: Turn = { ...turn, lastEventId: id, connection: undefined };
  const blockKey = `${str(d.message_id)}:${String(d.index ?? 0)}`;
  switch (event) {
    case 'run_started':
      if (t.status === 'sending') t.status = 'running';
      return t;
    case 'session':
      t.model = typeof d.model === 'string' ? d.model : t.model;
      return t;
    case 'status': {
      const state = str(d.state);
      if (state === 'retrying') {
        const attempt = num(d.attempt);
        const max = num(d.max_retries);
        t.activity = `retrying${attempt !== undefined ? ` (attempt ${attempt}${max !== undefined ? ` of ${max}` : ''})` : ''}`;
      } else {
        t.activity = state || undefined;
      }
      return t;
    }
    case 'text_delta':
    case 'thinking_delta': {
      const kind = event === 'text_delta' ? 'text' : 'thinking';
      const piece = str(event === 'text_delta' ? d.text : d.thinking);
      const i = t.parts.findIndex((p) => p.kind === kind && p.key === blockKey);
      if (i < 0) {
        t.parts = [...t.parts, { kind, key: blockKey, text: piece, final: false } as Part];
      } else {
        const p = t.parts[i] as TextPart | ThinkingPart;
        if (!p.final) t.parts = replacePart(t.parts, i, { ...p, text: p.text + piece });
      }
      if (kind === 'text') t.activity = undefined;
      return t;
    }
    case 'text':
    case 'thinking': {
      const kind = event;
      const full = str(event === 'text' ? d.text : d.thinking);
      const i = t.parts.findIndex((p) => p.kind === kind && p.key === blockKey);
      const part = { kind, key: blockKey, text: full, final: true } as Part;
      t.parts = i < 0 ? [...t.parts, part] : replacePart(t.parts, i, part);
      return t;
    }
    case 'tool_use': {
      const toolId = str(d.id, blockKey);
      const i = findTool(t.parts, toolId);
      const base: ToolPart = {
        kind: 'tool',
        key: blockKey,
        id: toolId,
        name: str(d.name, 'tool'),
        displayName: typeof d.display_name === 'string' ? d.display_name : undefined,
        input: d.input,
        status: 'running',
      };
      t.parts = i < 0 ? [...t.parts, base] : replacePart(t.parts, i, { ...(t.parts[i] as ToolPart), ...base, key: t.parts[i].key, status: (t.parts[i] as ToolPart).status });
      t.activity = undefined;
      return t;
    }
    case 'tool_progress': {
      const i = findTool(t.parts, str(d.tool_use_id));
      if (i < 0) return t;
      const p = t.parts[i] as ToolPart;
      t.parts = replacePart(t.parts, i, {
        ...p,
        progress: {
          elapsedS: num(d.elapsed_s),
          message: typeof d.message === 'string' ? d.message : p.progress?.message,
          progress: num(d.progress),
          total: num(d.total),
        },
      });
      return t;
    }
    case 'tool_result': {
      const toolId = str(d.tool_use_id);
      const result: ToolResult = { content: d.content, isError: d.is_error === true, structured: d.structured_content };
      const status: ToolStatus = result.isError ? 'error' : 'done';
      const i = findTool(t.parts, toolId);
      if (i < 0) {
        t.parts = [...t.parts, { kind: 'tool', key: `result:${toolId}`, id: toolId, name: 'tool', input: undefined, status, result }];
      } else {
        t.parts = replacePart(t.parts, i, { ...(t.parts[i] as ToolPart), status, result });
      }
      return t;
    }
    case 'permission_request': {
      const i = findTool(t.parts, str(d.tool_use_id));
      if (i >= 0) {
        t.parts = replacePart(t.parts, i, { ...(t.parts[i] as ToolPart), permission: 'pending', permissionRequestId: str(d.request_id) });
      }
      return t;
    }
    case 'permission_resolved': {
      const i = t.parts.findIndex((p) => p.kind === 'tool' && p.permissionRequestId === str(d.request_id));
      if (i >= 0) t.parts = replacePart(t.parts, i, { ...(t.parts[i] as ToolPart), permission: str(d.decision) === 'allow' ? 'allow' : 'deny' });
      return t;
    }
    case 'result':
      t.stats = statsFromResult(d);
      t.activity = undefined;
      return t;
    case 'error': {
      const err = { code: str(d.code, 'error'), message: str(d.message, 'The agent failed'), retryable: d.retryable === true };
      t.parts = [...t.parts, { kind: 'error', key: `error:${id}`, ...err }];
      if (err.code !== 'permission_timeout') t.error ??= err;
      return t;
    }
    case 'done': {
      const s = str(d.status);
      t.status = s === 'completed' || s === 'cancelled' || s === 'failed' ? s : 'completed';
      t.activity = undefined;
      t.stopping = false;
      t.parts = closeTools(t.parts);
      return t;
    }
    default:
      return t; // unknown event types are ignored
  }
}

// ---------------------------------------------------------------------------------------------

function updateTurnAt(state: ChatState, i: number, turn: Turn): ChatState {
  const turns = state.turns.slice();
  turns[i] = turn;
  return { ...state, turns };
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'reset':
      return initialChatState;
    case 'load':
      return {
        ...state,
        turns: turnsFromMessages(action.messages, action.runs, action.activeRunId ?? null),
        permissions: [],
        todos: [],
      };
    case 'send': {
      const t = newTurn(`local${state.nextKey}`, null, action.text, 'sending');
      return { ...state, turns: [...state.turns, t], nextKey: state.nextKey + 1 };
    }
    case 'invoke_failed': {
      const i = state.turns.findIndex((t) => t.status === 'sending');
      if (i < 0) return state;
      const err = { code: action.code, message: action.message, retryable: action.retryable ?? true };
      return updateTurnAt(state, i, { ...state.turns[i], status: 'failed', error: err });
    }
    case 'started': {
      if (state.turns.some((t) => t.runId === action.runId)) return state;
      const i = state.turns.findIndex((t) => t.status === 'sending' && t.runId === null);
      if (i < 0) return { ...state, turns: [...state.turns, newTurn(`run:${action.runId}`, action.runId, '', 'running')] };
      return updateTurnAt(state, i, { ...state.turns[i], runId: action.runId, status: 'running' });
    }
    case 'connection': {
      const i = state.turns.findIndex((t) => t.runId === action.runId);
      if (i < 0) return state;
      const connection = action.state === 'ok' ? undefined : { state: action.state, message: action.message ?? '' };
      return updateTurnAt(state, i, { ...state.turns[i], connection });
    }
    case 'stopping': {
      const i = state.turns.findIndex((t) => t.runId === action.runId);
      if (i < 0) return state;
      return updateTurnAt(state, i, { ...state.turns[i], stopping: true });
    }
    case 'permission_answered': {
      // Close the dialog at once; permission_resolved confirms it.
      let s: ChatState = { ...state, permissions: state.permissions.filter((p) => p.requestId !== action.requestId) };
      if (action.decision) {
        const ti = s.turns.findIndex((t) => t.parts.some((p) => p.kind === 'tool' && p.permissionRequestId === action.requestId));
        if (ti >= 0) {
          const t = s.turns[ti];
          const pi = t.parts.findIndex((p) => p.kind === 'tool' && p.permissionRequestId === action.requestId);
          s = updateTurnAt(s, ti, { ...t, parts: replacePart(t.parts, pi, { ...(t.parts[pi] as ToolPart), permission: action.decision }) });
        }
      }
      return s;
    }
    case 'event': {
      const { runId, id, event, data } = action;
      let i = state.turns.findIndex((t) => t.runId === runId);
      let s = state;
      if (i < 0) {
        // The run of a message sent from here (its X-Run-Id not seen yet), or one we attach to.
        s = chatReducer(state, { type: 'started', runId });
        i = s.turns.findIndex((t) => t.runId === runId);
      }
      const turn = s.turns[i];
      if (id <= turn.lastEventId) return state; // a replayed event: applied already
      s = updateTurnAt(s, i, applyEvent(turn, event, data, id));
      if (event === 'todos' && Array.isArray(data.todos)) {
        s = { ...s, todos: data.todos as Todo[] };
      } else if (event === 'permission_request') {
        const requestId = str(data.request_id);
        if (!s.permissions.some((p) => p.requestId === requestId)) {
          s = {
            ...s,
            permissions: [
              ...s.permissions,
              {
                runId,
                requestId,
                toolName: str(data.tool_name, 'tool'),
                displayName: typeof data.display_name === 'string' ? data.display_name : undefined,
                input: data.input,
                toolUseId: typeof data.tool_use_id === 'string' ? data.tool_use_id : undefined,
                timeoutS: num(data.timeout_s),
              },
            ],
          };
        }
      } else if (event === 'permission_resolved') {
        const requestId = str(data.request_id);
        s = { ...s, permissions: s.permissions.filter((p) => p.requestId !== requestId) };
      } else if (event === 'done') {
        s = { ...s, permissions: s.permissions.filter((p) => p.runId !== runId) };
      }
      return s;
    }
    default:
      return state;
  }
}

/** The run the UI is following, if any: the last turn that is still sending or running. */
export function liveTurn(state: ChatState): Turn | undefined {
  const last = state.turns[state.turns.length - 1];
  return last && (last.status === 'sending' || last.status === 'running') ? last : undefined;
}
