import path from 'node:path';
import { pathToFileURL } from 'node:url';
import i18next, { type TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID, DEFAULT_STAGES } from '../../../shared/domain/crm.seed';

// Renderer modules are loaded at run time: the node test project does not type-check renderer code.
type Named = { id: string; name: string };
interface Labels {
  pipelineLabel: (pipeline: Named, t: TFunction) => string;
  stageLabel: (pipelineId: string, stage: Named, t: TFunction) => string;
}
const renderer = (file: string) => pathToFileURL(path.resolve('renderer/src', file)).href;

async function translator(language: 'en' | 'zh-CN'): Promise<TFunction> {
  const catalogue =
    language === 'en'
      ? ((await import(renderer('i18n/en.ts'))) as { en: object }).en
      : ((await import(renderer('i18n/zh-CN.ts'))) as { zhCN: object }).zhCN;
  const i18n = i18next.createInstance();
  await i18n.init({
    resources: { [language]: { translation: catalogue } },
    lng: language,
    fallbackLng: false,
  });
  return i18n.t;
}

describe('pipeline and stage labels', () => {
  it('show the seeded default pipeline in the rep’s language until it is renamed', async () => {
    const { pipelineLabel, stageLabel } = (await import(renderer('crm/pipeline.labels.ts'))) as Labels;
    const zh = await translator('zh-CN');
    expect(pipelineLabel({ id: DEFAULT_PIPELINE_ID, name: 'Sales' }, zh)).toBe('销售');
    expect(DEFAULT_STAGES.map((s) => stageLabel(DEFAULT_PIPELINE_ID, s, zh))).toEqual([
      '线索',
      '已确认需求',
      '方案报价',
      '商务谈判',
      '即将成交',
    ]);
    const en = await translator('en');
    expect(DEFAULT_STAGES.map((s) => stageLabel(DEFAULT_PIPELINE_ID, s, en))).toEqual(
      DEFAULT_STAGES.map((s) => s.name),
    );
    // Renamed, or a seeded name on another pipeline or stage: shown as typed.
    expect(pipelineLabel({ id: DEFAULT_PIPELINE_ID, name: 'Field sales' }, zh)).toBe('Field sales');
    expect(stageLabel(DEFAULT_PIPELINE_ID, { id: 'lead', name: '新线索' }, zh)).toBe('新线索');
    expect(stageLabel('other-pipeline', { id: 'lead', name: 'Lead' }, zh)).toBe('Lead');
    expect(stageLabel(DEFAULT_PIPELINE_ID, { id: 'custom', name: 'Lead' }, zh)).toBe('Lead');
  });
});
