import type { TFunction } from 'i18next';
import { clipSearchQuery } from '../../../shared/ipc/channels/search.schemas';
import { call } from '../api';
import type { PaletteItem } from '../components/Palette';
import { useUiStore, type Route } from '../ui.store';
import { createRecord, ensurePipelines, newDealCurrency } from './crm.data';
import { noteLocalChange } from './records.events';

type CreateKind = 'deal' | 'contact' | 'account' | 'task';

/** "new deal for Acme", "create contact Ann Lee", "新建商机 华东机械", "新建任务 回电话". */
export function parseCreate(q: string): { kind: CreateKind; rest: string } | null {
  const en = /^(?:new|create|add)\s+(deal|contact|account|task)\b\s*(.*)$/i.exec(q.trim());
  if (en) return { kind: en[1]!.toLowerCase() as CreateKind, rest: en[2]!.trim() };
  const zh = /^(?:新建|新增|创建|新)\s*(商机|联系人|客户|任务)\s*(.*)$/.exec(q.trim());
  if (!zh) return null;
  const kinds: Record<string, CreateKind> = {
    商机: 'deal',
    联系人: 'contact',
    客户: 'account',
    任务: 'task',
  };
  return { kind: kinds[zh[1]!]!, rest: zh[2]!.trim() };
}

/** The account part of "deal for Acme" / "商机 给 华东" / "商机 为 华东" (or the whole rest). */
function accountPart(rest: string): string {
  return rest.replace(/^(?:for|at|with|给|为|的)\s*/i, '').trim();
}

const open = (route: Route) => useUiStore.getState().navigate(route);

async function createItems(q: string, t: TFunction): Promise<PaletteItem[]> {
  const intent = parseCreate(q);
  if (!intent) return [];
  const group = t('day.paletteCreate');
  const { kind, rest } = intent;
  if (kind === 'deal') {
    const name = accountPart(rest);
    const accounts =
      name === ''
        ? []
        : (
            await call('search.query', { q: clipSearchQuery(name), limit: 5, entities: ['account'] })
          ).hits.map((h) => ({
            id: h.id,
            name: h.title.map((s) => s.text).join(''),
          }));
    const forAccount = accounts.map((a): PaletteItem => ({
      id: `create-deal-${a.id}`,
      label: t('day.newDealFor', { account: a.name }),
      group,
      run: async () => {
        const [pipeline] = await ensurePipelines();
        const stage = pipeline?.stages[0];
        if (!pipeline || !stage) return;
        const deal = await call('deals.create', {
          name: t('day.dealName', { account: a.name }),
          pipelineId: pipeline.id,
          stageId: stage.id,
          accountId: a.id,
          currency: newDealCurrency(),
        });
        noteLocalChange('deal', [deal.id]);
        open({ name: 'record', entity: 'deal', id: deal.id });
      },
    }));
    return name === ''
      ? forAccount
      : [
          ...forAccount,
          {
            id: 'create-deal-named',
            label: t('day.newNamed', { entity: t('entity.deal'), name }),
            group,
            run: async () => {
              const d = await createRecord('deal', name);
              open({ name: 'record', entity: 'deal', id: d.id });
            },
          },
        ];
  }
  if (rest === '') return [];
  if (kind === 'task')
    return [
      {
        id: 'create-task',
        label: t('day.newNamed', { entity: t('entity.task'), name: rest }),
        group,
        run: async () => {
          const task = await call('tasks.create', { title: rest });
          noteLocalChange('task', [task.id]);
          open({ name: 'home' });
        },
      },
    ];
  // A contact or account that looks like one already there says so (the hits below show it).
  const like =
    (kind === 'contact' || kind === 'account') && rest !== ''
      ? (await call('duplicates.find', { entity: kind, name: rest }).catch(() => ({ matches: [] }))).matches
      : [];
  return [
    {
      id: `create-${kind}`,
      label: t('day.newNamed', { entity: t(`entity.${kind}`), name: rest }),
      ...(like.length > 0
        ? { hint: t('merge.warnCreate', { names: like.map((m) => m.name).join(', ') }) }
        : {}),
      group,
      run: async () => {
        const r = await createRecord(kind, rest);
        open({ name: 'record', entity: kind, id: r.id });
      },
    },
  ];
}

/** Opens the record an activity or task belongs to (the agenda when it belongs to none). */
async function openLinked(entity: 'activity' | 'task', id: string): Promise<void> {
  const r = entity === 'activity' ? await call('activities.get', { id }) : await call('tasks.get', { id });
  if (r.dealId) open({ name: 'record', entity: 'deal', id: r.dealId });
  else if (r.contactId) open({ name: 'record', entity: 'contact', id: r.contactId });
  else if (r.accountId) open({ name: 'record', entity: 'account', id: r.accountId });
  else open({ name: entity === 'activity' ? 'agenda' : 'home' });
}

/**
 * The palette's answer to a query: create commands first, then ranked hits of every kind. Text
 * longer than the search takes is searched by its start (a long task title still offers its
 * create); a failed search rejects, so the palette says why instead of showing no results.
 */
export async function paletteSearch(q: string, t: TFunction): Promise<PaletteItem[]> {
  const [creates, result] = await Promise.all([
    createItems(q, t).catch(() => []),
    call('search.query', { q: clipSearchQuery(q), limit: 20 }),
  ]);
  const items: PaletteItem[] = [...creates];
  for (const hit of result.hits) {
    const label = hit.title.map((s) => s.text).join('') || hit.snippet.map((s) => s.text).join('');
    const group = t(`entity.${hit.entity}`);
    const entity = hit.entity;
    if (entity === 'account' || entity === 'contact' || entity === 'deal')
      items.push({
        id: `${entity}-${hit.id}`,
        label,
        group,
        run: () => open({ name: 'record', entity, id: hit.id }),
      });
    else if (entity === 'activity' || entity === 'task')
      items.push({ id: `${entity}-${hit.id}`, label, group, run: () => openLinked(entity, hit.id) });
  }
  return items;
}
