import type { DashboardQuery, DrillKey } from '../../../shared/reports/dashboard.contract';
import type { ListQuery } from '../crm/crm.data';

const nextMonth = (month: string): string => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
};
const nextDay = (day: string): string => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
};

/**
 * The deal list's query that holds the same deals as a drill-down, when the list's filters can say
 * it: a stage of the pipeline, or a month of the open forecast (inside the period), for everybody,
 * the dashboard's owner scope (the list takes the same scope) or one typed owner. Null for the other
 * figures.
 */
export function drillListQuery(query: DashboardQuery, key: DrillKey, scope = ''): ListQuery | null {
  const members = query.memberIds;
  if (!scope && members !== null && members.length !== 1) return null;
  const base: Record<string, string> = {
    pipelineId: query.pipelineId,
    status: 'open',
    ...(scope ? { scope } : members?.length === 1 ? { ownerId: members[0]! } : {}),
  };
  const sort = { field: 'expectedCloseDate', dir: 'asc' } as const;
  if (key.figure === 'pipeline' && key.stageId) return { sort, filter: { ...base, stageId: key.stageId } };
  if (key.figure === 'forecastOpen' && key.month) {
    const from = `${key.month}-01` > query.from ? `${key.month}-01` : query.from;
    const end = nextMonth(key.month);
    const before = end < nextDay(query.to) ? end : nextDay(query.to);
    return { sort, filter: { ...base, expectedCloseAfter: from, expectedCloseBefore: before } };
  }
  return null;
}
