import type { policyChannels } from '../../../shared/policy/policy.channels';
import type { ModuleContext, ServiceModule } from '../module';
import { PolicyService } from './policy.service';
import type { PolicySource } from './policy.source';

export type PolicyChannelName = keyof typeof policyChannels;

/** Managed policy: `policy.get`, the `policy.changed` event, and the service other modules consult. */
export function createPolicyModule(
  ctx: ModuleContext,
  source: PolicySource,
): ServiceModule<PolicyChannelName> & { readonly service: PolicyService } {
  const service = new PolicyService(source, ctx.logger);
  service.onChange(() => ctx.emit('policy.changed', service.view()));
  return {
    service,
    handlers: {
      'policy.get': async () => {
        await service.ready();
        return service.view();
      },
    },
    dispose: () => service.dispose(),
  };
}
