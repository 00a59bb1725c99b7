import type { TFunction } from 'i18next';
import type { Pipeline, Stage } from '../../../shared/domain/crm.schemas';
import { DEFAULT_PIPELINE_ID, DEFAULT_PIPELINE_NAME, DEFAULT_STAGES } from '../../../shared/domain/crm.seed';

/**
 * A pipeline's name as shown. The seeded default pipeline (crm.seed) has English names; while they
 * are unchanged they are shown in the rep's language, a renamed one as typed.
 */
export function pipelineLabel(pipeline: Pick<Pipeline, 'id' | 'name'>, t: TFunction): string {
  return pipeline.id === DEFAULT_PIPELINE_ID && pipeline.name === DEFAULT_PIPELINE_NAME
    ? t('stages.defaultPipeline')
    : pipeline.name;
}

/** A stage's name as shown, translated like `pipelineLabel` for the default pipeline's seeded stages. */
export function stageLabel(pipelineId: string, stage: Pick<Stage, 'id' | 'name'>, t: TFunction): string {
  const seeded = pipelineId === DEFAULT_PIPELINE_ID && DEFAULT_STAGES.find((s) => s.id === stage.id);
  return seeded && seeded.name === stage.name ? t(`stages.${seeded.id}`) : stage.name;
}
