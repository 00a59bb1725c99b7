import { create } from 'zustand';
import { memberOfOwner, ownerValuesOf, teamOf, type WorkspaceMember } from '../../../shared/people/members';
import { call } from '../api';
import { registerReset } from '../reset';

/** Whose records a list shows: everybody's, this member's, or this member's team's. */
export type OwnerScope = '' | 'mine' | 'team';

export function scopeOf(value: string | undefined): OwnerScope {
  return value === 'mine' || value === 'team' ? value : '';
}

interface MembersState {
  members: WorkspaceMember[];
  selfId: string | null;
  canManage: boolean;
  loaded: boolean;
  load: () => Promise<void>;
}

let loading: Promise<void> | null = null;

/** The workspace's members (`members.list`), read once per unlock and again after a profile changes. */
export const useMembersStore = create<MembersState>((set) => ({
  members: [],
  selfId: null,
  canManage: false,
  loaded: false,
  load: () => {
    loading ??= call('members.list', {})
      .then((r) => set({ members: r.members, selfId: r.selfId, canManage: r.canManage, loaded: true }))
      .finally(() => {
        loading = null;
      });
    return loading;
  },
}));

registerReset(() => useMembersStore.setState({ members: [], selfId: null, canManage: false, loaded: false }));

/** The members loaded, reading them first when they are not. */
export async function membersNow(): Promise<MembersState> {
  const state = useMembersStore.getState();
  if (!state.loaded) await state.load();
  return useMembersStore.getState();
}

/** The members a scope stands for (empty for everybody). */
export function scopeMembers(
  state: Pick<MembersState, 'members' | 'selfId'>,
  scope: OwnerScope,
): WorkspaceMember[] {
  const self = state.members.find((m) => m.memberId === state.selfId);
  if (!scope || !self) return [];
  return scope === 'mine' ? [self] : teamOf(state.members, self);
}

/**
 * The filter a list channel takes for a list's filter: `scope` ("My records", "My team") becomes the
 * owner values of those members (ids, and names free-text owners may hold), matched case-insensitively.
 * Activities match their author (member ids only), tasks their assignee.
 */
export async function scopedFilter(
  entity: 'account' | 'contact' | 'deal' | 'activity' | 'task',
  filter: Readonly<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const { scope, ...rest } = filter;
  const s = scopeOf(typeof scope === 'string' ? scope : undefined);
  if (!s) return rest;
  const members = scopeMembers(await membersNow(), s);
  if (entity === 'activity') return { ...rest, authorIn: members.map((m) => m.memberId) };
  const values = ownerValuesOf(members);
  return { ...rest, [entity === 'task' ? 'assigneeIn' : 'ownerIn']: values };
}

/** How an owner value reads: its member's name, else the text as typed. */
export function ownerLabel(members: readonly WorkspaceMember[], owner: string | null | undefined): string {
  if (!owner) return '';
  return memberOfOwner(members, owner)?.name ?? owner;
}

/**
 * A scope's owner values as the dashboard takes them (`memberIds`, matched exactly by its
 * computation): each member's id, display name and device name; null for everybody.
 */
export function scopeOwnerList(
  state: Pick<MembersState, 'members' | 'selfId'>,
  scope: OwnerScope,
): string[] | null {
  if (!scope) return null;
  const values = new Set<string>();
  for (const m of scopeMembers(state, scope)) {
    values.add(m.memberId);
    values.add(m.name);
    if (m.deviceName) values.add(m.deviceName);
  }
  return [...values];
}
