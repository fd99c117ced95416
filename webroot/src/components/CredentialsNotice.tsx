import type { Health } from '../api/types';
import { credentialNotice } from '../lib/health';
import { Link } from './Link';

/** A clear notice when the host has no LLM or Databricks credentials (from /healthz). */
export function CredentialsNotice({ health }: { health: Health | null }) {
  const n = credentialNotice(health);
  if (!n.llm && !n.databricks && !n.agent) return null;
  return (
    <section className="notice warn" role="alert" aria-label="Configuration problems">
      {n.llm && (
        <p>
          <strong>No LLM credentials:</strong> the agent cannot answer until the host is given an Anthropic API key or a
          Databricks model endpoint. <span className="muted small">({n.llm})</span>
        </p>
      )}
      {n.agent && (
        <p>
          <strong>The agent is unavailable:</strong> {n.agent}
        </p>
      )}
      {n.databricks && (
        <p>
          <strong>No Databricks credentials:</strong> the Databricks tools (SQL, jobs, pipelines…) will fail.{' '}
          <span className="muted small">({n.databricks})</span>
        </p>
      )}
      <p className="small">
        See the <Link href="/status">status page</Link> and the README's “LLM” and “Databricks” sections.
      </p>
    </section>
  );
}
