import { EMAIL_PATTERN, PHONE_PATTERN } from '../../../shared/domain/crm.schemas';
import type { ImportEntity, ImportTarget } from '../../../shared/ipc/channels/import.schemas';

/*
 * Cell-level rules of the CSV importer: header guesses, multi-value cells, and checks that give the
 * contact schemas' results without zod's per-call cost (proven equal by the fast-path tests).
 */

/** What an invalid optional field becomes when dropInvalidValues drops it. */
export const EMPTY: Record<string, unknown> = { emails: [], phones: [], tags: [], notes: '' };
export const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** Header names (lower-case, letters and digits only) that map to a contact field without help. */
export const GUESSES: Record<string, ImportTarget> = {
  name: 'name',
  fullname: 'name',
  contactname: 'name',
  displayname: 'name',
  firstname: 'givenName',
  givenname: 'givenName',
  first: 'givenName',
  lastname: 'familyName',
  familyname: 'familyName',
  surname: 'familyName',
  last: 'familyName',
  email: 'email',
  emailaddress: 'email',
  email1: 'email',
  email2: 'email',
  workemail: 'email',
  phone: 'phone',
  phonenumber: 'phone',
  mobile: 'phone',
  mobilephone: 'phone',
  mobilephonenumber: 'phone',
  telephone: 'phone',
  tel: 'phone',
  workphone: 'phone',
  jobtitle: 'title',
  title: 'title',
  position: 'title',
  company: 'accountName',
  companyname: 'accountName',
  account: 'accountName',
  accountname: 'accountName',
  organization: 'accountName',
  organisation: 'accountName',
  contactowner: 'ownerId',
  owner: 'ownerId',
  tags: 'tags',
  notes: 'notes',
  note: 'notes',
  description: 'notes',
  street: 'street',
  streetaddress: 'street',
  address: 'street',
  city: 'city',
  state: 'region',
  region: 'region',
  stateregion: 'region',
  province: 'region',
  zip: 'postalCode',
  zipcode: 'postalCode',
  postalcode: 'postalCode',
  postcode: 'postalCode',
  country: 'country',
  countryregion: 'country',
  marketingoptin: 'marketingOptIn',
  emailoptin: 'marketingOptIn',
  marketingconsent: 'marketingOptIn',
  // This app's own export (export.csv.ts) and common spreadsheet headers
  email3: 'email',
  phone1: 'phone',
  phone2: 'phone',
  phone3: 'phone',
  // Salesforce contact and lead reports
  mailingstreet: 'street',
  mailingcity: 'city',
  mailingstate: 'region',
  mailingstateprovince: 'region',
  mailingzip: 'postalCode',
  mailingzippostalcode: 'postalCode',
  mailingpostalcode: 'postalCode',
  mailingcountry: 'country',
  businessphone: 'phone',
  homephone: 'phone',
  otherphone: 'phone',
  // HubSpot contact exports
  associatedcompany: 'accountName',
  // Pipedrive person exports ("Person - Name", "Person - Email - Work")
  personname: 'name',
  personfirstname: 'givenName',
  personlastname: 'familyName',
  personemail: 'email',
  personemailwork: 'email',
  personemailhome: 'email',
  personemailother: 'email',
  personphone: 'phone',
  personphonework: 'phone',
  personphonemobile: 'phone',
  personphonehome: 'phone',
  personphoneother: 'phone',
  personorganization: 'accountName',
  personorganisation: 'accountName',
  personowner: 'ownerId',
  personlabel: 'tags',
  personjobtitle: 'title',
  // zh-CN (简体) headers from Excel, WeCom and Chinese CRMs
  姓名: 'name',
  名字: 'name',
  联系人: 'name',
  联系人姓名: 'name',
  客户姓名: 'name',
  全名: 'name',
  名: 'givenName',
  姓: 'familyName',
  公司: 'accountName',
  公司名称: 'accountName',
  单位: 'accountName',
  工作单位: 'accountName',
  客户名称: 'accountName',
  企业名称: 'accountName',
  手机: 'phone',
  手机号: 'phone',
  手机号码: 'phone',
  移动电话: 'phone',
  电话: 'phone',
  电话号码: 'phone',
  座机: 'phone',
  办公电话: 'phone',
  联系电话: 'phone',
  邮箱: 'email',
  电子邮件: 'email',
  电子邮箱: 'email',
  邮件: 'email',
  邮箱地址: 'email',
  职位: 'title',
  职务: 'title',
  头衔: 'title',
  地址: 'street',
  街道: 'street',
  详细地址: 'street',
  城市: 'city',
  市: 'city',
  省: 'region',
  省份: 'region',
  地区: 'region',
  邮编: 'postalCode',
  邮政编码: 'postalCode',
  国家: 'country',
  国家地区: 'country',
  备注: 'notes',
  描述: 'notes',
  说明: 'notes',
  标签: 'tags',
  负责人: 'ownerId',
  所有者: 'ownerId',
  营销许可: 'marketingOptIn',
};

