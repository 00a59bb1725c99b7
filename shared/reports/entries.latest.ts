/**
 * The entry that counts among several for one key (one quota per member and month, one rate per
 * pair and day): the most recently updated, ties to the greater id. Two managers offline can each
 * enter the same month's quota; every device holds the same rows and stamps, so every device keeps
 * the same one, and the dashboard never sums the two.
 */
export function latestPerKey<T extends { readonly id: string; readonly updatedAt: number }>(
  entries: readonly T[],
  key: (entry: T) => string,
): Map<string, T> {
  const kept = new Map<string, T>();
  for (const entry of entries) {
    const k = key(entry);
    const best = kept.get(k);
    if (
      !best ||
      entry.updatedAt > best.updatedAt ||
      (entry.updatedAt === best.updatedAt && entry.id > best.id)
    )
      kept.set(k, entry);
  }
  return kept;
}

/** The key one quota counts under: its member and month. */
export const quotaKey = (q: { readonly memberId: string; readonly month: string }): string =>
  `${q.memberId}\u0000${q.month}`;

/** The key one exchange rate counts under: its pair and first day. */
export const rateKey = (r: {
  readonly base: string;
  readonly currency: string;
  readonly effectiveFrom: string;
}): string => `${r.base}\u0000${r.currency}\u0000${r.effectiveFrom}`;
