import { create } from 'zustand';
import type { TFunction } from 'i18next';
import type { Pipeline } from '../../../shared/domain/crm.schemas';
import { registerReset } from '../reset';
import { ensurePipelines } from './crm.data';
import { stageLabel } from './pipeline.labels';

export { pipelineLabel, stageLabel } from './pipeline.labels';

interface PipelinesState {
  pipelines: Pipeline[] | null;
  /** The loaded pipelines, reading them on first use. */
  load: () => Promise<Pipeline[]>;
  /** Reads them again (another device or window changed them). */
  reload: () => Promise<Pipeline[]>;
}

/** Pipelines and their stages (names for lists, columns for the board). */
export const usePipelinesStore = create<PipelinesState>((set, get) => ({
  pipelines: null,
  load: async () => {
    const have = get().pipelines;
    if (have) return have;
    return get().reload();
  },
  reload: async () => {
    const pipelines = await ensurePipelines();
    set({ pipelines });
    return pipelines;
  },
}));

registerReset(() => usePipelinesStore.setState({ pipelines: null }));

/** The shown name of a deal's stage (its id while pipelines are loading or when it is unknown). */
export function stageName(
  pipelines: Pipeline[] | null,
  pipelineId: string,
  stageId: string,
  t: TFunction,
): string {
  const stage = pipelines?.find((p) => p.id === pipelineId)?.stages.find((s) => s.id === stageId);
  return stage ? stageLabel(pipelineId, stage, t) : stageId;
}
