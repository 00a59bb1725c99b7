import { useEffect } from 'react';
import { useAppStore } from './app.store';

/** The application root. Later issues replace the body with the vault gate and the CRM screens. */
export function App() {
  const { info, error, load } = useAppStore();
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <main className="shell">
      <h1>FieldVault</h1>
      {info && (
        <p data-testid="app-info">
          {info.name} {info.version} · {info.platform}
        </p>
      )}
      {error && (
        <p role="alert" data-testid="app-error">
          {error}
        </p>
      )}
    </main>
  );
}
