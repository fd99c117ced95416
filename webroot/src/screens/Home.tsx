import { useMemo, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { Health, Project } from '../api/types';
import { useAsync } from '../lib/useAsync';
import { Link } from '../components/Link';
import { ConfirmDialog } from '../components/Modal';
import { CredentialsNotice } from '../components/CredentialsNotice';
import { formatRelative } from '../lib/format';
import { navigate, projectPath } from '../lib/router';

type Sort = 'recent' | 'name';

function ProjectRow({ project, onChanged, onDelete }: { project: Project; onChanged: () => void; onDelete: (p: Project) => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(project.name);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    try {
      await api.renameProject(project.id, name);
      setEditing(false);
      setError(null);
      onChanged();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <li className="project-row">
      {editing ? (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <input
            aria-label={`New name for ${project.name}`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoFocus
            onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}
          />
          <button type="submit" className="primary">
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
          {error && (
            <span className="error-text" role="alert">
              {error}
            </span>
          )}
        </form>
      ) : (
        <>
          <div className="project-main">
            <Link href={projectPath(project.id)} className="project-name">
              {project.name}
            </Link>
            <span className="muted small">
              {project.conversation_count} conversation{project.conversation_count === 1 ? '' : 's'} · updated{' '}
              <time dateTime={project.updated_at} title={project.updated_at}>
                {formatRelative(project.updated_at)}
              </time>{' '}
              · <code>{project.settings.catalog}.{project.settings.schema}</code>
            </span>
          </div>
          <div className="row-actions">
            <button type="button" onClick={() => { setName(project.name); setEditing(true); }} aria-label={`Rename ${project.name}`}>
              Rename
            </button>
            <button type="button" className="danger-outline" onClick={() => onDelete(project)} aria-label={`Delete ${project.name}`}>
              Delete
            </button>
          </div>
        </>
      )}
    </li>
  );
}

export function Home({ health }: { health: Health | null }) {
  const projects = useAsync((signal) => api.projects(signal), []);
  const [name, setName] = useState('');
  const [createError, setCreateError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [sort, setSort] = useState<Sort>('recent');
  const [toDelete, setToDelete] = useState<Project | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);

  const sorted = useMemo(() => {
    const list = [...(projects.data ?? [])];
    if (sort === 'recent') list.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
    else list.sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
    return list;
  }, [projects.data, sort]);

  const create = async () => {
    if (!name.trim()) return;
    setCreating(true);
    setCreateError(null);
    try {
      const p = await api.createProject(name);
      setName('');
      navigate(projectPath(p.id));
    } catch (e) {
      setCreateError((e as Error).message);
    } finally {
      setCreating(false);
    }
  };

  const confirmDelete = async () => {
    if (!toDelete) return;
    setDeleting(true);
    try {
      await api.deleteProject(toDelete.id);
      setToDelete(null);
      setDeleteError(null);
      void projects.reload();
    } catch (e) {
      setDeleteError(
        e instanceof ApiError && e.code === 'run_in_progress' ? 'An agent turn is running in this project; stop it first.' : (e as Error).message,
      );
    } finally {
      setDeleting(false);
    }
  };

  return (
    <main className="home" id="main">
      <CredentialsNotice health={health} />
      <section aria-labelledby="projects-title">
        <div className="section-head">
          <h1 id="projects-title">Projects</h1>
          <label className="sort">
            Sort{' '}
            <select value={sort} onChange={(e) => setSort(e.target.value as Sort)} aria-label="Sort projects">
              <option value="recent">Most recent</option>
              <option value="name">Name</option>
            </select>
          </label>
        </div>
        <form
          className="create-project"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <input
            aria-label="New project name"
            placeholder="New project name, e.g. Sales pipeline"
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" className="primary" disabled={creating || !name.trim()}>
            {creating ? 'Creating…' : 'Create project'}
          </button>
        </form>
        {createError && (
          <p className="error-text" role="alert">
            {createError}
          </p>
        )}
        {projects.loading && !projects.data && <p className="muted">Loading projects…</p>}
        {projects.error && (
          <div className="notice bad" role="alert">
            Cannot load the projects: {projects.error.message}{' '}
            <button type="button" onClick={() => void projects.reload()}>
              Retry
            </button>
          </div>
        )}
        {projects.data && projects.data.length === 0 && (
          <p className="empty muted">No projects yet. A project is a folder the agent works in, with its own Databricks catalog, schema and skills.</p>
        )}
        <ul className="project-list" aria-label="Your projects">
          {sorted.map((p) => (
            <ProjectRow key={p.id} project={p} onChanged={() => void projects.reload()} onDelete={(x) => { setDeleteError(null); setToDelete(x); }} />
          ))}
        </ul>
      </section>
      {toDelete && (
        <ConfirmDialog
          title={`Delete “${toDelete.name}”?`}
          message={
            <p>
              This deletes the project's conversations, its files and its backup. It cannot be undone. (Tables and jobs the agent created in
              Databricks stay.)
            </p>
          }
          confirmLabel="Delete project"
          onConfirm={() => void confirmDelete()}
          onCancel={() => setToDelete(null)}
          busy={deleting}
          error={deleteError}
        />
      )}
    </main>
  );
}
