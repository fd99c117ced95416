import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { DatabricksList, ProjectSettings } from '../api/types';
import { useAsync } from '../lib/useAsync';
import { Picker, type PickerList } from '../components/Picker';

/** How long a typed catalog name rests before its schemas are listed. */
const TYPED_CATALOG_DELAY_MS = 400;

/** Warehouses in these states cannot run anything: not offered (unless already chosen). */
const GONE = new Set(['DELETED', 'DELETING']);

type Listing = { data: DatabricksList | null; error: Error | null; loading: boolean };

function pickerList(l: Listing, keep?: string | null): PickerList {
  if (l.error) return { items: null, loading: false, error: l.error.message };
  if (l.loading) return { items: null, loading: true, error: null };
  if (!l.data) return { items: null, loading: false, error: null };
  return {
    items: l.data.items.filter((i) => !(i.state && GONE.has(i.state)) || i.id === keep),
    loading: false,
    error: null,
    suggested: l.data.suggested,
    truncated: l.data.truncated,
  };
}

/**
 * The project's Databricks settings. Catalog, schema, SQL warehouse and cluster are pickers
 * filled from the workspace (GET /api/projects/{id}/databricks/{kind}, as the user), each still
 * taking a typed value; when a list cannot load the picker is a text input and the host's reason
 * is shown.
 */
