import { create } from 'zustand';
import type { Pipeline } from '../../../shared/domain/crm.schemas';
import { registerReset } from '../reset';
import { ensurePipelines } from './crm.data';

interface PipelinesState {
  pipelines: Pipeline[] | null;
  load: () => Promise<Pipeline[]>;
}

/** Pipelines and their stages (names for lists, columns for the board). */
export const usePipelinesStore = create<PipelinesState>((set, get) => ({
  pipelines: null,
  load: async () => {
    const have = get().pipelines;
    if (have) return have;
    const pipelines = await ensurePipelines();
    set({ pipelines });
    return pipelines;
  },
}));

registerReset(() => usePipelinesStore.setState({ pipelines: null }));

export function stageName(pipelines: Pipeline[] | null, pipelineId: string, stageId: string): string {
  const pipeline = pipelines?.find((p) => p.id === pipelineId);
  return pipeline?.stages.find((s) => s.id === stageId)?.name ?? stageId;
}
