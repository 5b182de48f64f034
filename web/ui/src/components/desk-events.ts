/**
 * The server's stream of desk changes (GET /api/events), shared by every component that
 * shows desk data: a new mail reloads them at once. Polling stays underneath, so a browser
 * or a proxy that drops the stream only makes the console slower, never stale.
 */
import { useEffect, useRef } from 'react';

const listeners = new Set<() => void>();
let source: EventSource | null = null;

function connect(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/api/events');
  source.addEventListener('desk', () => {
    for (const l of [...listeners]) l();
  });
}

function disconnectIfUnused(): void {
  if (listeners.size > 0 || !source) return;
  source.close();
  source = null;
}

/** Calls `onChange` whenever the desk gains a message, a lead or set-aside mail. */
export function useDeskEvents(onChange: () => void, enabled = true): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    if (!enabled) return;
    const listener = () => latest.current();
    listeners.add(listener);
    connect();
    return () => {
      listeners.delete(listener);
      disconnectIfUnused();
    };
  }, [enabled]);
}
