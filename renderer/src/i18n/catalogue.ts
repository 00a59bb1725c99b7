import type { en } from './en';

/** The English catalogue's shape; every other catalogue must have exactly the same keys. */
export type Catalogue = typeof en;
