/**
 * TanStack Virtual, re-exported. Components that use it opt out of React Compiler memoisation with
 * 'use no memo' (the virtualizer mutates one stable object), so the lint's library warning does not apply.
 */
export { useVirtualizer } from '@tanstack/react-virtual';
