import type { TFunction } from 'i18next';
import { useEffect } from 'react';
import { create } from 'zustand';
import {
  memberOfOwner,
  membersOfScope,
  ownerValuesOf,
  scopeOf,
  teamsOf,
  type OwnerScope,
  type WorkspaceMember,
} from '../../../shared/people/members';
import { call } from '../api';
import { i18n } from '../i18n/i18n';
import { registerReset } from '../reset';

export { scopeOf, type OwnerScope };

interface MembersState {
  members: WorkspaceMember[];
  selfId: string | null;
  canManage: boolean;
  loaded: boolean;
  load: () => Promise<void>;
}

let loading: Promise<void> | null = null;

/**
 * What a member nobody named is called: "This computer" here, else its device, not the raw id the
 * service falls back to (a vault in no workspace has neither a display nor a device name).
 */
export function unnamedLabel(member: WorkspaceMember): string {
  return member.isSelf
    ? i18n.t('people.unnamedSelf')
    : i18n.t('people.unnamedDevice', { id: member.memberId.slice(0, 6) });
}

/** The members as people read them: an unnamed one gets its label instead of its id. */
function labelled(members: readonly WorkspaceMember[]): WorkspaceMember[] {
  return members.map((m) => (m.name === m.memberId ? { ...m, name: unnamedLabel(m) } : m));
}

/** The members as `members.list` answered, relabelled when the language changes. */
let answered: WorkspaceMember[] = [];

/** The workspace's members (`members.list`), read once per unlock and again after a profile changes. */
export const useMembersStore = create<MembersState>((set) => ({
  members: [],
  selfId: null,
  canManage: false,
  loaded: false,
  load: () => {
    loading ??= call('members.list', {})
      .then((r) => {
        answered = r.members;
        set({ members: labelled(r.members), selfId: r.selfId, canManage: r.canManage, loaded: true });
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  },
}));

registerReset(() => {
  answered = [];
  useMembersStore.setState({ members: [], selfId: null, canManage: false, loaded: false });
});
i18n.on('languageChanged', () => {
  if (answered.length > 0) useMembersStore.setState({ members: labelled(answered) });
});

/** The members loaded, reading them first when they are not. */
export async function membersNow(): Promise<MembersState> {
  const state = useMembersStore.getState();
  if (!state.loaded) await state.load();
  return useMembersStore.getState();
}

/** The workspace's members for a component, read when they have not been yet (a failure leaves none). */
export function useMembers(): WorkspaceMember[] {
  const members = useMembersStore((s) => s.members);
  const loaded = useMembersStore((s) => s.loaded);
  useEffect(() => {
    if (!loaded)
      void useMembersStore
        .getState()
        .load()
        .catch(() => undefined);
  }, [loaded]);
  return members;
}

/** The members a scope stands for (empty for everybody). */
export function scopeMembers(
  state: Pick<MembersState, 'members' | 'selfId'>,
  scope: OwnerScope,
): WorkspaceMember[] {
  return membersOfScope(state.members, state.selfId, scope);
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

/** How a scope reads in a filter summary: "My records", "My team", a team's or a member's name. */
export function scopeName(members: readonly WorkspaceMember[], scope: OwnerScope, t: TFunction): string {
  if (scope === 'mine') return t('people.scopeMine');
  if (scope === 'team') return t('people.scopeTeam');
  if (scope.startsWith('team:')) {
    const key = scope.slice(5);
    return teamsOf(members).find((tm) => tm.key === key)?.name ?? key;
  }
  if (scope.startsWith('member:')) return ownerLabel(members, scope.slice(7));
  return t('people.scopeAll');
}
