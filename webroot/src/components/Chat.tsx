import { useEffect, useRef } from 'react';
import type { Turn } from '../state/chat';
import { liveTurn } from '../state/chat';
import { useChat } from '../state/useChat';
import { Markdown } from './Markdown';
import { ToolCard } from './ToolCard';
import { Composer } from './Composer';
import { TodoList } from './TodoList';
import { PermissionDialog } from './PermissionDialog';
import { formatCost, formatDuration, formatTokens } from '../lib/format';

const STATUS_TEXT: Record<Turn['status'], string> = {
  sending: 'Sending…',
  running: 'Working…',
  completed: 'Completed',
  cancelled: 'Stopped',
  failed: 'Failed',
};

export function TurnStatsLine({ turn }: { turn: Turn }) {
  const s = turn.stats;
  const parts: string[] = [];
  if (s?.durationMs !== undefined) parts.push(formatDuration(s.durationMs));
  if (s?.inputTokens !== undefined || s?.outputTokens !== undefined) {
    const input = (s.inputTokens ?? 0) + (s.cacheReadTokens ?? 0) + (s.cacheCreationTokens ?? 0);
    parts.push(`${formatTokens(input)} in / ${formatTokens(s.outputTokens ?? 0)} out tokens`);
  }
  if (s?.costUsd !== undefined) parts.push(formatCost(s.costUsd));
  if (turn.status === 'running' || turn.status === 'sending') return null;
  return (
    <p className={`turn-stats ${turn.status}`} aria-label="Turn summary">
      <span className="badge">{STATUS_TEXT[turn.status]}</span> {parts.join(' · ')}
    </p>
  );
}

function TurnView({ turn, onRetry, onReattach }: { turn: Turn; onRetry: (text: string) => void; onReattach: (runId: string) => void }) {
  const live = turn.status === 'running' || turn.status === 'sending';
  return (
    <div className="turn">
      {turn.userText && (
        <div className="msg user" aria-label="Your message">
          <div className="bubble">{turn.userText}</div>
        </div>
      )}
      <div className="msg assistant" aria-label="Agent's answer" aria-busy={live}>
        {turn.parts.map((p) => {
          switch (p.kind) {
            case 'text':
              return <Markdown key={p.key} text={p.text} />;
            case 'thinking':
              return (
                <details key={p.key} className="thinking">
                  <summary>{p.final ? 'Thinking' : 'Thinking…'}</summary>
                  <div className="thinking-text">{p.text}</div>
                </details>
              );
            case 'tool':
              return <ToolCard key={p.key} tool={p} />;
            case 'error':
              return null; // shown once below, with the retry
            default:
              return null;
          }
        })}
        {live && (
          <p className="activity" role="status" aria-live="polite">
            <span className="spinner" aria-hidden="true" />{' '}
            {turn.stopping ? 'Stopping…' : turn.activity === 'requesting' ? 'Waiting for the model…' : turn.activity ? `${turn.activity[0].toUpperCase()}${turn.activity.slice(1)}…` : STATUS_TEXT[turn.status]}
          </p>
        )}
        {turn.connection && (
          <div className={`notice ${turn.connection.state === 'lost' ? 'bad' : 'warn'}`} role="alert">
            {turn.connection.state === 'reconnecting'
              ? `Connection lost, reconnecting… (${turn.connection.message})`
              : `Lost the connection to this turn: ${turn.connection.message}`}
            {turn.connection.state === 'lost' && turn.runId && (
              <button type="button" onClick={() => onReattach(turn.runId!)}>
                Reconnect
              </button>
            )}
          </div>
        )}
        {turn.parts
          .filter((p) => p.kind === 'error')
          .map((p) =>
            p.kind === 'error' ? (
              <div key={p.key} className="notice bad" role="alert">
                <strong>{p.code}</strong>: {p.message}
              </div>
            ) : null,
          )}
        {turn.error && !turn.parts.some((p) => p.kind === 'error') && (
          <div className="notice bad" role="alert">
            <strong>{turn.error.code}</strong>: {turn.error.message}
          </div>
        )}
        {!live && turn.status === 'failed' && turn.userText && (
          <button type="button" className="retry" onClick={() => onRetry(turn.userText)}>
            Retry
          </button>
        )}
        <TurnStatsLine turn={turn} />
      </div>
    </div>
  );
}

export function Chat({
  projectId,
  conversationId,
  onConversationCreated,
  onTurnEnded,
  disabledReason,
}: {
  projectId: string;
  conversationId: string | null;
  onConversationCreated?: (id: string) => void;
  onTurnEnded?: () => void;
  disabledReason?: string | null;
}) {
  const chat = useChat({ projectId, conversationId, onConversationCreated, onTurnEnded });
  const { state } = chat;
  const live = liveTurn(state);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  // Keep the view at the bottom while new text streams in, unless the user scrolled up.
  useEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [state]);

  const permission = state.permissions[0];
  return (
    <div className="chat">
      <div
        className="chat-scroll"
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        }}
        role="log"
        aria-label="Conversation"
        aria-live="off"
      >
        {chat.loading && <p className="muted">Loading the conversation…</p>}
        {chat.loadError && (
          <div className="notice bad" role="alert">
            Cannot load this conversation: {chat.loadError.message}{' '}
            <button type="button" onClick={() => void chat.load()}>
              Retry
            </button>
          </div>
        )}
        {!chat.loading && !chat.loadError && state.turns.length === 0 && (
          <div className="empty">
            <h2>What should the agent build?</h2>
            <p className="muted">
              For example: “List the tables in my schema”, “Create a bronze table from the CSV files in /Volumes/main/raw/orders”, or
              “Write a Spark Declarative Pipeline for the orders”.
            </p>
          </div>
        )}
        {state.turns.map((t) => (
          <TurnView key={t.key} turn={t} onRetry={(text) => void chat.send(text)} onReattach={(id) => void chat.reattach(id)} />
        ))}
      </div>
      <TodoList todos={state.todos} />
      {disabledReason && (
        <p className="notice warn small" role="note">
          {disabledReason}
        </p>
      )}
      <Composer
        onSend={(text) => void chat.send(text)}
        onStop={() => void chat.stop().catch(() => undefined)}
        running={!!live}
        stopping={live?.stopping}
        disabled={chat.loading}
      />
      {permission && (
        <PermissionDialog
          key={permission.requestId}
          request={permission}
          pendingCount={state.permissions.length}
          onAnswer={({ decision, remember }) =>
            void chat.answerPermission(permission.runId, permission.requestId, decision, remember).catch(() => undefined)
          }
        />
      )}
    </div>
  );
}
