import type { ImportEntity, ImportTarget } from '../../../shared/ipc/channels/import.schemas';
import { ENTITY_GUESSES } from './import.guesses.records';

/*
 * Header guesses of the CSV importer: what a column is, from its header, for each entity. Covers en
 * and zh-CN spreadsheet headers, Salesforce, HubSpot and Pipedrive exports, and this app's own export
 * (export.csv.ts), so an export maps back without help.
 */

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
  task: [
    'ignore',
    'name',
    'dueAt',
    'priority',
    'done',
    'assigneeId',
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
