import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  accountDef,
  activityDef,
  contactDef,
  DEFAULT_PIPELINE_ID,
  dealDef,
} from '../../electron/services/crm/crm.entities';
import { createCrmHandlers } from '../../electron/services/crm/crm.handlers';
import { crmMigrations } from '../../electron/services/crm/crm.migrations';
import { CrmService } from '../../electron/services/crm/crm.service';
import { runSearch } from '../../electron/services/crm/search.service';
import { openEncryptedDatabase, type Db } from '../../electron/services/db/database';
import { migrate } from '../../electron/services/db/migrate';
import { silentLogger } from '../../electron/services/log/logger';
import type { ModuleContext } from '../../electron/services/module';
import {
  median,
  percentile,
  result,
  type BenchContext,
  type BenchResult,
  type BenchSuite,
} from './bench.types';

/** A small deterministic PRNG, so every run indexes the same data. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
];
const GIVEN = [
  ...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕建国文辉力斌宇浩凯鹏晨欣怡婷雪梅琳丹晶颖倩佳慧雅琪涵',
];
const FIRST = [
  'James',
  'Mary',
  'John',
  'Patricia',
  'Robert',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'William',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Charles',
  'Karen',
  'Lukas',
  'Sophie',
  'Jonas',
  'Marie',
  'José',
  'Chloé',
];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Müller',
  'Schmidt',
  'Schneider',
  'Fischer',
  'Weber',
  'Meyer',
  'Wagner',
  'Becker',
  'Baker',
  'Dubois',
];
const WORDS = [
  'demo',
  'pricing',
  'contract',
  'renewal',
  'follow',
  'meeting',
  'budget',
  'discount',
  'delivery',
  'install',
  'training',
  'support',
  'quote',
  'visit',
  'warehouse',
  'forklift',
  'pallet',
  'order',
  'invoice',
  'trade',
  'fair',
  'manager',
  'decision',
  'quarter',
  '报价',
  '合同',
  '交付',
  '培训',
  '预算',
  '客户',
  '会议',
  '经理',
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function digits(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 10);
  return s;
}

interface Person {
  name: string;
  email: string;
  phone: string;
}

function person(r: () => number, i: number): Person {
  if (i % 2 === 0) {
    const name = pick(r, SURNAMES) + pick(r, GIVEN) + (r() < 0.6 ? pick(r, GIVEN) : '');
    return {
      name,
      email: `user${i}@example.cn`,
      phone: `+86 1${digits(r, 2)} ${digits(r, 4)} ${digits(r, 4)}`,
    };
  }
  const first = pick(r, FIRST);
  const last = pick(r, LAST);
  return {
    name: `${first} ${last}`,
    email: `${first.toLowerCase()}.${last.toLowerCase()}${i}@example.com`
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, ''),
    phone: `+49 30 ${digits(r, 7)}`,
  };
}

function note(r: () => number): string {
  const words: string[] = [];
  let len = 0;
  while (len < 200) {
    const w = pick(r, WORDS);
    words.push(w);
    len += w.length + 1;
  }
  return words.join(' ');
}

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const v = fn();
  return [v, performance.now() - t];
}

function open(dir: string, name: string): Db {
  const db = openEncryptedDatabase(path.join(dir, name), randomBytes(32));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -262144');
  migrate(db, [crmMigrations]);
  return db;
}

function context(): ModuleContext {
  return { dataDir: '', logger: silentLogger, emit: () => undefined, now: Date.now };
}

export function contactsCsv(n: number, r: () => number): string {
  const lines = ['First Name,Last Name,Email,Phone Number,Company Name,Job Title,Notes'];
  for (let i = 0; i < n; i++) {
    const p = person(r, i);
    const [first, ...rest] = p.name.includes(' ') ? p.name.split(' ') : ['', p.name];
    lines.push(
      `${first},${rest.join(' ')},${p.email},${p.phone},Company ${i % 500},Buyer,"${note(r).slice(0, 60)}"`,
    );
  }
  return lines.join('\r\n');
}

/** Import throughput: the CSV importer against raw inserts of the same rows into a bare table. */
export function benchImport(ctx: BenchContext, n: number): BenchResult[] {
  const csv = contactsCsv(n, rng(7));
  const db = open(ctx.dir, 'import.db');
  const svc = new CrmService(db, Date.now);
  const handlers = createCrmHandlers(context(), () => svc);
  const cpu = process.cpuUsage();
  const [res, ms] = time(() =>
    handlers['import.commit'](
      { csv, dedupeBy: 'emailOrPhone' },
      { sender: { transport: 'test', url: '', isMainFrame: true }, callId: 'bench' },
    ),
  );
  const created = (res as { created: number }).created;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  // CPU time as well: other sessions load this machine, and it moves less with their load than wall time.
  ctx.log(`import: ${created} contacts in ${ms.toFixed(0)} ms (cpu ${cpuMs.toFixed(0)} ms)`);
  db.exec('CREATE TABLE bench_plain (id INTEGER PRIMARY KEY, name TEXT, email TEXT, phone TEXT, notes TEXT)');
  const r = rng(7);
  const rows = Array.from({ length: n }, (_, i) => person(r, i));
  const ins = db.prepare('INSERT INTO bench_plain (name, email, phone, notes) VALUES (?, ?, ?, ?)');
  const [, plainMs] = time(() =>
    db.transaction(() => rows.forEach((p) => ins.run(p.name, p.email, p.phone, '')))(),
  );
  db.close();
  const rate = created / (ms / 1000);
  return [
    result(`crm.import ${n} contacts`, ms, 'ms', plainMs, n >= 100_000 ? '< 5000 ms' : undefined),
    result('crm.import rows/s', rate, 'rows/s', n / (plainMs / 1000)),
    result(`crm.import ${n} contacts, CPU time`, cpuMs, 'ms'),
  ];
}

