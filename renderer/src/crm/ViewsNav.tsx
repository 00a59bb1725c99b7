import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useUiStore } from '../ui.store';
import { useRecordsChanged } from './records.events';
import { useViewsStore } from './views.store';

/** The saved views in the sidebar: each opens its list showing the view. */
export function ViewsNav() {
  const { t } = useTranslation();
  const views = useViewsStore((s) => s.views);
  const route = useUiStore((s) => s.route);
  const active = useViewsStore((s) => s.active);
  useEffect(() => {
    void useViewsStore
      .getState()
      .load()
      .catch(() => undefined);
  }, []);
  useRecordsChanged((change) =>
    change.has('savedView')
      ? useViewsStore
          .getState()
          .load()
          .catch(() => undefined)
      : undefined,
  );
  if (views.length === 0) return null;
  return (
    <div className="views-nav" role="group" aria-label={t('views.navTitle')} data-testid="views-nav">
      <h2 className="views-nav-title">{t('views.navTitle')}</h2>
      <ul>
        {views.map((view) => {
          const current =
            route.name === 'list' && route.entity === view.list && active[view.list] === view.id;
          return (
            <li key={view.id}>
              <button
                type="button"
                className={current ? 'nav-item current' : 'nav-item'}
                aria-current={current ? 'page' : undefined}
                title={view.shared ? t('views.sharedNote') : t('views.privateNote')}
                onClick={() => {
                  useViewsStore.getState().open(view);
                  useUiStore.getState().navigate({ name: 'list', entity: view.list });
                }}
                data-view={view.id}
              >
                <span aria-hidden="true" className="nav-icon">
                  {view.shared ? '◎' : '○'}
                </span>
                {view.name}
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
