/**
 * The default sales pipeline every vault starts with (crm migration 1). Fixed ids, so every device
 * seeds the same record and nothing about it needs to sync; English names, which the app shows in
 * the rep's language until someone renames them. These values are part of a shipped migration:
 * never change them.
 */
export const DEFAULT_PIPELINE_ID = '00000000-0000-7000-8000-000000000001';
export const DEFAULT_PIPELINE_NAME = 'Sales';
export const DEFAULT_STAGES = [
  { id: 'lead', name: 'Lead', probability: 10 },
  { id: 'qualified', name: 'Qualified', probability: 25 },
  { id: 'proposal', name: 'Proposal', probability: 50 },
  { id: 'negotiation', name: 'Negotiation', probability: 75 },
  { id: 'closing', name: 'Closing', probability: 90 },
] as const;
