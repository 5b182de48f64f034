import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly color: string;
  /** A second axis on the right, for a series in another unit. */
  readonly rightAxis?: { readonly label: string };
  readonly bars?: boolean;
}

const HEIGHT = 220;

/**
 * A time series chart (uPlot, bundled: it draws on a canvas, with no request of its own).
 * The canvas is hidden from screen readers; `summary` says what it shows, and the page
 * gives the same figures as text and as a table.
 */
export function TimeChart({
  times,
  series,
  summary,
  formatTick,
  testId,
}: {
  times: readonly number[];
  series: readonly ChartSeries[];
  summary: string;
  formatTick: (t: number) => string;
  testId: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}/${s.color}/${s.rightAxis?.label ?? ''}/${s.bars ? 1 : 0}`).join('|');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const bars = uPlot.paths.bars?.({ size: [0.6, 40] });
    const right = series.find((s) => s.rightAxis);
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: HEIGHT,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        ...(right ? { r: { range: (_u: uPlot, _min: number, max: number) => [0, Math.max(1, max)] as [number, number] } } : {}),
      },
      axes: [
        { values: (_u, ticks) => ticks.map((t) => formatTick(t * 1000)), stroke: '#57606a', grid: { stroke: '#eaeef2' } },
        { stroke: '#57606a', grid: { stroke: '#eaeef2' } },
        ...(right ? [{ side: 1 as const, scale: 'r', label: right.rightAxis!.label, stroke: '#57606a', grid: { show: false } }] : []),
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          scale: s.rightAxis ? 'r' : 'y',
          // Points as well as lines: a minute between two without figures has no line to draw.
          ...(s.bars && bars ? { paths: bars, fill: s.color, points: { show: false } } : { points: { show: true, size: 5, fill: s.color } }),
        })),
      ],
    };
    const u = new uPlot(opts, [times.map((t) => t / 1000), ...series.map((s) => s.values.map((v) => v))] as uPlot.AlignedData, el);
    u.root.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(320, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // The chart is rebuilt when its series change shape; new figures only replace the data.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the series themselves are new each render; their shape says when to rebuild
  }, [shape, formatTick]);

  useEffect(() => {
    plot.current?.setData([times.map((t) => t / 1000), ...series.map((s) => s.values.map((v) => v))] as uPlot.AlignedData);
  }, [times, series]);

  return <div ref={box} className="time-chart" role="img" aria-label={summary} data-testid={testId} />;
}
