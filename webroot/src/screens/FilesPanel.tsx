import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { FileEntry } from '../api/types';
import { useAsync } from '../lib/useAsync';
import { CodeBlock } from '../components/CodeBlock';
import { formatBytes } from '../lib/format';
import { languageForPath } from '../lib/highlight';

const MAX_VIEW_BYTES = 2 * 1024 * 1024;

function TreeNode({ entry, depth, selected, onOpen }: { entry: FileEntry; depth: number; selected: string | null; onOpen: (e: FileEntry) => void }) {
  const [open, setOpen] = useState(depth === 0 && entry.name !== '.claude');
  if (entry.type === 'directory') {
    return (
      <li role="treeitem" aria-expanded={open} aria-selected={false}>
        <button type="button" className="tree-dir" onClick={() => setOpen(!open)} style={{ paddingLeft: `${depth * 0.9 + 0.3}rem` }}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> {entry.name}/
        </button>
        {open && entry.children && entry.children.length > 0 && (
          <ul role="group">
            {entry.children.map((c) => (
              <TreeNode key={c.path} entry={c} depth={depth + 1} selected={selected} onOpen={onOpen} />
            ))}
          </ul>
        )}
      </li>
    );
  }
  return (
    <li role="treeitem" aria-selected={selected === entry.path}>
      <button
        type="button"
        className={`tree-file${selected === entry.path ? ' selected' : ''}`}
        onClick={() => onOpen(entry)}
        style={{ paddingLeft: `${depth * 0.9 + 1.2}rem` }}
        disabled={entry.type !== 'file'}
        title={entry.type === 'file' ? `${entry.path} (${formatBytes(entry.size)})` : `${entry.path} (${entry.type})`}
      >
        {entry.name}
        {entry.type === 'symlink' ? ' →' : ''}
      </button>
    </li>
  );
}

function isTextType(type: string): boolean {
  return /^text\/|json|xml|yaml|javascript|sql|x-sh|x-python|toml|csv|markdown|ipynb/i.test(type);
}

export function FileViewer({ projectId, entry, onClose }: { projectId: string; entry: FileEntry; onClose: () => void }) {
  const [state, setState] = useState<{ text?: string; type?: string; error?: string; loading: boolean }>({ loading: true });
  const isImage = /\.(png|jpe?g|gif|webp|svg)$/i.test(entry.path);
  useEffect(() => {
    let cancelled = false;
    setState({ loading: true });
    if (isImage) {
      setState({ loading: false });
      return;
    }
    if ((entry.size ?? 0) > MAX_VIEW_BYTES) {
      setState({ loading: false, error: `This file has ${formatBytes(entry.size)}; open it raw instead.` });
      return;
    }
    api
      .fileText(projectId, entry.path)
      .then((r) => !cancelled && setState({ loading: false, text: r.text, type: r.type }))
      .catch((e: Error) => !cancelled && setState({ loading: false, error: e.message }));
    return () => {
      cancelled = true;
    };
  }, [projectId, entry.path, entry.size, isImage]);
  const raw = api.fileUrl(projectId, entry.path);
  return (
    <section className="file-viewer" aria-label={`File ${entry.path}`}>
      <header className="viewer-head">
        <button type="button" onClick={onClose} aria-label="Back to the file tree">
          ←
        </button>
        <code className="viewer-path">{entry.path}</code>
        <span className="muted small">{formatBytes(entry.size)}</span>
        <a href={raw} target="_blank" rel="noopener noreferrer" className="small">
          Raw
        </a>
      </header>
      {state.loading && <p className="muted">Loading…</p>}
      {state.error && (
        <p className="error-text" role="alert">
          {state.error}
        </p>
      )}
      {isImage && <img src={raw} alt={entry.name} className="file-image" />}
      {state.text !== undefined &&
        (state.type && !isTextType(state.type) && state.text.includes('\u0000') ? (
          <p className="muted">Binary file ({state.type}). Use “Raw” to download it.</p>
        ) : (
          <CodeBlock code={state.text} language={languageForPath(entry.path)} label={`Contents of ${entry.path}`} />
        ))}
    </section>
  );
}

export function FilesPanel({ projectId, refreshKey }: { projectId: string; refreshKey?: number }) {
  const tree = useAsync(() => api.files(projectId), [projectId, refreshKey]);
  const [open, setOpen] = useState<FileEntry | null>(null);
  if (open) return <FileViewer projectId={projectId} entry={open} onClose={() => setOpen(null)} />;
  return (
    <section className="files-panel" aria-label="Project files">
      <div className="panel-toolbar">
        <span className="muted small">{tree.data ? `${tree.data.entry_count} entries` : ''}</span>
        <button type="button" onClick={() => void tree.reload()} aria-label="Refresh the file tree">
          Refresh
        </button>
      </div>
      {tree.loading && !tree.data && <p className="muted">Loading…</p>}
      {tree.error && (
        <p className="error-text" role="alert">
          {tree.error.message}{' '}
          <button type="button" onClick={() => void tree.reload()}>
            Retry
          </button>
        </p>
      )}
      {tree.data && (
        <ul className="tree" role="tree" aria-label="Files">
          {tree.data.entries.map((e) => (
            <TreeNode key={e.path} entry={e} depth={0} selected={null} onOpen={setOpen} />
          ))}
        </ul>
      )}
      {tree.data?.truncated && <p className="muted small">The tree is cut short (too many files).</p>}
    </section>
  );
}
