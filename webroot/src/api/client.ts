// A thin fetch wrapper for the host's REST API (docs/api.md). Same origin: in production the host
// serves the UI, in development Vite proxies /api and /healthz to the host (vite.config.ts).
import type {
  ConversationDetail,
  DatabricksKind,
  DatabricksList,
  Conversation,
  FileTree,
  Health,
  Project,
  ProjectSettings,
  Run,
  SkillsInfo,
  ToolsInfo,
  User,
} from './types';

/** An error answer of the API ({"error": {code, message, field?}}) or a network failure. */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText || 'error'}`;
  let field: string | undefined;
  try {
    const body = await res.json();
    if (body && typeof body === 'object' && body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      field = body.error.field;
    }
  } catch {
    /* not JSON: keep the status line */
  }
  return new ApiError(res.status, code, message, field);
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `Cannot reach the host: ${(e as Error).message}`);
  }
  if (!res.ok) throw await errorFromResponse(res);
  return (await res.json()) as T;
}

/** Reads every page of a paged list (Link / X-Next-Cursor, docs/api.md "Paging"). */
async function listAll<T>(path: string, signal?: AbortSignal): Promise<T[]> {
  const out: T[] = [];
  let next: string | null = path;
  for (let page = 0; next && page < 50; page++) {
    let res: Response;
    try {
      res = await fetch(next, { headers: { Accept: 'application/json' }, signal });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, 'network', `Cannot reach the host: ${(e as Error).message}`);
    }
    if (!res.ok) throw await errorFromResponse(res);
    out.push(...((await res.json()) as T[]));
    const cursor = res.headers.get('X-Next-Cursor');
    if (!cursor) break;
    const sep = path.includes('?') ? '&' : '?';
    next = `${path}${sep}cursor=${encodeURIComponent(cursor)}`;
  }
  return out;
}

const enc = encodeURIComponent;

export const api = {
  health: async (signal?: AbortSignal): Promise<Health> => {
    // /healthz answers 503 while stopping, still with a body worth showing.
    const res = await fetch('/healthz', { headers: { Accept: 'application/json' }, signal });
    return (await res.json()) as Health;
  },
  user: (signal?: AbortSignal) => request<User>('GET', '/api/config/user', undefined, signal),

  projects: (signal?: AbortSignal) => listAll<Project>('/api/projects?limit=200', signal),
  project: (id: string, signal?: AbortSignal) => request<Project>('GET', `/api/projects/${enc(id)}`, undefined, signal),
  createProject: (name: string) => request<Project>('POST', '/api/projects', { name }),
  renameProject: (id: string, name: string) => request<Project>('PATCH', `/api/projects/${enc(id)}`, { name }),
  deleteProject: (id: string) => request<unknown>('DELETE', `/api/projects/${enc(id)}`),

  settings: (id: string) => request<ProjectSettings>('GET', `/api/projects/${enc(id)}/settings`),
  putSettings: (id: string, s: Partial<ProjectSettings>) =>
    request<ProjectSettings>('PUT', `/api/projects/${enc(id)}/settings`, s),

  skills: (id: string) => request<SkillsInfo>('GET', `/api/projects/${enc(id)}/skills`),
  putSkills: (id: string, enabled: string[] | null) =>
    request<SkillsInfo>('PUT', `/api/projects/${enc(id)}/skills`, { enabled }),
  reloadSkills: (id: string) => request<SkillsInfo>('POST', `/api/projects/${enc(id)}/skills/reload`),
  tools: (id: string, signal?: AbortSignal) => request<ToolsInfo>('GET', `/api/projects/${enc(id)}/tools`, undefined, signal),
  putTools: (id: string, disabled: string[]) => request<ToolsInfo>('PUT', `/api/projects/${enc(id)}/tools`, { disabled }),

  /** The user's catalogs, schemas (of `catalog`), SQL warehouses or clusters, for the settings pickers. */
  databricks: async (id: string, kind: DatabricksKind, catalog?: string, signal?: AbortSignal): Promise<DatabricksList> => {
    const q = kind === 'schemas' ? `?catalog=${enc(catalog ?? '')}` : '';
    const list = await request<DatabricksList>('GET', `/api/projects/${enc(id)}/databricks/${kind}${q}`, undefined, signal);
    // An item without an id cannot be picked.
    return { ...list, items: (list.items ?? []).filter((i) => typeof i.id === 'string' && i.id !== '') };
  },
  systemPrompt: (id: string) =>
    request<{ system_prompt: string }>('GET', `/api/projects/${enc(id)}/system-prompt`),

  conversations: (projectId: string, signal?: AbortSignal) =>
    listAll<Conversation>(`/api/projects/${enc(projectId)}/conversations?limit=200`, signal),
  createConversation: (projectId: string, title?: string) =>
    request<ConversationDetail>('POST', `/api/projects/${enc(projectId)}/conversations`, title ? { title } : {}),
  conversation: async (id: string, signal?: AbortSignal): Promise<ConversationDetail> => {
    // Messages come in pages of up to 1000 by seq; read them all.
    const first = await request<ConversationDetail>('GET', `/api/conversations/${enc(id)}`, undefined, signal);
    let after = first.next_after_seq;
    for (let i = 0; after !== null && after !== undefined && i < 100; i++) {
      const more = await request<ConversationDetail>(
        'GET',
        `/api/conversations/${enc(id)}?after_seq=${after}`,
        undefined,
        signal,
      );
      first.messages.push(...more.messages);
      after = more.next_after_seq;
    }
    return first;
  },
  renameConversation: (id: string, title: string) =>
    request<Conversation>('PATCH', `/api/conversations/${enc(id)}`, { title }),
  deleteConversation: (id: string) => request<unknown>('DELETE', `/api/conversations/${enc(id)}`),
  runs: (conversationId: string, signal?: AbortSignal) =>
    listAll<Run>(`/api/conversations/${enc(conversationId)}/runs?limit=200`, signal),
  run: (runId: string) => request<Run>('GET', `/api/agent/runs/${enc(runId)}`),
  stopRun: (runId: string) => request<{ run_id: string; status: string }>('POST', `/api/agent/runs/${enc(runId)}/stop`),
  answerPermission: (runId: string, requestId: string, decision: 'allow' | 'deny', remember: boolean) =>
    request<unknown>('POST', `/api/agent/runs/${enc(runId)}/permissions/${enc(requestId)}`, { decision, remember }),

  files: (projectId: string, path = '') =>
    request<FileTree>('GET', `/api/projects/${enc(projectId)}/files${path ? `?path=${enc(path)}` : ''}`),
  fileUrl: (projectId: string, path: string) => `/api/projects/${enc(projectId)}/files/content?path=${enc(path)}`,
  fileText: async (projectId: string, path: string): Promise<{ text: string; type: string; size: number }> => {
    const res = await fetch(api.fileUrl(projectId, path));
    if (!res.ok) throw await errorFromResponse(res);
    const type = res.headers.get('Content-Type') ?? '';
    const size = Number(res.headers.get('X-File-Size') ?? '0');
    return { text: await res.text(), type, size };
  },
};
