// Drives one conversation: loads its messages, sends a message (POST /api/agent/invoke, an event
// stream), reattaches to a live run (GET /api/agent/runs/{id}/events with Last-Event-ID), stops a
// run and answers permission requests. All state changes go through chatReducer.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { api, ApiError, errorFromResponse } from '../api/client';
import { readSse } from '../lib/sse';
import { chatReducer, initialChatState, liveTurn } from './chat';

export interface UseChatOptions {
  projectId: string;
  conversationId: string | null;
  /** A message sent without a conversation created one (X-Conversation-Id). */
  onConversationCreated?: (id: string) => void;
  /** A turn ended (the conversation list may show a new title or order). */
  onTurnEnded?: () => void;
}

const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000];

export function useChat({ projectId, conversationId, onConversationCreated, onTurnEnded }: UseChatOptions) {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const convId = useRef<string | null>(conversationId);
  const abort = useRef<AbortController | null>(null);
  const lastId = useRef<Map<string, number>>(new Map());
  const callbacks = useRef({ onConversationCreated, onTurnEnded });
  callbacks.current = { onConversationCreated, onTurnEnded };

  /** Reads an event stream to its end; true when it ended with `done`. */
  const consume = useCallback(async (runId: string, body: ReadableStream<Uint8Array>, signal: AbortSignal) => {
    let sawDone = false;
    await readSse(
      body,
      (ev) => {
        const id = Number(ev.id);
        if (!Number.isInteger(id)) return;
        let data: Record<string, unknown> = {};
        try {
          const parsed = JSON.parse(ev.data);
          if (parsed && typeof parsed === 'object') data = parsed as Record<string, unknown>;
        } catch {
          return; // not the protocol: skip
        }
        lastId.current.set(runId, Math.max(id, lastId.current.get(runId) ?? -1));
        dispatch({ type: 'event', runId, id, event: ev.event, data });
        if (ev.event === 'done') sawDone = true;
      },
      signal,
    );
    return sawDone;
  }, []);

  /** Follows a run's events after the last id seen, reconnecting with Last-Event-ID on breaks. */
  const follow = useCallback(
    async (runId: string, signal: AbortSignal) => {
      for (let attempt = 0; ; attempt++) {
        if (signal.aborted) return;
        try {
          const after = lastId.current.get(runId);
          const headers: Record<string, string> = { Accept: 'text/event-stream' };
          if (after !== undefined && after >= 0) headers['Last-Event-ID'] = String(after);
          const res = await fetch(`/api/agent/runs/${encodeURIComponent(runId)}/events`, { headers, signal });
          if (!res.ok || !res.body) throw await errorFromResponse(res);
          dispatch({ type: 'connection', runId, state: 'ok' });
          attempt = 0;
          if (await consume(runId, res.body, signal)) return;
          // closed without `done` (a proxy, a restart): reconnect
        } catch (e) {
          if (signal.aborted || (e as Error).name === 'AbortError') return;
          if (e instanceof ApiError && e.status === 404) {
            dispatch({ type: 'connection', runId, state: 'lost', message: e.message });
            return;
          }
          if (attempt >= RECONNECT_DELAYS_MS.length) {
            dispatch({ type: 'connection', runId, state: 'lost', message: (e as Error).message });
            return;
          }
          dispatch({ type: 'connection', runId, state: 'reconnecting', message: (e as Error).message });
        }
        await new Promise((r) => setTimeout(r, RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)]));
      }
    },
    [consume],
  );

  const newController = () => {
    abort.current?.abort();
    const c = new AbortController();
    abort.current = c;
    return c;
  };

  const load = useCallback(async () => {
    const id = convId.current;
    const c = newController();
    lastId.current.clear();
    if (!id) {
      dispatch({ type: 'reset' });
      setLoadError(null);
      return;
    }
    setLoading(true);
    setLoadError(null);
    try {
      const [conv, runs] = await Promise.all([
        api.conversation(id, c.signal),
        api.runs(id, c.signal).catch(() => undefined),
      ]);
      if (c.signal.aborted) return;
      dispatch({ type: 'load', messages: conv.messages, runs, activeRunId: conv.active_run_id });
      setLoading(false);
      if (conv.active_run_id) {
        // Reattach: replay the live run from its first event (the stored messages may lag the
        // events by a batch), then follow it; later breaks resume with Last-Event-ID.
        await follow(conv.active_run_id, c.signal);
        if (!c.signal.aborted) callbacks.current.onTurnEnded?.();
      }
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      setLoading(false);
      setLoadError(e instanceof ApiError ? e : new ApiError(0, 'network', String(e)));
    }
  }, [follow]);

  useEffect(() => {
    convId.current = conversationId;
    void load();
    return () => abort.current?.abort();
    // Only a different conversation reloads; one created by send() keeps its live state.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const send = useCallback(
    async (text: string) => {
      const message = text.trim();
      if (!message) return;
      const c = newController();
      dispatch({ type: 'send', text: message });
      let res: Response;
      try {
        res = await fetch('/api/agent/invoke', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
          body: JSON.stringify({ project_id: projectId, conversation_id: convId.current, message }),
          signal: c.signal,
        });
      } catch (e) {
        if ((e as Error).name === 'AbortError') return;
        dispatch({ type: 'invoke_failed', code: 'network', message: `Cannot reach the host: ${(e as Error).message}` });
        return;
      }
      if (!res.ok || !res.body) {
        const err = await errorFromResponse(res);
        dispatch({ type: 'invoke_failed', code: err.code, message: err.message, retryable: err.status >= 500 || err.code === 'run_in_progress' });
        return;
      }
      const runId = res.headers.get('X-Run-Id') ?? '';
      const newConv = res.headers.get('X-Conversation-Id');
      if (newConv && newConv !== convId.current) {
        convId.current = newConv;
        callbacks.current.onConversationCreated?.(newConv);
      }
      if (runId) dispatch({ type: 'started', runId });
      try {
        const done = runId ? await consume(runId, res.body, c.signal) : false;
        if (!done && runId && !c.signal.aborted) await follow(runId, c.signal);
      } catch (e) {
        if ((e as Error).name === 'AbortError' || c.signal.aborted) return;
        if (runId) await follow(runId, c.signal); // the stream broke: reattach
      }
      if (!c.signal.aborted) callbacks.current.onTurnEnded?.();
    },
    [projectId, consume, follow],
  );

  const stop = useCallback(async () => {
    const t = liveTurn(state);
    if (!t?.runId) return;
    dispatch({ type: 'stopping', runId: t.runId });
    try {
      await api.stopRun(t.runId);
    } catch (e) {
      // 409 run_not_live: it ended meanwhile; `done` is on its way.
      if (!(e instanceof ApiError && e.code === 'run_not_live')) throw e;
    }
  }, [state]);

  const answerPermission = useCallback(
    async (runId: string, requestId: string, decision: 'allow' | 'deny', remember: boolean) => {
      dispatch({ type: 'permission_answered', requestId, decision });
      try {
        await api.answerPermission(runId, requestId, decision, remember);
      } catch (e) {
        // 404: answered elsewhere, timed out or cancelled; permission_resolved tells the rest.
        if (!(e instanceof ApiError && (e.status === 404 || e.status === 409))) throw e;
      }
    },
    [],
  );

  /** Reconnects to a run whose stream was lost. */
  const reattach = useCallback(
    async (runId: string) => {
      const c = newController();
      await follow(runId, c.signal);
      if (!c.signal.aborted) callbacks.current.onTurnEnded?.();
    },
    [follow],
  );

  return { state, loading, loadError, load, send, stop, answerPermission, reattach };
}
