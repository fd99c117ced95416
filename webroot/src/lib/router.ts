// A tiny history router: the host serves index.html for every path without an extension (SPA
// fallback), so routes are real paths: /, /status, /projects/:id, /projects/:id/conversations/:cid.
import { useEffect, useState } from 'react';

export type Route =
  | { name: 'home' }
  | { name: 'status' }
  | { name: 'project'; projectId: string; conversationId: string | null }
  | { name: 'not_found'; path: string };

export function parseRoute(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/') return { name: 'home' };
  if (p === '/status') return { name: 'status' };
  const m = /^\/projects\/([^/]+)(?:\/conversations\/([^/]+))?$/.exec(p);
  if (m) return { name: 'project', projectId: decodeURIComponent(m[1]), conversationId: m[2] ? decodeURIComponent(m[2]) : null };
  return { name: 'not_found', path };
}

export function projectPath(projectId: string, conversationId?: string | null): string {
  const base = `/projects/${encodeURIComponent(projectId)}`;
  return conversationId ? `${base}/conversations/${encodeURIComponent(conversationId)}` : base;
}

const listeners = new Set<() => void>();

export function navigate(to: string, { replace = false } = {}): void {
  if (to === window.location.pathname) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  listeners.forEach((l) => l());
}

export function useRoute(): Route {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return parseRoute(path);
}
