import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { Conversation, Health } from '../api/types';
import { useAsync } from '../lib/useAsync';
import { navigate, projectPath } from '../lib/router';
import { formatRelative } from '../lib/format';
import { credentialNotice } from '../lib/health';
import { Chat } from '../components/Chat';
import { Link } from '../components/Link';
import { ConfirmDialog } from '../components/Modal';
import { FilesPanel } from './FilesPanel';
import { SkillsPanel } from './SkillsPanel';
import { SettingsPanel } from './SettingsPanel';
import { ToolsPanel } from './ToolsPanel';

type Panel = 'files' | 'skills' | 'tools' | 'settings';

function ConversationItem({
  conv,
  active,
  onSelect,
  onRenamed,
  onDelete,
}: {
  conv: Conversation;
  active: boolean;
  onSelect: () => void;
  onRenamed: () => void;
  onDelete: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(conv.title);
  const [error, setError] = useState<string | null>(null);
  if (editing) {
    return (
      <li className="conv editing">
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            try {
              await api.renameConversation(conv.id, title);
              setEditing(false);
              onRenamed();
            } catch (err) {
              setError((err as Error).message);
            }
          }}
        >
          <input aria-label="Conversation title" value={title} onChange={(e) => setTitle(e.target.value)} autoFocus onKeyDown={(e) => e.key === 'Escape' && setEditing(false)} />
          <button type="submit">Save</button>
          {error && <span className="error-text small">{error}</span>}
        </form>
      </li>
    );
  }
  return (
    <li className={`conv${active ? ' active' : ''}`}>
      <button type="button" className="conv-title" onClick={onSelect} aria-current={active ? 'page' : undefined}>
        <span className="title">{conv.title}</span>
        <span className="muted small">{formatRelative(conv.updated_at)}</span>
      </button>
      <span className="conv-actions">
        <button type="button" className="icon" onClick={() => { setTitle(conv.title); setEditing(true); }} aria-label={`Rename conversation ${conv.title}`} title="Rename">
          ✎
        </button>
        <button type="button" className="icon" onClick={onDelete} aria-label={`Delete conversation ${conv.title}`} title="Delete">
          ✕
        </button>
      </span>
    </li>
  );
}

