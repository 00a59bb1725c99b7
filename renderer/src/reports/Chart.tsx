import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use as registerCharts, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

// Registering ECharts parts (not a React hook).
// Canvas, not SVG: zrender's SVG painter writes style attributes, which the app's CSP (no inline
// styles) refuses; canvas draws without any. Screen readers get ECharts' aria description and every
// chart's data table.
registerCharts([
  BarChart,
  LineChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  AriaComponent,
  CanvasRenderer,
]);

/** One series of a chart: a value per category. */
export interface ChartSeries {
  readonly name: string;
  readonly values: readonly number[];
  readonly kind: 'bar' | 'line';
  /** Bars of the same stack are drawn on top of each other. */
  readonly stack?: string;
}

export interface ChartProps {
  /** The chart's heading and accessible name. */
  readonly title: string;
  readonly categories: readonly string[];
  readonly series: readonly ChartSeries[];
  /** How a value reads in the table and the tooltip (money, counts, percentages). */
  readonly format: (value: number) => string;
  /** A click on a bar (series index, category index): the drill-down. */
  readonly onSelect?: (series: number, category: number) => void;
  readonly testId: string;
}

/** The theme's colours, read from the CSS variables so charts follow light and dark. */
function palette(): { text: string; muted: string; border: string; series: string[] } {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--text', '#1b1f24'),
    muted: v('--muted', '#5a6370'),
    border: v('--border', '#d3d8df'),
    series: [v('--accent', '#1b5fc1'), v('--ok', '#1e7a3a'), '#c77d00', '#8e44ad', v('--danger', '#b3261e')],
  };
}

/** Counts theme switches (the html data-theme attribute, or the OS scheme under 'system'). */
function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    const observer = new MutationObserver(bump);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', bump);
    return () => {
      observer.disconnect();
      scheme.removeEventListener('change', bump);
    };
  }, []);
  return version;
}

/** A bar/line chart with a data-table view of the same numbers; a click drills down. */
export function Chart(props: ChartProps) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  const [table, setTable] = useState(false);
  /** Set once ECharts has drawn the current data: the dashboard's "charts painted" marker. */
  const [painted, setPainted] = useState(false);
  const theme = useThemeVersion();
  const { categories, series, format, onSelect } = props;

  useEffect(() => {
    if (table || !box.current) return;
    const instance = init(box.current, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const resize = new ResizeObserver(() => instance.resize());
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, [table]);

  useEffect(() => {
    const instance = chart.current;
    if (!instance) return;
    const colours = palette();
    setPainted(false);
    instance.off('finished');
    instance.on('finished', () => setPainted(true));
    instance.setOption(
      {
        aria: { enabled: true },
        // Drawn at once: no grow-in animation delays the numbers (nor moves for reduced motion).
        animation: false,
        color: colours.series,
        textStyle: { color: colours.text, fontFamily: 'inherit' },
        grid: { left: 8, right: 8, top: series.length > 1 ? 40 : 16, bottom: 8, containLabel: true },
        legend: { show: series.length > 1, top: 0, left: 0, textStyle: { color: colours.text } },
        // Rich text: the HTML tooltip would inject inline styles, which the CSP refuses.
        tooltip: {
          trigger: 'axis',
          renderMode: 'richText',
          valueFormatter: (v: unknown) => format(Number(v)),
        },
        xAxis: {
          type: 'category',
          data: [...categories],
          axisLabel: { color: colours.muted },
          axisLine: { lineStyle: { color: colours.border } },
        },
        yAxis: {
          type: 'value',
          axisLabel: { color: colours.muted, formatter: (v: number) => format(v) },
          splitLine: { lineStyle: { color: colours.border } },
        },
        series: series.map((s) => ({
          name: s.name,
          type: s.kind,
          data: [...s.values],
          ...(s.stack ? { stack: s.stack } : {}),
          cursor: onSelect ? 'pointer' : 'default',
        })),
      },
      true,
    );
    instance.off('click');
    if (onSelect) {
      instance.on('click', (event) => {
        if (typeof event.seriesIndex === 'number') onSelect(event.seriesIndex, event.dataIndex);
      });
    }
  }, [categories, series, format, onSelect, table, theme]);

  return (
    <section
      className="chart"
      data-testid={props.testId}
      data-painted={painted || table ? 'true' : undefined}
      aria-label={props.title}
    >
      <header className="chart-head">
        <h3>{props.title}</h3>
        <button type="button" className="link" aria-pressed={table} onClick={() => setTable(!table)}>
          {table ? t('reports.showChart') : t('reports.showTable')}
        </button>
      </header>
      {table ? (
        <table className="data-table" data-testid={`${props.testId}-table`}>
          <thead>
            <tr>
              <th scope="col">{t('reports.category')}</th>
              {series.map((s) => (
                <th key={s.name} scope="col">
                  {s.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {categories.map((c, i) => (
              <tr key={c}>
                <th scope="row">{c}</th>
                {series.map((s, k) => (
                  <td key={s.name}>
                    {onSelect ? (
                      <button type="button" className="link" onClick={() => onSelect(k, i)}>
                        {format(s.values[i] ?? 0)}
                      </button>
                    ) : (
                      format(s.values[i] ?? 0)
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="chart-canvas" ref={box} role="img" aria-label={props.title} />
      )}
    </section>
  );
}
