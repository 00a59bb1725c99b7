import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './App';
import { i18n, initI18n } from './i18n/i18n';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  // The real language comes from settings.get once the app mounts; start in English meanwhile.
  void initI18n('en').then(() => {
    createRoot(root).render(
      <StrictMode>
        <I18nextProvider i18n={i18n}>
          <App />
        </I18nextProvider>
      </StrictMode>,
    );
  });
}
