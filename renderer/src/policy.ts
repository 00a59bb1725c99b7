import { useEffect, useState } from 'react';
import type { PolicyView } from '../../shared/policy/policy.channels';
import { api, call } from './api';

/** IT's policy as main reports it, following `policy.changed`; null until the first answer. */
export function usePolicy(): PolicyView | null {
  const [policy, setPolicy] = useState<PolicyView | null>(null);
  useEffect(() => {
    let live = true;
    const off = api.on('policy.changed', (next) => setPolicy(next));
    call('policy.get').then(
      (view) => {
        if (live) setPolicy(view);
      },
      () => undefined,
    );
    return () => {
      live = false;
      off();
    };
  }, []);
  return policy;
}
