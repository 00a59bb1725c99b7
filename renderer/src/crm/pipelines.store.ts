import { create } from 'zustand';
import type { TFunction } from 'i18next';
import type { Pipeline } from '../../../shared/domain/crm.schemas';
import { call } from '../api';
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
  /**
   * Reads them once the vault opens, without creating the default pipeline (a device about to pull
   * its group's pipelines must not make one of its own): the board then opens without that read.
   */
  preload: () => Promise<void>;
}

/** Counts locks (resets), so a read that started before one is not applied after it. */
let resets = 0;

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
  preload: async () => {
    if (get().pipelines) return;
    const round = resets;
    const page = await call('pipelines.list', { limit: 50, sort: { field: 'createdAt', dir: 'asc' } });
    // Not when the vault locked meanwhile (the answer belongs to the closed session).
    if (page.items.length > 0 && !get().pipelines && round === resets) set({ pipelines: page.items });
  },
}));

registerReset(() => {
  resets++;
  usePipelinesStore.setState({ pipelines: null });
});

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
