import type { peopleChannels } from '../../../shared/people/people.channels';
import type { LoggedMember, WorkspaceMember } from '../../../shared/people/members';
import type { CrmService } from '../crm/crm.service';
import type { Handler } from '../ipc/router';
import type { ModuleContext, ServiceModule } from '../module';
import { PeopleService } from './people.service';

export type PeopleChannelName = keyof typeof peopleChannels;

/** Members, their names and teams, and bulk reassignment (issue 15). Holds nothing between calls. */
export function createPeopleModule(
  _ctx: ModuleContext,
  crm: () => CrmService,
  logged: () => LoggedMember[] | null,
): ServiceModule<PeopleChannelName> & {
  /** The workspace's members; null when the vault is in no workspace. */
  readonly members: () => WorkspaceMember[] | null;
} {
  const service = () => new PeopleService(crm(), logged);
  const handlers: { readonly [C in PeopleChannelName]: Handler<C> } = {
    'memberProfiles.list': (input) => service().profilePage(input ?? {}),
    'members.list': () => service().list(),
    'members.update': (input) => service().update(input),
    'records.reassign': (input) => service().reassign(input.entity, input.ids, input.ownerId),
  };
  return { handlers, members: () => service().workspaceMembers(), dispose() {} };
}
