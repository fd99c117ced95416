import { api } from '../api/client';
import { useAsync } from '../lib/useAsync';

/** The host's /healthz as a page (what the placeholder status page showed); operators use it. */
export function Status() {
  const h = useAsync((signal) => api.health(signal), []);
  const health = h.data;
  return (
    <main className="status-page" id="main">
      <div className="section-head">
        <h1>Host status</h1>
        <button type="button" onClick={() => void h.reload()}>
          Refresh
        </button>
      </div>
      {h.error && (
        <p className="error-text" role="alert">
          Cannot reach the host: {h.error.message}
        </p>
      )}
      {health && (
        <>
          <p role="status" className={health.status === 'ok' ? 'ok' : 'warn'}>
            Host {health.version} (plugin ABI {health.abi}): <strong>{health.status}</strong>
            {health.uptime_s !== undefined && <span className="muted"> · up {Math.round(health.uptime_s)} s</span>}
            {health.runs && (
              <span className="muted">
                {' '}
                · runs: {health.runs.live} live, {health.runs.held} held, {health.runs.unsaved} unsaved
              </span>
            )}
          </p>
          {health.problems.length > 0 && (
            <>
              <h2>Problems</h2>
              <ul aria-label="Problems" className="problems">
                {health.problems.map((p, i) => (
                  <li key={i}>{p}</li>
                ))}
              </ul>
            </>
          )}
          <h2>Plugins</h2>
          <div className="table-wrap">
            <table className="data" aria-label="Plugins">
              <thead>
                <tr>
                  <th scope="col">Plugin</th>
                  <th scope="col">Kinds</th>
                  <th scope="col">Version</th>
                  <th scope="col">State</th>
                  <th scope="col">Health</th>
                </tr>
              </thead>
              <tbody>
                {health.plugins.map((p) => (
                  <tr key={p.id}>
                    <td>
                      {p.id}
                      {p.description && <div className="muted small">{p.description}</div>}
                    </td>
                    <td>{(p.kinds ?? []).join(', ')}</td>
                    <td>{p.version ?? ''}</td>
                    <td className={p.state === 'loaded' ? 'ok' : p.state === 'failed' ? 'bad' : ''}>
                      {p.state}
                      {p.error && <div className="small bad">{p.error}</div>}
                    </td>
                    <td>
                      {Object.entries(p.health ?? {}).map(([kind, v]) => (
                        <div key={kind} className={v.status === 'ok' ? 'ok' : 'warn'}>
                          {kind}: {v.status}
                          {v.detail && <div className="muted small">{v.detail}</div>}
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {health.storage && (
            <p className="small muted">
              Storage: {health.storage.plugin} ({health.storage.status}) {health.storage.detail}
            </p>
          )}
          <p className="small">
            Raw: <a href="/healthz">/healthz</a> · API: <a href="/api/openapi.json">/api/openapi.json</a>
          </p>
        </>
      )}
    </main>
  );
}
