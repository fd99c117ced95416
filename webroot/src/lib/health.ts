// What /healthz says about credentials, for the notice on the home and project screens.
import type { Health } from '../api/types';

export interface CredentialNotice {
  llm: string | null;
  databricks: string | null;
  agent: string | null;
  other: string[];
}

/** Reads the agent-claude (LLM) and mcp-databricks (Databricks) health out of /healthz. */
export function credentialNotice(h: Health | null): CredentialNotice {
  const out: CredentialNotice = { llm: null, databricks: null, agent: null, other: [] };
  if (!h) return out;
  const pluginProblem = (id: string): string | null => {
    const p = h.plugins?.find((x) => x.id === id);
    if (!p) return null;
    if (p.state && p.state !== 'loaded') return p.error ?? `the ${id} plugin is ${p.state}`;
    for (const v of Object.values(p.health ?? {})) {
      if (v && v.status && v.status !== 'ok') return v.detail ?? `${id} is ${v.status}`;
    }
    return null;
  };
  const agent = pluginProblem('agent-claude');
  if (agent) {
    // agent-claude is "degraded" without LLM credentials and "down" without the CLI (README).
    if (/credential|api key|llm|anthropic/i.test(agent)) out.llm = agent;
    else out.agent = agent;
  } else if (!h.plugins?.some((p) => p.id === 'agent-claude')) {
    out.agent = 'No agent backend is enabled ([plugin.agent-claude]).';
  }
  out.databricks = pluginProblem('mcp-databricks');
  for (const line of h.problems ?? []) {
    if (/'agent-claude'|'mcp-databricks'/.test(line)) continue;
    out.other.push(line);
  }
  return out;
}
