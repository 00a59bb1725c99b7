import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Palette, type PaletteItem } from '../components/Palette';
import { useUiStore, type Route } from '../ui.store';
import { paletteCommands } from './commands';

function Unavailable() {
  const { t } = useTranslation();
  return (
    <div className="screen">
      <h1>{t('nav.home')}</h1>
      <p className="muted">{t('lists.unavailable')}</p>
    </div>
  );
}

/** The CRM screen for a route (lists, records, board, import). */
export function crmScreen(_route: Route) {
  return <Unavailable />;
}

/** Overlays available everywhere while unlocked: the palette and quick log. */
export function CrmOverlays() {
  const { t } = useTranslation();
  const paletteOpen = useUiStore((s) => s.paletteOpen);
  const setPalette = useUiStore((s) => s.setPalette);
  const commands = useMemo(() => paletteCommands(t), [t]);
  const search = useCallback((_q: string): Promise<PaletteItem[]> => Promise.resolve([]), []);
  return paletteOpen ? (
    <Palette
      commands={commands}
      search={search}
      onClose={() => setPalette(false)}
      labels={{ title: t('palette.title'), placeholder: t('palette.placeholder'), empty: t('palette.empty') }}
    />
  ) : null;
}
