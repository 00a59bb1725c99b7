import { savedViewSchema } from '../../../shared/domain/crm.schemas';
import type { viewsChannels } from '../../../shared/views/views.channels';
import { savedViewDef } from '../crm/crm.entities';
import { entityHandlers, type SkipReporter } from '../crm/crm.handlers';
import type { CrmService } from '../crm/crm.service';
import type { Handler } from '../ipc/router';
import type { ModuleContext, ServiceModule } from '../module';
import { PrivateViewsRepository } from './private-views.repository';

export type ViewsChannelName = keyof typeof viewsChannels;

/**
 * Saved views. Shared ones are `savedView` records, written by the one writer and synced like any
 * record; private ones are device-local rows of the vault that no op ever carries.
 */
export function createViewsModule(
  ctx: ModuleContext,
  crm: () => CrmService,
): ServiceModule<ViewsChannelName> {
  const report: SkipReporter = (entity, count) =>
    ctx.logger.log('warn', 'views.recordsSkipped', { entity, count });
  const shared = entityHandlers(savedViewDef, savedViewSchema, crm, report);
  const local = () => new PrivateViewsRepository(crm().db);
  const handlers: { readonly [C in ViewsChannelName]: Handler<C> } = {
    'savedViews.create': shared.create,
    'savedViews.update': shared.update,
    'savedViews.get': shared.get,
    'savedViews.list': shared.list,
    'savedViews.delete': shared.delete,
    'privateViews.list': (input) => local().list(input.list),
    'privateViews.save': (input) => local().save(input.id, input.view, ctx.now()),
    'privateViews.delete': (input) => local().delete(input.id),
  };
  return { handlers, dispose() {} };
}