export function SettingsPanel({ projectId, onSaved }: { projectId: string; onSaved?: () => void }) {
  const current = useAsync(() => api.settings(projectId), [projectId]);
  const [form, setForm] = useState<ProjectSettings | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  // The catalog whose schemas are listed: at once when picked, a moment after typing stops.
  const [catalogKey, setCatalogKey] = useState('');
  const typing = useRef<ReturnType<typeof setTimeout>>();
  // Clusters are listed once the user chooses cluster compute.
  const [wantClusters, setWantClusters] = useState(false);
  const [listsKey, setListsKey] = useState(0);

  const catalogs = useAsync((s) => api.databricks(projectId, 'catalogs', undefined, s), [projectId, listsKey]);
  const warehouses = useAsync((s) => api.databricks(projectId, 'warehouses', undefined, s), [projectId, listsKey]);
  const schemas = useAsync(
    (s) => (catalogKey ? api.databricks(projectId, 'schemas', catalogKey, s) : Promise.resolve(null)),
    [projectId, catalogKey, listsKey],
  );
  const clusters = useAsync(
    (s) => (wantClusters ? api.databricks(projectId, 'clusters', undefined, s) : Promise.resolve(null)),
    [projectId, wantClusters, listsKey],
  );

  useEffect(() => {
    if (current.data) {
      setForm(current.data);
      setCatalogKey(current.data.catalog.trim());
    }
  }, [current.data]);
  useEffect(() => {
    if (form && !form.serverless) setWantClusters(true);
  }, [form?.serverless]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => () => clearTimeout(typing.current), []);

  if (current.error) {
    return (
      <p className="error-text" role="alert">
        {current.error.message}{' '}
        <button type="button" onClick={() => void current.reload()}>
          Retry
        </button>
      </p>
    );
  }
  if (!form) return <p className="muted">Loading…</p>;

  const set = <K extends keyof ProjectSettings>(k: K, v: ProjectSettings[K]) => {
    setForm({ ...form, [k]: v });
    setSaved(false);
  };
  const setCatalog = (v: string, typed: boolean) => {
    set('catalog', v);
    clearTimeout(typing.current);
    if (typed) typing.current = setTimeout(() => setCatalogKey(v.trim()), TYPED_CATALOG_DELAY_MS);
    else setCatalogKey(v.trim());
  };
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const body: Partial<ProjectSettings> = {
        catalog: form.catalog.trim(),
        schema: form.schema.trim(),
        warehouse_id: form.warehouse_id?.trim() ? form.warehouse_id.trim() : null,
        serverless: form.serverless,
        cluster_id: form.serverless ? null : form.cluster_id?.trim() || null,
        workspace_folder: form.workspace_folder.trim(),
      };
      const s = await api.putSettings(projectId, body);
      current.setData(s);
      setForm(s);
      setSaved(true);
      onSaved?.();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'error', String(e)));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (f: string) =>
    error?.field === f ? (
      <span className="error-text small" role="alert">
        {error.message}
      </span>
    ) : null;

  // The lists' failures, once each (without credentials all four say the same).
  const failures = [...new Set([catalogs, schemas, warehouses, clusters].flatMap((l) => (l.error ? [l.error.message] : [])))];

  return (
    <form
      className="settings"
      aria-label="Databricks settings"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <p className="muted small">
        Where the agent works in Databricks. The lists are read from your workspace as you; pick from them, or choose “Type…” for
        one they do not show (a schema the agent will create, a warehouse you may use but not list).{' '}
        <button type="button" className="link small" onClick={() => setListsKey((k) => k + 1)}>
          Refresh the lists
        </button>
      </p>
      {failures.length > 0 && (
        <div className="notice warn small" role="status" aria-label="Databricks lists unavailable">
          {failures.map((m) => (
            <p key={m}>Cannot list from Databricks: {m}</p>
          ))}
          <p>Type the names and ids instead.</p>
        </div>
      )}
      <Picker
        label="Catalog"
        typedLabel="Catalog name"
        typeOption="Type a name…"
        value={form.catalog}
        onChange={setCatalog}
        list={pickerList(catalogs)}
        required
        invalid={error?.field === 'catalog'}
      >
        {fieldError('catalog')}
      </Picker>
      <Picker
        label="Schema"
        typedLabel="Schema name"
        typeOption="Type a name…"
        value={form.schema}
        onChange={(v) => set('schema', v)}
        list={pickerList(schemas)}
        required
        invalid={error?.field === 'schema'}
        noList="Choose a catalog to list its schemas."
        notListed={`Not in ${catalogKey || 'the catalog'} (yet): the agent can create it.`}
      >
        {fieldError('schema')}
      </Picker>
      <Picker
        label="SQL warehouse"
        typedLabel="SQL warehouse id"
        typeOption="Type an id…"
        value={form.warehouse_id ?? ''}
        onChange={(v) => set('warehouse_id', v || null)}
        list={pickerList(warehouses, form.warehouse_id)}
        noneLabel="Automatic (the SQL tool picks one)"
        placeholder="automatic"
        invalid={error?.field === 'warehouse_id'}
        notListed="Not in the list (gone, or you cannot list it)."
        showId
      >
        {fieldError('warehouse_id')}
      </Picker>
      <fieldset>
        <legend>Compute for Python</legend>
        <label className="radio">
          <input type="radio" name="compute" checked={form.serverless} onChange={() => set('serverless', true)} /> Serverless
        </label>
        <label className="radio">
          <input type="radio" name="compute" checked={!form.serverless} onChange={() => set('serverless', false)} /> Cluster
        </label>
        {!form.serverless && (
          <Picker
            label="Cluster"
            typedLabel="Cluster id"
            typeOption="Type an id…"
            value={form.cluster_id ?? ''}
            onChange={(v) => set('cluster_id', v || null)}
            list={pickerList(clusters, form.cluster_id)}
            placeholder="0123-456789-abcdefgh"
            required
            invalid={error?.field === 'cluster_id'}
            notListed="Not in the list (gone, or you cannot list it)."
            showId
          />
        )}
        {fieldError('cluster_id')}
        {fieldError('serverless')}
      </fieldset>
      <label>
        Workspace folder
        <input value={form.workspace_folder} onChange={(e) => set('workspace_folder', e.target.value)} required aria-invalid={error?.field === 'workspace_folder'} />
        {fieldError('workspace_folder')}
      </label>
      {error && !error.field && (
        <p className="error-text" role="alert">
          {error.message}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
        {saved && (
          <span className="ok small" role="status">
            Saved. The next turn uses them.
          </span>
        )}
      </div>
    </form>
  );
}
