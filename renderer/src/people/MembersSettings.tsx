import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { mayEditProfile, type WorkspaceMember } from '../../../shared/people/members';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { useRecordsChanged } from '../crm/records.events';
import { unnamedLabel, useMembersStore } from './members.store';

/** One member's row: name and team editable as the role model allows, read-only otherwise. */
function MemberRow(props: { member: WorkspaceMember; self: WorkspaceMember | undefined }) {
  const { t } = useTranslation();
  const { member, self } = props;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState('');
  const [team, setTeam] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const id = useId();
  const mayName = !!self && mayEditProfile(self, member, {});
  const mayTeam = !!self && mayEditProfile(self, member, { team: '' });
  const save = async () => {
    try {
      await call('members.update', {
        memberId: member.memberId,
        displayName: name.trim() || null,
        ...(mayTeam ? { team: team.trim() || null } : {}),
      });
      setEditing(false);
      await useMembersStore.getState().load();
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  return (
    <tr data-member={member.name}>
      <td>
        {editing && mayName ? (
          <>
            <label className="sr-only" htmlFor={`${id}-name`}>
              {t('people.name')}
            </label>
            <input
              id={`${id}-name`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              data-testid="member-name"
            />
          </>
        ) : (
          <>
            {member.name}
            {member.isSelf && <span className="muted small"> ({t('people.you')})</span>}
          </>
        )}
        <ErrorMessage error={error} onDismiss={() => setError(null)} />
      </td>
      <td className="muted">{member.deviceName ?? '—'}</td>
      <td>{t(`sync.role.${member.role}`)}</td>
      <td data-testid="member-team">
        {editing && mayTeam ? (
          <>
            <label className="sr-only" htmlFor={`${id}-team`}>
              {t('people.team')}
            </label>
            <input
              id={`${id}-team`}
              value={team}
              onChange={(e) => setTeam(e.target.value)}
              data-testid="member-team-input"
            />
          </>
        ) : (
          (member.team ?? '—')
        )}
      </td>
      <td>{member.status === 'revoked' ? t('people.revoked') : ''}</td>
      <td>
        {editing ? (
          <>
            <button type="button" className="primary" onClick={() => void save()} data-testid="member-save">
              {t('common.save')}
            </button>
            <button type="button" className="link" onClick={() => setEditing(false)}>
              {t('common.cancel')}
            </button>
          </>
        ) : (
          mayName && (
            <button
              type="button"
              className="link"
              onClick={() => {
                setName(
                  member.name === member.deviceName || member.name === unnamedLabel(member)
                    ? ''
                    : member.name,
                );
                setTeam(member.team ?? '');
                setEditing(true);
              }}
              data-testid="member-edit"
            >
              {t('people.edit')}
            </button>
          )
        )}
      </td>
    </tr>
  );
}

/**
 * Settings > Members and teams: who is in the workspace (from the signed membership log, or this
 * device alone), their names, roles and teams. Owners and admins edit everyone's name and team;
 * others their own name; roles are changed on the Sync screen (they are signed log entries).
 */
export function MembersSettings() {
  const { t } = useTranslation();
  const members = useMembersStore((s) => s.members);
  const canManage = useMembersStore((s) => s.canManage);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const reload = () =>
    void useMembersStore
      .getState()
      .load()
      .catch((e: unknown) => setError(errorInfo(e)));
  useEffect(reload, []);
  useRecordsChanged((change) => (change.has('memberProfile') ? reload() : undefined));
  const self = members.find((m) => m.isSelf);
  return (
    <section className="panel" aria-labelledby="people-members-title" data-testid="members-settings">
      <h2 id="people-members-title">{t('people.membersTitle')}</h2>
      <p className="muted">{t('people.membersIntro')}</p>
      {!canManage && <p className="muted">{t('people.membersReadOnly')}</p>}
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t('people.name')}</th>
            <th scope="col">{t('people.device')}</th>
            <th scope="col">{t('people.role')}</th>
            <th scope="col">{t('people.team')}</th>
            <th scope="col">{t('people.status')}</th>
            <th scope="col">
              <span className="sr-only">{t('people.edit')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <MemberRow key={m.memberId} member={m} self={self} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
