import { createContext, useContext } from 'react';
import type { User } from './api/shapes.js';

export interface SessionState {
  readonly user: User;
  /** Ends the session on the server and returns to the sign-in page. */
  logout(): Promise<void>;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}
