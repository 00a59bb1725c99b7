import { describe, expect, it } from 'vitest';
import {
  deriveMembers,
  mayEditProfile,
  memberOfOwner,
  memberProfileId,
  membersOfScope,
  ownerValuesOf,
  scopeOf,
  teamOf,
  teamsOf,
  type LoggedMember,
} from '../../../../shared/people/members';
import { mayWriteProfileChange } from '../../../../electron/services/sync/sync.authors';

const logged: LoggedMember[] = [
  { clockId: 'ownerClock', deviceName: "Li Wei's laptop", role: 'owner', status: 'active', isSelf: true },
  { clockId: 'samClock', deviceName: 'Sam desk', role: 'member', status: 'active', isSelf: false },
  { clockId: 'goneClock', deviceName: 'Old phone', role: 'member', status: 'revoked', isSelf: false },
];
const profile = (memberId: string, displayName: string | null, team: string | null) => ({
  id: memberProfileId(memberId),
  memberId,
  displayName,
  team,
  deletedAt: null,
});

describe('members derived from the verified log and synced profiles', () => {
  it('has exactly the devices of the log, named by their profiles, in log order', () => {
    const members = deriveMembers(logged, 'ownerClock', [
      profile('samClock', 'Sam Lee', ' Sales East '),
      profile('ownerClock', null, 'sales east'),
      // A profile of someone the log does not know makes no member.
      profile('intruder', 'Mallory', 'Sales East'),
    ]);
    expect(members.map((m) => [m.memberId, m.name, m.role, m.status, m.team])).toEqual([
      ['ownerClock', "Li Wei's laptop", 'owner', 'active', 'sales east'],
      ['samClock', 'Sam Lee', 'member', 'active', 'Sales East'],
      ['goneClock', 'Old phone', 'member', 'revoked', null],
    ]);
    // Teams compare trimmed and case-insensitively.
    expect(teamOf(members, members[0]!).map((m) => m.memberId)).toEqual(['ownerClock', 'samClock']);
    expect(teamOf(members, members[2]!).map((m) => m.memberId)).toEqual(['goneClock']);
  });

  it('ignores a profile stored under an id that is not its member id', () => {
    const forged = { ...profile('samClock', 'Not Sam', null), id: memberProfileId('ownerClock') };
    const members = deriveMembers(logged, 'ownerClock', [forged]);
    expect(members.find((m) => m.memberId === 'samClock')?.name).toBe('Sam desk');
  });

  it('makes a vault in no workspace a workspace of one: itself, as owner', () => {
    const members = deriveMembers(null, 'soloClock', [profile('soloClock', 'Ana', 'North')]);
    expect(members).toEqual([
      {
        memberId: 'soloClock',
        name: 'Ana',
        deviceName: null,
        role: 'owner',
        status: 'active',
        team: 'North',
        isSelf: true,
      },
    ]);
  });

  it('maps free-text owners to members case-insensitively and keeps the rest as they are', () => {
    const members = deriveMembers(logged, 'ownerClock', [profile('samClock', 'Sam Lee', null)]);
    expect(memberOfOwner(members, 'samClock')?.memberId).toBe('samClock');
    expect(memberOfOwner(members, 'SAM LEE')?.memberId).toBe('samClock');
    expect(memberOfOwner(members, 'sam desk')?.memberId).toBe('samClock');
    expect(memberOfOwner(members, 'Somebody else')).toBeNull();
    // Cells and filters as typed: surrounding blanks never hide a member; an import's members have
    // ids and names only.
    expect(memberOfOwner(members, '  samClock ')?.memberId).toBe('samClock');
    expect(memberOfOwner(members, ' sam lee\t')?.memberId).toBe('samClock');
    const csv = [{ memberId: 'samClock', name: ' Sam Lee ' }];
    expect(memberOfOwner(csv, 'sam lee')).toBe(csv[0]);
    expect(memberOfOwner(csv, 'sam desk')).toBeNull();
    expect(ownerValuesOf([members[1]!]).sort()).toEqual(['sam desk', 'sam lee', 'samclock']);
  });

  it('gives one stable profile id per member', () => {
    expect(memberProfileId('samClock')).toBe(memberProfileId('samClock'));
    expect(memberProfileId('samClock')).not.toBe(memberProfileId('ownerClock'));
    expect(memberProfileId('samClock')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('owner scopes', () => {
  const members = deriveMembers(
    [
      ...logged,
      { clockId: 'annaClock', deviceName: 'Anna', role: 'member', status: 'active', isSelf: false },
    ],
    'ownerClock',
    [
      profile('samClock', null, ' Sales East '),
      profile('ownerClock', null, 'sales east'),
      profile('annaClock', null, 'North'),
    ],
  );
  const ids = (scope: string, selfId: string | null = 'ownerClock') =>
    membersOfScope(members, selfId, scopeOf(scope)).map((m) => m.memberId);

  it('reads back only the scopes it knows (anything else is everybody)', () => {
    for (const s of ['', 'mine', 'team', 'team:north', 'member:samClock']) expect(scopeOf(s)).toBe(s);
    for (const s of ['team:', 'member:', 'all', 'Mine', undefined]) expect(scopeOf(s)).toBe('');
  });

  it('stands for this member, its team, a named team or one member', () => {
    expect(ids('')).toEqual([]);
    expect(ids('mine')).toEqual(['ownerClock']);
    expect(ids('team')).toEqual(['ownerClock', 'samClock']);
    expect(ids('team:sales east')).toEqual(['ownerClock', 'samClock']);
    expect(ids('team:north')).toEqual(['annaClock']);
    expect(ids('member:annaClock')).toEqual(['annaClock']);
    // A device in no workspace member list has no "mine"; a team or member that is gone is nobody.
    expect(ids('mine', 'stranger')).toEqual([]);
    expect(ids('team:gone')).toEqual([]);
    expect(ids('member:goneForever')).toEqual([]);
  });

  it('lists each team once, named as its first member (in log order) writes it, by name', () => {
    expect(teamsOf(members)).toEqual([
      { key: 'north', name: 'North' },
      { key: 'sales east', name: 'sales east' },
    ]);
  });
});

describe('who may change a profile', () => {
  const admin = { role: 'admin', status: 'active', memberId: 'a' } as const;
  const member = { role: 'member', status: 'active', memberId: 'm' } as const;
  it('lets owners and admins set anyone, members only their own name', () => {
    expect(mayEditProfile(admin, { memberId: 'm' }, { team: 'x' })).toBe(true);
    expect(mayEditProfile(member, { memberId: 'm' }, {})).toBe(true);
    expect(mayEditProfile(member, { memberId: 'm' }, { team: 'x' })).toBe(false);
    expect(mayEditProfile(member, { memberId: 'a' }, {})).toBe(false);
    expect(mayEditProfile({ ...admin, status: 'revoked' }, { memberId: 'm' }, {})).toBe(false);
    expect(mayEditProfile({ ...member, role: 'viewer' }, { memberId: 'm' }, {})).toBe(false);
  });

  it('holds remote changes to the same rule', () => {
    const author = { signPublicKey: new Uint8Array(32), clockId: 'm', canWrite: true, managesPeople: false };
    const own = memberProfileId('m');
    const change = (recordId: string, fields: Record<string, unknown>) => ({
      entity: 'memberProfile',
      recordId,
      fields: JSON.stringify(fields),
    });
    expect(mayWriteProfileChange(author, change(own, { memberId: 'm', displayName: 'Me' }))).toBe(true);
    expect(mayWriteProfileChange(author, change(own, { team: 'Top' }))).toBe(false);
    expect(mayWriteProfileChange(author, change(own, { memberId: 'other' }))).toBe(false);
    expect(mayWriteProfileChange(author, change(memberProfileId('a'), { displayName: 'X' }))).toBe(false);
    expect(
      mayWriteProfileChange({ ...author, managesPeople: true }, change(memberProfileId('a'), { team: 'T' })),
    ).toBe(true);
    expect(mayWriteProfileChange(author, { entity: 'deal', recordId: own, fields: '{}' })).toBe(true);
  });
});
