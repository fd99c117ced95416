import { useState } from 'react';
import { api } from '../api/client';
import type { SkillsInfo } from '../api/types';
import { useAsync } from '../lib/useAsync';
import { FileViewer } from './FilesPanel';

export function SkillsPanel({ projectId }: { projectId: string }) {
  const skills = useAsync(() => api.skills(projectId), [projectId]);
  const prompt = useAsync(() => api.systemPrompt(projectId), [projectId]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [viewing, setViewing] = useState<string | null>(null);

  const apply = async (fn: () => Promise<SkillsInfo>) => {
    setBusy(true);
    setError(null);
    try {
      skills.setData(await fn());
      void prompt.reload();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (name: string, on: boolean) => {
    const info = skills.data;
    if (!info) return;
    const enabled = new Set(info.skills.filter((s) => s.enabled).map((s) => s.name));
    if (on) enabled.add(name);
    else enabled.delete(name);
    void apply(() => api.putSkills(projectId, [...enabled]));
  };

  if (viewing) {
    return (
      <FileViewer
        projectId={projectId}
        entry={{ name: 'SKILL.md', path: `.claude/skills/${viewing}/SKILL.md`, type: 'file', modified_at: '' }}
        onClose={() => setViewing(null)}
      />
    );
  }
  const info = skills.data;
  return (
    <section className="skills-panel" aria-label="Skills">
      <div className="panel-toolbar">
        <span className="muted small">{info ? `${info.enabled_count} of ${info.total_count} enabled${info.all_enabled ? ' (all, including new ones)' : ''}` : ''}</span>
        <button type="button" disabled={busy || !info || info.all_enabled} onClick={() => void apply(() => api.putSkills(projectId, null))}>
          Enable all
        </button>
        <button type="button" disabled={busy} onClick={() => void apply(() => api.reloadSkills(projectId))} aria-label="Reload the skills source">
          Reload
        </button>
      </div>
      {skills.loading && !info && <p className="muted">Loading…</p>}
      {(skills.error || error) && (
        <p className="error-text" role="alert">
          {skills.error?.message ?? error}
        </p>
      )}
      {info && info.skills.length === 0 && <p className="muted">No skills: {info.source.detail ?? 'the skills source is empty.'}</p>}
      <ul className="skill-list">
        {info?.skills.map((s) => (
          <li key={s.name} className="skill">
            <label className="toggle">
              <input type="checkbox" checked={s.enabled} disabled={busy} onChange={(e) => toggle(s.name, e.target.checked)} aria-label={`Enable skill ${s.name}`} />
              <span className="skill-name">{s.name}</span>
            </label>
            <p className="muted small">{s.description}</p>
            {s.installed ? (
              <button type="button" className="link small" onClick={() => setViewing(s.name)} aria-label={`View skill ${s.name}`}>
                View SKILL.md
              </button>
            ) : (
              <span className="muted small">{s.enabled ? 'installed at the next turn' : 'enable it to view'}</span>
            )}
          </li>
        ))}
      </ul>
      {info?.source.invalid && info.source.invalid.length > 0 && (
        <details>
          <summary>{info.source.invalid.length} invalid skill folder(s) in the source</summary>
          <ul className="small">
            {info.source.invalid.map((x) => (
              <li key={x.folder}>
                <code>{x.folder}</code>: {x.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      <details className="system-prompt">
        <summary>System prompt of the next turn</summary>
        {prompt.error && <p className="error-text">{prompt.error.message}</p>}
        {prompt.data && <pre className="prompt" tabIndex={0} aria-label="System prompt">{prompt.data.system_prompt}</pre>}
      </details>
    </section>
  );
}
