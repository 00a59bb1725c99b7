// Runs inside Actual's own environment: a new device downloads the budget (uploaded empty, so the
// whole history comes as messages) through Actual's API and applies it. Prints the seconds from the
// call to the budget being loaded and synced, and what the device ends with, as its last line.
import * as api from '@actual-app/api';

const [serverURL, dataDir, password, groupId] = process.argv.slice(2);
const lib = await api.init({ dataDir, serverURL, password });
const t0 = performance.now();
await api.downloadBudget(groupId);
const seconds = (performance.now() - t0) / 1000;
const count = async (table) => (await lib.db.first(`SELECT count(*) AS n FROM ${table}`)).n;
const out = {
  seconds,
  transactions: await count('transactions'),
  payees: await count('payees'),
  messages: await count('messages_crdt'),
};
await api.shutdown();
process.stdout.write(`\n${JSON.stringify(out)}\n`);
