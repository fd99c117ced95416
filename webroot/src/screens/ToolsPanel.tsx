import { useMemo, useState } from 'react';
import { api } from '../api/client';
import type { ToolInfo, ToolsInfo } from '../api/types';
import { useAsync } from '../lib/useAsync';

function skillsReason(skills: string[]): string {
  if (skills.length === 0) return 'Off: no skill that uses it is enabled.';
  if (skills.length === 1) return `Enable skill ${skills[0]} to use it.`;
  return `Enable one of the skills ${skills.slice(0, -1).join(', ')} or ${skills[skills.length - 1]} to use it.`;
}

/**
 * The tools of the tool-provider plugins and which the project's agent gets
 * (GET/PUT /api/projects/{id}/tools). A toggle turns a tool off or on (PUT with the names turned
 * off); a tool gated by skills is off until one of them is enabled (the Skills panel).
 */
export function ToolsPanel({ projectId }: { projectId: string }) {
  const tools = useAsync((s) => api.tools(projectId, s), [projectId]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');

  const apply = async (disabled: string[]) => {
    setBusy(true);
    setError(null);
    try {
      tools.setData(await api.putTools(projectId, disabled));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (info: ToolsInfo, name: string, on: boolean) => {
    const off = new Set(info.disabled);
    if (on) off.delete(name);
    else off.add(name);
    void apply([...off].sort());
  };

  const info = tools.data;
  const groups = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const by = new Map<string, ToolInfo[]>();
    for (const t of info?.tools ?? []) {
      if (q && !`${t.name} ${t.title ?? ''} ${t.description}`.toLowerCase().includes(q)) continue;
      by.set(t.plugin, [...(by.get(t.plugin) ?? []), t]);
    }
    return [...by.entries()];
  }, [info, filter]);
  const onCount = info?.tools.filter((t) => t.enabled).length ?? 0;

  return (
    <section className="tools-panel" aria-label="Tools">
      <p className="muted small">
        The tools the agent can use in this project. Changes apply from the next turn (a running turn keeps its tools).
      </p>
      <div className="panel-toolbar">
        <span className="muted small">{info ? `${onCount} of ${info.tools.length} on` : ''}</span>
        <button type="button" disabled={busy || !info || info.disabled.length === 0} onClick={() => void apply([])}>
          Turn all on
        </button>
      </div>
      {info && info.tools.length > 8 && (
        <input
          type="search"
          className="tool-filter"
          placeholder="Filter tools"
          aria-label="Filter tools"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      )}
      {tools.loading && !info && <p className="muted">Loading…</p>}
      {(tools.error || error) && (
        <p className="error-text" role="alert">
          {tools.error?.message ?? error}{' '}
          {tools.error && (
            <button type="button" onClick={() => void tools.reload()}>
              Retry
            </button>
          )}
        </p>
      )}
      {info && info.tools.length === 0 && <p className="muted">No tools: no tool-provider plugin is enabled.</p>}
      {info && info.tools.length > 0 && groups.length === 0 && <p className="muted">No tool matches “{filter}”.</p>}
      {groups.map(([plugin, list]) => (
        <section key={plugin} className="tool-group" aria-label={`Tools of ${plugin}`}>
          <h3 className="small">
            {plugin} <span className="muted">({list.length})</span>
          </h3>
          <ul className="skill-list">
            {list.map((t) => {
              const gated = t.off_because === 'skills';
              return (
                <li key={t.name} className={`skill tool${t.enabled ? '' : ' off'}`}>
                  <label className="toggle">
                    <input
                      type="checkbox"
                      checked={t.enabled}
                      disabled={busy || gated}
                      onChange={(e) => toggle(info!, t.name, e.target.checked)}
                      aria-label={`Use tool ${t.name}`}
                      aria-describedby={gated ? `tool-why-${t.name}` : undefined}
                    />
                    <span className="skill-name">{t.name}</span>
                  </label>
                  <p className="muted small tool-desc" title={t.description}>
                    {t.description}
                  </p>
                  {gated && (
                    <p className="small warn-text" id={`tool-why-${t.name}`}>
                      {skillsReason(t.skills)}
                    </p>
                  )}
                  {t.off_because === 'settings' && <p className="small muted">Turned off in this project.</p>}
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </section>
  );
}
