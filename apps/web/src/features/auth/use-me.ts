import type { Me } from '@quarry/contracts';
import { createContext, useContext } from 'react';

/** Who is signed in, for every page behind the sign-in gate (features/auth/auth-gate.tsx). */
export const MeContext = createContext<Me | null>(null);

/** The signed-in person; only pages behind the gate call it, so a missing value is a bug. */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe() outside the sign-in gate');
  return me;
}
