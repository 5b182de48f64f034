import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client.js';
import { useDeskEvents } from './desk-events.js';

export type Loaded<T> = { kind: 'loading' } | { kind: 'ready'; data: T } | { kind: 'error'; error: ApiError };

/**
 * Loads once, reloads on demand and, with `pollMs`, in the background while the page is
 * open, and at once when the server announces a desk change: new mail shows up without a
 * reload. A failed background poll keeps the last data.
 */
export function useApi<T>(load: () => Promise<T>, deps: readonly unknown[], opts: { pollMs?: number } = {}) {
  const [state, setState] = useState<Loaded<T>>({ kind: 'loading' });
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);

  const reload = useCallback(async (background = false) => {
    const mine = ++generation.current;
    if (!background) setState({ kind: 'loading' });
    try {
      const data = await loadRef.current();
      if (mine === generation.current) setState({ kind: 'ready', data });
    } catch (e) {
      const error = e instanceof ApiError ? e : new ApiError(0, String(e), 'CLIENT', []);
      if (mine === generation.current && !background) setState({ kind: 'error', error });
    }
  }, []);

  useEffect(() => {
    void reload();
    if (!opts.pollMs) return;
    const timer = window.setInterval(() => void reload(true), opts.pollMs);
    return () => window.clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps list is what says when to load again
  }, [...deps, opts.pollMs, reload]);

  useDeskEvents(() => void reload(true), !!opts.pollMs);

  // A page that sets the data itself (after a change it made) has the newest there is: a
  // poll already on its way would bring back the state from before the change.
  const set = useCallback((next: Loaded<T>) => {
    generation.current++;
    setState(next);
  }, []);

  return { state, reload, setState: set };
}

export const POLL_MS = 5_000;
