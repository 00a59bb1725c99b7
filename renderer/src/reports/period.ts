/** The periods the dashboard offers. */
export const PERIODS = ['month', 'quarter', 'year', 'last90', 'next90'] as const;
export type Period = (typeof PERIODS)[number];

const day = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** A period as local calendar days (inclusive), and today. */
export function periodRange(period: Period, now: Date): { from: string; to: string; today: string } {
  const y = now.getFullYear();
  const m = now.getMonth();
  const today = day(now);
  switch (period) {
    case 'month':
      return { from: day(new Date(y, m, 1)), to: day(new Date(y, m + 1, 0)), today };
    case 'quarter': {
      const q = Math.floor(m / 3) * 3;
      return { from: day(new Date(y, q, 1)), to: day(new Date(y, q + 3, 0)), today };
    }
    case 'year':
      return { from: day(new Date(y, 0, 1)), to: day(new Date(y, 11, 31)), today };
    case 'last90':
      return { from: day(new Date(y, m, now.getDate() - 89)), to: today, today };
    case 'next90':
      return { from: today, to: day(new Date(y, m, now.getDate() + 89)), today };
  }
}
