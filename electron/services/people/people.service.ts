import { memberProfileSchema, type MemberProfile } from '../../../shared/domain/crm.schemas';
import { AppError } from '../../../shared/errors';
import {
  deriveMembers,
  mayEditProfile,
  memberProfileId,
  type LoggedMember,
  type WorkspaceMember,
} from '../../../shared/people/members';
import type { ReassignEntity } from '../../../shared/people/people.channels';
import { isActiveManager } from '../../../shared/sync/membership';
import {
  accountDef,
  contactDef,
  dealDef,
  memberProfileDef,
  taskDef,
  type EntityDef,
} from '../crm/crm.entities';
import type { CrmService } from '../crm/crm.service';

const OWNER_FIELD: Record<ReassignEntity, { def: EntityDef<unknown>; field: 'ownerId' | 'assigneeId' }> = {
  account: { def: accountDef, field: 'ownerId' },
  contact: { def: contactDef, field: 'ownerId' },
  deal: { def: dealDef, field: 'ownerId' },
  task: { def: taskDef, field: 'assigneeId' },
};

/** A workspace has few members; profiles are read in one page. */
const PROFILE_PAGE = 200;

/**
 * Members (from the verified membership log, or this device alone), their display names and teams
 * (`memberProfile` records), and bulk reassignment. Every write goes through `CrmService`, so the
 * one writer records it as field ops that sync like any edit.
 */
export class PeopleService {
  constructor(
    private readonly crm: CrmService,
    /** The verified log's members, or null when the vault is in no workspace. */
    private readonly logged: () => LoggedMember[] | null,
  ) {}

  private profiles(): MemberProfile[] {
    const out: MemberProfile[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: readonly unknown[]; nextCursor: string | null } = this.crm.list(memberProfileDef, {
        limit: PROFILE_PAGE,
        cursor,
      });
      for (const item of page.items) {
        const parsed = memberProfileSchema.safeParse(item);
        if (parsed.success) out.push(parsed.data);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** The stored profile records, as the generic list channel pages them. */
  profilePage(input: { filter?: { memberId?: string | undefined }; limit?: number; cursor?: string }) {
    const page = this.crm.list(memberProfileDef, {
      filter: input.filter ?? {},
      limit: input.limit ?? 50,
      cursor: input.cursor ?? null,
    });
    const items: MemberProfile[] = [];
    for (const item of page.items) {
      const parsed = memberProfileSchema.safeParse(item);
      if (parsed.success) items.push(parsed.data);
    }
    return {
      items,
      nextCursor: page.nextCursor,
      total: page.total,
      skipped: page.items.length - items.length,
    };
  }

  list(): { members: WorkspaceMember[]; selfId: string; canManage: boolean } {
    const members = deriveMembers(this.logged(), this.crm.deviceId, this.profiles());
    const self = members.find((m) => m.isSelf);
    const canManage = isActiveManager(self);
    return { members, selfId: this.crm.deviceId, canManage };
  }

  /** The members of the workspace, or null when this vault is in none (CSV keeps owner ids then). */
  workspaceMembers(): WorkspaceMember[] | null {
    const logged = this.logged();
    return logged ? deriveMembers(logged, this.crm.deviceId, this.profiles()) : null;
  }

  /** Sets `memberId`'s display name and/or team; FORBIDDEN beyond the caller's role, NOT_FOUND for non-members. */
  update(input: {
    readonly memberId: string;
    readonly displayName?: string | null | undefined;
    readonly team?: string | null | undefined;
  }): WorkspaceMember {
    const { members } = this.list();
    const target = members.find((m) => m.memberId === input.memberId);
    if (!target) throw new AppError('NOT_FOUND', 'No such member');
    const self = members.find((m) => m.isSelf);
    if (!self || !mayEditProfile(self, target, input))
      throw new AppError('FORBIDDEN', 'Your role does not allow changing this member');
    const patch: Record<string, string | null> = {};
    if (input.displayName !== undefined) patch.displayName = input.displayName || null;
    if (input.team !== undefined) patch.team = input.team || null;
    const id = memberProfileId(target.memberId);
    this.crm.tx(() => {
      const existing = this.crm.records.get(memberProfileDef, id);
      if (existing && existing.deletedAt === null) this.crm.update(memberProfileDef, id, patch);
      // A fixed id: a profile two devices create for one member is one record, merged field by field.
      else this.crm.write('memberProfile', id, { memberId: target.memberId, ...patch }, this.crm.stamp());
    });
    const updated = this.list().members.find((m) => m.memberId === target.memberId);
    if (!updated) throw new AppError('INTERNAL', 'The member is gone');
    return updated;
  }

  /** Gives `ids` the owner `ownerId` in one transaction; records already owned by it are left alone. */
  reassign(
    entity: ReassignEntity,
    ids: readonly string[],
    ownerId: string | null,
  ): { count: number; previous: { id: string; ownerId: string | null }[] } {
    const { def, field } = OWNER_FIELD[entity];
    return this.crm.tx(() => {
      const previous: { id: string; ownerId: string | null }[] = [];
      for (const id of new Set(ids)) {
        const current = this.crm.get(def, id);
        const before = typeof current[field] === 'string' ? current[field] : null;
        if (before === ownerId) continue;
        this.crm.update(def, id, { [field]: ownerId });
        previous.push({ id, ownerId: before });
      }
      return { count: previous.length, previous };
    });
  }
}
