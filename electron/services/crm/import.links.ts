import type { z } from 'zod';
import { pipelineSchema, type activityKindSchema, type Pipeline } from '../../../shared/domain/crm.schemas';
import type { ImportTarget } from '../../../shared/ipc/channels/import.schemas';
import { accountDef, contactDef, dealDef, DEFAULT_PIPELINE_ID, pipelineDef } from './crm.entities';
import type { CrmService } from './crm.service';

/* Values and linked records of account, deal, activity and task imports, found by name. */

/** Activity kinds as CRMs and zh-CN sheets write them (keys normalised by `key`). */
export const KINDS: Record<string, z.infer<typeof activityKindSchema>> = {
  call: 'call',
  phone: 'call',
  phonecall: 'call',
  电话: 'call',
  通话: 'call',
  meeting: 'meeting',
  会议: 'meeting',
  会面: 'meeting',
  visit: 'visit',
  拜访: 'visit',
  走访: 'visit',
  sitevisit: 'visit',
  email: 'email',
  mail: 'email',
  邮件: 'email',
  note: 'note',
  notes: 'note',
  备注: 'note',
  笔记: 'note',
  task: 'note',
};

export const STATUSES: Record<string, 'open' | 'won' | 'lost'> = {
  open: 'open',
  进行中: 'open',
  跟进中: 'open',
  won: 'won',
  closedwon: 'won',
  赢单: 'won',
  成交: 'won',
  已成交: 'won',
  lost: 'lost',
  closedlost: 'lost',
  输单: 'lost',
  丢单: 'lost',
  已丢失: 'lost',
};

/** Task priorities as CRMs write them (Salesforce High/Normal/Low, HubSpot's Medium, zh-CN). */
export const PRIORITIES: Record<string, 'low' | 'normal' | 'high'> = {
  low: 'low',
  低: 'low',
  normal: 'normal',
  medium: 'normal',
  none: 'normal',
  普通: 'normal',
  中: 'normal',
  一般: 'normal',
  high: 'high',
  urgent: 'high',
  高: 'high',
  紧急: 'high',
};

/** Whether a task is done: this app's Yes/No, a CRM's task status, or zh-CN. */
export const DONE: Record<string, boolean> = {
  yes: true,
  true: true,
  1: true,
  done: true,
  completed: true,
  complete: true,
  是: true,
  完成: true,
  已完成: true,
  no: false,
  false: false,
  0: false,
  open: false,
  notstarted: false,
  inprogress: false,
  waitingonsomeoneelse: false,
  deferred: false,
  否: false,
  未完成: false,
  进行中: false,
  未开始: false,
};

export const key = (s: string) =>
  s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');

/** Lookups of the live records a row may link to, by normalised name (contacts also by e-mail). */
export class Links {
  private readonly accounts = new Map<string, string>();
  private readonly contacts = new Map<string, string>();
  private readonly deals = new Map<string, string>();
  readonly pipelines: Pipeline[];

  constructor(svc: CrmService, needs: Set<ImportTarget>) {
    if (needs.has('accountName'))
      for (const r of svc.records.iterate(accountDef, null)) this.accounts.set(key(String(r.name)), r.id);
    if (needs.has('contactName')) {
      for (const r of svc.records.iterate(contactDef, null)) {
        this.contacts.set(key(String(r.name)), r.id);
        for (const e of (r.emails as string[] | undefined) ?? [])
          this.contacts.set(`@${e.toLowerCase()}`, r.id);
      }
    }
    if (needs.has('dealName'))
      for (const r of svc.records.iterate(dealDef, null)) this.deals.set(key(String(r.name)), r.id);
    this.pipelines = [...svc.records.iterate(pipelineDef, null)].flatMap((r) => {
      const p = pipelineSchema.safeParse(r);
      return p.success ? [p.data] : [];
    });
  }

  account(name: string): string | null {
    return this.accounts.get(key(name)) ?? null;
  }
  rememberAccount(name: string, id: string): void {
    this.accounts.set(key(name), id);
  }
  contact(text: string): string | null {
    const t = text.trim();
    return (
      (t.includes('@') ? this.contacts.get(`@${t.toLowerCase()}`) : undefined) ??
      this.contacts.get(key(t)) ??
      null
    );
  }
  deal(name: string): string | null {
    return this.deals.get(key(name)) ?? null;
  }
  /** The pipeline by name (else the default one) and the stage in it by name or id (else the first). */
  stage(
    pipelineName: string | undefined,
    stageName: string | undefined,
  ): { pipelineId: string; stageId: string } | null {
    const pipeline =
      (pipelineName ? this.pipelines.find((p) => key(p.name) === key(pipelineName)) : undefined) ??
      (pipelineName
        ? undefined
        : (this.pipelines.find((p) => p.id === DEFAULT_PIPELINE_ID) ?? this.pipelines[0]));
    if (!pipeline) return null;
    const stage = stageName
      ? pipeline.stages.find((s) => key(s.name) === key(stageName) || s.id === stageName)
      : pipeline.stages[0];
    return stage ? { pipelineId: pipeline.id, stageId: stage.id } : null;
  }
}
