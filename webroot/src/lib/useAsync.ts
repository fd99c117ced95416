import { useCallback, useEffect, useRef, useState } from 'react';

/** Runs `fn` on mount and whenever `deps` change; `reload` runs it again. */
export function useAsync<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const ctl = useRef<AbortController | null>(null);
  const run = useCallback(async () => {
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setLoading(true);
    setError(null);
    try {
      const v = await fn(c.signal);
      if (!c.signal.aborted) {
        setData(v);
        setLoading(false);
      }
    } catch (e) {
      if (c.signal.aborted || (e as Error).name === 'AbortError') return;
      setError(e as Error);
      setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    void run();
    return () => ctl.current?.abort();
  }, [run]);
  return { data, error, loading, reload: run, setData };
}