/** Guesses for accounts, deals and activities where they differ from the contact ones. */
const ENTITY_GUESSES: Record<Exclude<ImportEntity, 'contact'>, Record<string, ImportTarget>> = {
  account: {
    name: 'name',
    accountname: 'name',
    company: 'name',
    companyname: 'name',
    organization: 'name',
    organisation: 'name',
    organizationname: 'name',
    公司: 'name',
    公司名称: 'name',
    客户名称: 'name',
    企业名称: 'name',
    名称: 'name',
    domain: 'domain',
    website: 'domain',
    companydomainname: 'domain',
    网站: 'domain',
    域名: 'domain',
    industry: 'industry',
    行业: 'industry',
    phone: 'phone',
    phonenumber: 'phone',
    电话: 'phone',
    billingstreet: 'street',
    billingcity: 'city',
    billingstate: 'region',
    billingstateprovince: 'region',
    billingzippostalcode: 'postalCode',
    billingpostalcode: 'postalCode',
    billingcountry: 'country',
    accountowner: 'ownerId',
    companyowner: 'ownerId',
  },
  deal: {
    name: 'name',
    dealname: 'name',
    deal: 'name',
    opportunityname: 'name',
    title: 'name',
    dealtitle: 'name',
    商机名称: 'name',
    商机: 'name',
    名称: 'name',
    account: 'accountName',
    accountname: 'accountName',
    company: 'accountName',
    organization: 'accountName',
    dealorganization: 'accountName',
    客户: 'accountName',
    公司: 'accountName',
    amount: 'amount',
    value: 'amount',
    dealvalue: 'amount',
    金额: 'amount',
    currency: 'currency',
    dealcurrency: 'currency',
    币种: 'currency',
    货币: 'currency',
    pipeline: 'pipeline',
    dealpipeline: 'pipeline',
    销售流程: 'pipeline',
    stage: 'stage',
    dealstage: 'stage',
    阶段: 'stage',
    closedate: 'closeDate',
    expectedclosedate: 'closeDate',
    dealexpectedclosedate: 'closeDate',
    预计成交日期: 'closeDate',
    成交日期: 'closeDate',
    probability: 'probability',
    probabilitypercent: 'probability',
    赢率: 'probability',
    status: 'status',
    dealstatus: 'status',
    状态: 'status',
    owner: 'ownerId',
    dealowner: 'ownerId',
    opportunityowner: 'ownerId',
    负责人: 'ownerId',
    contacts: 'contactName',
    contact: 'contactName',
    contactname: 'contactName',
    dealcontactperson: 'contactName',
    联系人: 'contactName',
    tags: 'tags',
  },
  activity: {
    type: 'kind',
    kind: 'kind',
    activitytype: 'kind',
    类型: 'kind',
    date: 'occurredAt',
    when: 'occurredAt',
    occurredat: 'occurredAt',
    duedate: 'occurredAt',
    activitydate: 'occurredAt',
    start: 'occurredAt',
    日期: 'occurredAt',
    时间: 'occurredAt',
    duration: 'durationMinutes',
    durationminutes: 'durationMinutes',
    时长: 'durationMinutes',
    subject: 'subject',
    title: 'subject',
    主题: 'subject',
    outcome: 'outcome',
    result: 'outcome',
    结果: 'outcome',
    notes: 'body',
    note: 'body',
    description: 'body',
    body: 'body',
    comments: 'body',
    备注: 'body',
    内容: 'body',
    account: 'accountName',
    accountname: 'accountName',
    company: 'accountName',
    organization: 'accountName',
    公司: 'accountName',
    客户: 'accountName',
    contact: 'contactName',
    contactname: 'contactName',
    name: 'contactName',
    person: 'contactName',
    联系人: 'contactName',
    deal: 'dealName',
    dealname: 'dealName',
    opportunity: 'dealName',
    商机: 'dealName',
  },
};

/** The targets a column can have for each entity, in the mapping step's order. */
export const ENTITY_TARGETS: Record<ImportEntity, readonly ImportTarget[]> = {
  contact: [
    'ignore',
    'name',
    'givenName',
    'familyName',
    'email',
    'phone',
    'title',
    'accountName',
    'ownerId',
    'tags',
    'notes',
    'street',
    'city',
    'region',
    'postalCode',
    'country',
    'marketingOptIn',
  ],
  account: [
    'ignore',
    'name',
    'domain',
    'industry',
    'phone',
    'ownerId',
    'tags',
    'street',
    'city',
    'region',
    'postalCode',
    'country',
  ],
  deal: [
    'ignore',
    'name',
    'accountName',
    'contactName',
    'amount',
    'currency',
    'pipeline',
    'stage',
    'closeDate',
    'probability',
    'status',
    'ownerId',
  ],
  activity: [
    'ignore',
    'kind',
    'occurredAt',
    'durationMinutes',
    'subject',
    'outcome',
    'body',
    'accountName',
    'contactName',
    'dealName',
  ],
};

