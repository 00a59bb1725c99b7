// Runs inside Actual's own environment (this folder's node_modules): makes the bench workload on a
// running Actual sync server. The budget is created and uploaded empty through Actual's API, then
// the workload's messages, shaped exactly as Actual's client writes them (one per field, the columns
// and values its API writes for a payee and a transaction), go to the server in batches, as a client
// that edited offline would send them. Prints {"groupId", "messages"} as its last line.
import * as api from '@actual-app/api';
import {
  create,
  fromBinary,
  MessageEnvelopeSchema,
  MessageSchema,
  SyncRequestSchema,
  SyncResponseSchema,
  toBinary,
} from '@actual-app/crdt';

const [serverURL, dataDir, password, contacts, deals, activities] = process.argv.slice(2);
const sizes = { contacts: Number(contacts), deals: Number(deals), activities: Number(activities) };

const lib = await api.init({ dataDir, serverURL, password });
await lib.send('create-budget', { budgetName: 'bench' });
const account = await api.createAccount({ name: 'Field', offbudget: false }, 0);
const categories = (await api.getCategoryGroups())
  .flatMap((g) => g.categories ?? [])
  .filter((c) => !c.is_income)
  .map((c) => c.id)
  .slice(0, 4);
await api.sync();
const prefs = await lib.send('load-prefs');
await api.shutdown();

const login = await fetch(`${serverURL}/account/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ loginMethod: 'password', password }),
});
const token = (await login.json()).data.token;
const node = [...crypto.getRandomValues(new Uint8Array(8))]
  .map((b) => b.toString(16).padStart(2, '0'))
  .join('');
const start = Date.now();
let seq = 0;
let batch = [];
let sent = 0;

/** An HLC stamp as Actual's clock writes it: ISO time, 4-hex counter, 16-hex node. */
function stamp() {
  const i = seq++;
  const counter = (i % 60000).toString(16).toUpperCase().padStart(4, '0');
  return `${new Date(start + Math.floor(i / 60000)).toISOString()}-${counter}-${node}`;
}

async function flush() {
  if (batch.length === 0) return;
  const request = create(SyncRequestSchema, {
    messages: batch,
    fileId: prefs.cloudFileId,
    groupId: prefs.groupId,
    keyId: '',
    since: batch[0].timestamp,
  });
  const res = await fetch(`${serverURL}/sync/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/actual-sync', 'x-actual-token': token },
    body: toBinary(SyncRequestSchema, request),
  });
  if (!res.ok) throw new Error(`sync answered ${res.status}`);
  fromBinary(SyncResponseSchema, new Uint8Array(await res.arrayBuffer()));
  sent += batch.length;
  batch = [];
}

async function put(dataset, row, column, value) {
  const v = value === null ? '0:' : typeof value === 'number' ? `N:${value}` : `S:${value}`;
  const content = toBinary(MessageSchema, create(MessageSchema, { dataset, row, column, value: v }));
  batch.push(create(MessageEnvelopeSchema, { timestamp: stamp(), content, isEncrypted: false }));
  if (batch.length >= 20000) await flush();
}

const payees = [];
for (let i = 0; i < sizes.contacts; i++) {
  const id = crypto.randomUUID();
  payees.push(id);
  await put('payees', id, 'name', `Contact ${i} 张伟`);
  await put('payee_mapping', id, 'targetId', id);
}
for (let i = 0; i < sizes.contacts; i++)
  await put('payees', payees[i], 'name', `Contact ${i} 张伟 (purchasing)`);

async function transaction(i, notes, amount, category) {
  const id = crypto.randomUUID();
  const fields = {
    date: 20240101 + (i % 28),
    amount,
    description: payees[i % payees.length],
    notes,
    category,
    acct: account,
    cleared: 1,
    sort_order: start + i,
    reconciled: 0,
  };
  for (const [column, value] of Object.entries(fields)) await put('transactions', id, column, value);
  return id;
}

const dealIds = [];
for (let i = 0; i < sizes.deals; i++)
  dealIds.push(await transaction(i, `Deal ${i}`, 1000 * (i % 997), categories[0]));
for (let step = 1; step <= 3; step++)
  for (const id of dealIds) await put('transactions', id, 'category', categories[step]);
for (let i = 0; i < sizes.activities; i++)
  await transaction(i, `Called about the spring order (${i}).`, -100, null);
await flush();
process.stdout.write(`\n${JSON.stringify({ groupId: prefs.groupId, messages: sent })}\n`);