export function ProjectScreen({ projectId, conversationId, health }: { projectId: string; conversationId: string | null; health: Health | null }) {
  const project = useAsync((signal) => api.project(projectId, signal), [projectId]);
  const conversations = useAsync((signal) => api.conversations(projectId, signal), [projectId]);
  // The chat is remounted only when the user picks another conversation, not when sending a
  // first message creates one (the route then changes under a live chat).
  const [chatKey, setChatKey] = useState(0);
  const [chatConvId, setChatConvId] = useState<string | null>(conversationId);
  const [panel, setPanel] = useState<Panel | null>(() => (window.innerWidth >= 1100 ? 'files' : null));
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [filesKey, setFilesKey] = useState(0);
  const [toDelete, setToDelete] = useState<Conversation | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  // Back/forward or a link changed the conversation in the URL.
  useEffect(() => {
    if (conversationId !== chatConvId) {
      setChatConvId(conversationId);
      setChatKey((k) => k + 1);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [conversationId]);

  const select = (id: string | null) => {
    setSidebarOpen(false);
    if (id === chatConvId) return;
    navigate(projectPath(projectId, id));
  };

  const onConversationCreated = useCallback(
    (id: string) => {
      setChatConvId(id);
      navigate(projectPath(projectId, id), { replace: true });
      void conversations.reload();
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [projectId],
  );
  const onTurnEnded = useCallback(() => {
    void conversations.reload();
    setFilesKey((k) => k + 1);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [projectId]);

  const confirmDelete = async () => {
    if (!toDelete) return;
    try {
      await api.deleteConversation(toDelete.id);
      const wasActive = toDelete.id === chatConvId;
      setToDelete(null);
      void conversations.reload();
      if (wasActive) select(null);
    } catch (e) {
      setDeleteError(e instanceof ApiError && e.code === 'run_in_progress' ? 'The agent is working in this conversation; stop it first.' : (e as Error).message);
    }
  };

  if (project.error) {
    return (
      <main className="home" id="main">
        <div className="notice bad" role="alert">
          {project.error instanceof ApiError && project.error.status === 404 ? 'This project does not exist (or is not yours).' : project.error.message}{' '}
          <Link href="/">Back to the projects</Link>
        </div>
      </main>
    );
  }

  const n = credentialNotice(health);
  const disabledReason = n.llm ? 'The host has no LLM credentials: the agent will answer with an error.' : n.agent ? `The agent is unavailable: ${n.agent}` : null;

  return (
    <div className={`project-layout${panel ? ' with-panel' : ''}${sidebarOpen ? ' sidebar-open' : ''}`}>
      <div className="project-bar">
        <button type="button" className="only-narrow" onClick={() => setSidebarOpen(!sidebarOpen)} aria-expanded={sidebarOpen} aria-controls="conversations">
          ☰ <span className="sr-only">Conversations</span>
        </button>
        <Link href="/" className="crumb">
          Projects
        </Link>
        <span aria-hidden="true">/</span>
        <h1 className="project-title">{project.data?.name ?? '…'}</h1>
        <nav className="panel-tabs" aria-label="Panels">
          {(['files', 'skills', 'tools', 'settings'] as Panel[]).map((p) => (
            <button key={p} type="button" aria-pressed={panel === p} onClick={() => setPanel(panel === p ? null : p)}>
              {p[0].toUpperCase() + p.slice(1)}
            </button>
          ))}
        </nav>
      </div>
      <aside id="conversations" className="sidebar" aria-label="Conversations">
        <button type="button" className="primary new-conv" onClick={() => select(null)}>
          + New conversation
        </button>
        {conversations.error && (
          <p className="error-text small" role="alert">
            {conversations.error.message}{' '}
            <button type="button" onClick={() => void conversations.reload()}>
              Retry
            </button>
          </p>
        )}
        <ul className="conv-list">
          {conversations.data?.map((c) => (
            <ConversationItem
              key={c.id}
              conv={c}
              active={c.id === chatConvId}
              onSelect={() => select(c.id)}
              onRenamed={() => void conversations.reload()}
              onDelete={() => {
                setDeleteError(null);
                setToDelete(c);
              }}
            />
          ))}
        </ul>
        {conversations.data?.length === 0 && <p className="muted small">No conversations yet.</p>}
      </aside>
      <main className="chat-area" id="main">
        <Chat
          key={chatKey}
          projectId={projectId}
          conversationId={chatConvId}
          onConversationCreated={onConversationCreated}
          onTurnEnded={onTurnEnded}
          disabledReason={disabledReason}
        />
      </main>
      {panel && (
        <aside className="panel" aria-label={`${panel} panel`}>
          <div className="panel-head">
            <h2>{panel[0].toUpperCase() + panel.slice(1)}</h2>
            <button type="button" className="icon" onClick={() => setPanel(null)} aria-label="Close the panel">
              ✕
            </button>
          </div>
          {panel === 'files' && <FilesPanel projectId={projectId} refreshKey={filesKey} />}
          {panel === 'skills' && <SkillsPanel projectId={projectId} />}
          {panel === 'tools' && <ToolsPanel projectId={projectId} />}
          {panel === 'settings' && <SettingsPanel projectId={projectId} onSaved={() => void project.reload()} />}
        </aside>
      )}
      {toDelete && (
        <ConfirmDialog
          title={`Delete “${toDelete.title}”?`}
          message={<p>The conversation and its messages are deleted. The project's files stay.</p>}
          confirmLabel="Delete conversation"
          onConfirm={() => void confirmDelete()}
          onCancel={() => setToDelete(null)}
          error={deleteError}
        />
      )}
    </div>
  );
}
