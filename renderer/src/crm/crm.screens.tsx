import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Palette, type PaletteItem } from '../components/Palette';
import { UndoToast } from '../components/UndoToast';
import { useUiStore, type Route } from '../ui.store';
import { BoardScreen } from './BoardScreen';
import { paletteCommands } from './commands';
import { paletteSearch } from './palette.search';
import { ImportScreen } from './ImportScreen';
import { ListScreen } from './ListScreen';
import { QuickLog } from './QuickLog';
import { RecordScreen } from './RecordScreen';

/** The CRM screen for a route (lists, records, board, import). */
export function crmScreen(route: Route) {
  switch (route.name) {
    case 'list':
      return <ListScreen key={route.entity} entity={route.entity} />;
    case 'record':
      return <RecordScreen key={`${route.entity}-${route.id}`} entity={route.entity} id={route.id} />;
    case 'board':
      return <BoardScreen />;
    case 'import':
      return <ImportScreen />;
    default:
      return null;
  }
}

/** Overlays available everywhere while unlocked: the palette and quick log. */
export function CrmOverlays() {
  const { t } = useTranslation();
  const paletteOpen = useUiStore((s) => s.paletteOpen);
  const quickLogOpen = useUiStore((s) => s.quickLogOpen);
  const setPalette = useUiStore((s) => s.setPalette);
  const commands = useMemo(() => paletteCommands(t), [t]);
  const search = useCallback((q: string): Promise<PaletteItem[]> => paletteSearch(q, t), [t]);
  return (
    <>
      {paletteOpen && (
        <Palette
          commands={commands}
          search={search}
          onClose={() => setPalette(false)}
          labels={{
            title: t('palette.title'),
            placeholder: t('palette.placeholder'),
            empty: t('palette.empty'),
          }}
        />
      )}
      {quickLogOpen && <QuickLog />}
      <UndoToast />
    </>
  );
}
