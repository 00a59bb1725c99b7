import type { Logger } from '../services/log/logger';
import type { PolicyService } from '../services/policy/policy.service';
import { runUpdateRound, updatePlanFrom, type UpdatePlan } from '../services/update/update.policy';
import type { Updater } from '../services/update/updater';
import { startElectronUpdater } from './updater.electron';

/** How often a running app looks for a verified update. */
const ROUND_MS = 6 * 3600_000;

/**
 * Looks for updates now and every few hours, as IT's policy says (feed, channel, pin, "no updates"),
 * re-reading the policy each round. Only releases the verifier accepted are downloaded and
 * installed on quit. Returns a stop function.
 */
export function startUpdates(policy: PolicyService, logger: Logger): () => void {
  let planKey = '';
  let updater: Updater | null = null;
  const round = async (): Promise<void> => {
    const plan: UpdatePlan | null = updatePlanFrom(await policy.ready());
    if (!plan) {
      logger.log('info', 'update.noFeed', {});
      return;
    }
    const key = JSON.stringify(plan);
    if (key !== planKey || !updater) {
      updater = await startElectronUpdater({ feed: { feedUrl: plan.feedUrl }, policy: plan.policy, logger });
      planKey = key;
    }
    if (!updater) return; // not packaged: nothing to update
    const result = await runUpdateRound(updater);
    logger.log('info', 'update.round', { result: typeof result === 'string' ? result : result.refused });
  };
  const run = () => void round().catch(() => logger.log('warn', 'update.roundFailed', {}));
  run();
  const timer = setInterval(run, ROUND_MS);
  return () => clearInterval(timer);
}
