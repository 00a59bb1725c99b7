/*
 * Deterministic test data for the CRM benches: mixed Chinese and Western people, notes, CSV files
 * and search queries of every kind. The same seed gives the same rows in every run.
 */

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

export const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
];
export const GIVEN = [
  ...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕建国文辉力斌宇浩凯鹏晨欣怡婷雪梅琳丹晶颖倩佳慧雅琪涵',
];
export const FIRST = [
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
export const LAST = [
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
export const WORDS = [
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

export function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

export function digits(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 10);
  return s;
}

export interface Person {
  name: string;
  email: string;
  phone: string;
}

export function person(r: () => number, i: number): Person {
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

export function note(r: () => number): string {
  const words: string[] = [];
  let len = 0;
  while (len < 200) {
    const w = pick(r, WORDS);
    words.push(w);
    len += w.length + 1;
  }
  return words.join(' ');
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

/** Search queries cycling through the kinds listed in QUERY_KINDS. */
export function queries(r: () => number, n: number): string[] {
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

/** The kinds `queries` cycles through, in order. */
export const QUERY_KINDS = [
  'latin prefix',
  'cjk char',
  'cjk name',
  'email fragment',
  'phone digits',
  'note word',
  'first+last',
] as const;
