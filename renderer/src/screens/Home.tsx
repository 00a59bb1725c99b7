import { useTranslation } from 'react-i18next';
import { useUiStore } from '../ui.store';

/** Home before any data exists: says what to do first. */
export function EmptyHome() {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  return (
    <section className="panel" data-testid="empty-home">
      <h2>{t('home.emptyTitle')}</h2>
      <p>{t('home.emptyIntro')}</p>
      <div className="row">
        <button
          type="button"
          className="primary"
          onClick={() => navigate({ name: 'list', entity: 'account' })}
        >
          {t('home.emptyAddAccount')}
        </button>
        <button type="button" onClick={() => navigate({ name: 'import' })}>
          {t('home.emptyImport')}
        </button>
      </div>
    </section>
  );
}

/** Home: the day's work. Filled from the CRM channels when they exist. */
export function Home() {
  const { t } = useTranslation();
  return (
    <div className="screen" data-screen="home">
      <h1>{t('home.title')}</h1>
      <EmptyHome />
    </div>
  );
}
