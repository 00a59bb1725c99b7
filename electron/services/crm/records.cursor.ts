import { AppError } from '../../../shared/errors';

/**
 * A list page's cursor: the sort field and direction it was made for, and the last row's sort value
 * and id (keyset paging). Opaque to callers (base64url JSON); a cursor for another query is refused.
 */
export interface Cursor {
  f: string;
  d: 'asc' | 'desc';
  v: string | number;
  id: string;
}

/** The cursor text for the page after the row `c` describes. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

/** Reads a cursor back; `VALIDATION` when it is malformed or made for another sort. */
export function decodeCursor(text: string, field: string, dir: 'asc' | 'desc'): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new AppError('VALIDATION', 'The cursor is not valid');
  }
  const c = parsed as Partial<Cursor> | null;
  if (
    !c ||
    typeof c !== 'object' ||
    c.f !== field ||
    c.d !== dir ||
    (typeof c.v !== 'string' && typeof c.v !== 'number') ||
    typeof c.id !== 'string'
  ) {
    throw new AppError('VALIDATION', 'The cursor does not belong to this query');
  }
  return c as Cursor;
}