/** Prefixes CRM exports put before field names ("Person - Email", "Contact Owner", "Deal - Value"). */
const PREFIXES = ['person', 'contact', 'deal', 'organization', 'primary', 'work'];

/** The guessed target of a header for an entity ('ignore' when nothing fits). */
export function guessTarget(header: string, entity: ImportEntity): ImportTarget {
  const n = norm(header);
  const table = entity === 'contact' ? GUESSES : ENTITY_GUESSES[entity];
  const allowed = ENTITY_TARGETS[entity];
  const look = (key: string): ImportTarget | null => {
    const own = Object.hasOwn(table, key) ? table[key]! : null;
    if (own) return own;
    // Shared address, owner and tag headers apply to accounts too.
    if (entity !== 'contact' && Object.hasOwn(GUESSES, key) && allowed.includes(GUESSES[key]!)) {
      const shared = GUESSES[key]!;
      // A contact's name is never a deal's or account's; "Company" is an account's own name.
      return shared === 'name' || (shared === 'accountName' && entity === 'account') ? null : shared;
    }
    return null;
  };
  const direct = look(n);
  if (direct) return direct;
  for (const prefix of PREFIXES) {
    if (n.startsWith(prefix) && n.length > prefix.length) {
      const hit = look(n.slice(prefix.length));
      if (hit) return hit;
    }
  }
  if (entity === 'contact') {
    // "Email 2", "E-mail (work)", "Mobile phone 3": numbered and qualified variants.
    if (/^e?mail\d*$|^emailaddress\d+$|^email(work|home|other|private)$/.test(n)) return 'email';
    if (/^(mobile|phone|tel|cell)(phone|number)?\d*$|^phone(work|home|mobile|other)$/.test(n)) return 'phone';
  }
  return 'ignore';
}

export function norm(header: string): string {
  return header.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

export function splitMulti(cell: string): string[] {
  return cell
    .split(/[;,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The list without repeats, in first-seen order (the same array when it cannot have any). */
export function unique(values: string[]): string[] {
  return values.length < 2 ? values : [...new Set(values)];
}

/** Consent of a row without an opt-in (shared: rows are read, never modified, after analysis). */
export const NO_CONSENT = Object.freeze({ marketingOptIn: false, recordedAt: null, source: null });

export function truthy(cell: string): boolean {
  return /^(yes|y|true|1|x|opted[ -]?in|subscribed)$/i.test(cell.trim());
}

/** Null, or a string of at most `max` that trimming leaves unchanged. */
export const within = (v: unknown, max: number) =>
  v === null || (typeof v === 'string' && v.length <= max && v === v.trim());

/**
 * Fast path of `contactCreateSchema` for the rows the importer builds: e-mails and phones already
 * passed their own schemas, so checking lengths and that strings are trimmed is enough. True only
 * when the schema would accept the row unchanged; anything else goes through the schema (and its
 * error), so this can make no row valid that the schema rejects.
 */
export function fitsContact(f: Record<string, unknown>): boolean {
  const name = f.name;
  const emails = f.emails as string[];
  const phones = f.phones as string[];
  const tags = f.tags as string[];
  const address = f.address as Record<string, string> | null;
  return (
    typeof name === 'string' &&
    name.length >= 1 &&
    within(name, 200) &&
    within(f.givenName, 100) &&
    within(f.familyName, 100) &&
    within(f.title, 200) &&
    (f.ownerId === null || (within(f.ownerId, 100) && (f.ownerId as string).length >= 1)) &&
    within(f.notes, 20_000) &&
    emails.length <= 20 &&
    phones.length <= 20 &&
    tags.length <= 50 &&
    tags.every((t) => t.length >= 1 && within(t, 50)) &&
    (address === null ||
      (within(address.street ?? null, 200) &&
        within(address.city ?? null, 100) &&
        within(address.region ?? null, 100) &&
        within(address.postalCode ?? null, 20) &&
        within(address.country ?? null, 100)))
  );
}

/**
 * `emailSchema`'s result for one cell without zod's per-call cost (the same checks on the same
 * pattern); null where the schema fails. An import validates hundreds of thousands of them.
 */
export function quickEmail(raw: string): string | null {
  const t = raw.trim();
  return t.length <= 254 && EMAIL_PATTERN.test(t) ? t.toLowerCase() : null;
}

/** `phoneSchema`'s result the same way (same pattern, length and digit count); null where it fails. */
export function quickPhone(raw: string): string | null {
  const t = raw.trim();
  return t.length <= 40 && PHONE_PATTERN.test(t) && t.replace(/\D/g, '').length >= 3 ? t : null;
}