/** Fills a vault through the service (ops, search index and all), in large transactions. */
function populate(
  ctx: BenchContext,
  svc: CrmService,
  sizes: { contacts: number; accounts: number; deals: number; activities: number },
): string[] {
  const r = rng(42);
  const accountIds: string[] = [];
  const contactIds: string[] = [];
  const batch = (n: number, label: string, fn: (i: number) => void) => {
    const t = performance.now();
    for (let start = 0; start < n; start += 10_000) {
      svc.tx(() => {
        for (let i = start; i < Math.min(n, start + 10_000); i++) fn(i);
      });
    }
    ctx.log(`populate: ${n} ${label} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  batch(sizes.accounts, 'accounts', (i) => {
    const name =
      i % 2
        ? `${pick(r, LAST)} ${pick(r, ['GmbH', 'Inc.', 'Ltd', 'Logistics', 'Industries'])} ${i}`
        : `${pick(r, SURNAMES)}${pick(r, ['科技', '贸易', '物流', '制造'])}有限公司${i}`;
    accountIds.push(
      svc.create(accountDef, { name, domain: `acct${i}.example`, phone: `+86 21 ${digits(r, 8)}` }).id,
    );
  });
  batch(sizes.contacts, 'contacts', (i) => {
    const p = person(r, i);
    contactIds.push(
      svc.create(contactDef, {
        name: p.name,
        emails: [p.email],
        phones: [p.phone],
        accountId: pick(r, accountIds),
        title: pick(r, ['Buyer', 'CEO', '采购经理', 'Engineer']),
      }).id,
    );
  });
  batch(sizes.deals, 'deals', (i) => {
    svc.create(dealDef, {
      name: `${pick(r, WORDS)} deal ${i}`,
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId: pick(r, ['lead', 'qualified', 'proposal', 'negotiation', 'closing']),
      position: i,
      amountMinor: Math.floor(r() * 1e7),
      currency: 'EUR',
      accountId: pick(r, accountIds),
    });
  });
  batch(sizes.activities, 'activities', (i) => {
    svc.create(activityDef, {
      kind: pick(r, ['call', 'meeting', 'visit', 'email', 'note'] as const),
      occurredAt: 1_700_000_000_000 + i * 60_000,
      body: note(r),
      contactId: pick(r, contactIds),
    });
  });
  return contactIds;
}

function queries(r: () => number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 7) {
      case 0:
        out.push(
          pick(r, LAST)
            .slice(0, 2 + Math.floor(r() * 3))
            .toLowerCase(),
        );
        break;
      case 1:
        out.push(pick(r, GIVEN));
        break;
      case 2:
        out.push(pick(r, SURNAMES) + pick(r, GIVEN));
        break;
      case 3:
        out.push(`user${Math.floor(r() * 1000)}@`);
        break;
      case 4:
        out.push(digits(r, 4 + Math.floor(r() * 3)));
        break;
      case 5:
        out.push(pick(r, WORDS));
        break;
      default:
        out.push(`${pick(r, FIRST)} ${pick(r, LAST).slice(0, 3)}`);
    }
  }
  return out;
}

export const crmBench: BenchSuite = {
  name: 'crm',
  run(ctx) {
    const full = !ctx.quick;
    const sizes = full
      ? { contacts: 100_000, accounts: 20_000, deals: 50_000, activities: 500_000 }
      : { contacts: 5_000, accounts: 1_000, deals: 2_500, activities: 25_000 };
    const rows: BenchResult[] = [];
    rows.push(...benchImport(ctx, sizes.contacts));

    const db = open(ctx.dir, 'search.db');
    const svc = new CrmService(db, Date.now);
    populate(ctx, svc, sizes);
    for (const t of ['crm_search_names', 'crm_search_text', 'crm_search_tri'])
      db.exec(`INSERT INTO ${t} (${t}) VALUES ('optimize')`);

    const qs = queries(rng(9), 400);
    for (const q of qs.slice(0, 20)) runSearch(svc.search, q, 20, null); // warm-up
    const lat: number[] = [];
    for (const q of qs) lat.push(time(() => runSearch(svc.search, q, 20, null))[1]);
    // Baseline: the naive alternative, a substring scan of contact names.
    const like = db.prepare("SELECT id FROM crm_contacts WHERE name LIKE '%' || ? || '%' LIMIT 20");
    const base: number[] = [];
    for (const q of qs.slice(0, 50)) base.push(time(() => like.all(q))[1]);
    rows.push(result('crm.search p50', median(lat), 'ms', median(base)));
    rows.push(result('crm.search p95', percentile(lat, 95), 'ms', percentile(base, 95), '< 10 ms'));
    // Per query kind (queries() cycles through them), to show which kind dominates the tail.
    const kinds = [
      'latin prefix',
      'cjk char',
      'cjk name',
      'email fragment',
      'phone digits',
      'note word',
      'first+last',
    ];
    kinds.forEach((kind, k) => {
      const own = lat.filter((_, i) => i % kinds.length === k);
      rows.push(result(`crm.search p95 ${kind}`, percentile(own, 95), 'ms'));
    });

    const pageLat: number[] = [];
    const baseLat: number[] = [];
    const plain = db.prepare('SELECT * FROM crm_contacts ORDER BY name, id LIMIT 50');
    let cursor: string | undefined;
    for (let i = 0; i < 200; i++) {
      const [page, ms] = time(() =>
        svc.list(contactDef, { sort: { field: 'name', dir: 'asc' }, limit: 50, cursor: cursor ?? null }),
      );
      pageLat.push(ms);
      cursor = page.nextCursor ?? undefined;
      baseLat.push(time(() => plain.all())[1]);
    }
    rows.push(
      result(
        'crm.list contacts page p95 (with total)',
        percentile(pageLat, 95),
        'ms',
        percentile(baseLat, 95),
      ),
    );
    db.close();
    return Promise.resolve(rows);
  },
};
