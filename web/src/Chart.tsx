// A uPlot chart that fits its container (1280 px and phones alike), with its numbers also as a
// table for screen readers and keyboard users (uPlot draws on a canvas).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  dash?: number[];
  bars?: boolean;
}

export interface ChartProps {
  title: string;
  /** Unix seconds of each point. */
  x: number[];
  series: ChartSeries[];
  format(v: number): string;
  formatX(t: number): string;
  height?: number;
}

export function Chart({ title, x, series, format, formatX, height = 220 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const bars = uPlot.paths.bars!({ size: [0.6, 40] });
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      legend: { show: true },
      scales: { x: { time: true } },
      axes: [{ values: (_u, ticks) => ticks.map((t) => formatX(t)) }, { values: (_u, ticks) => ticks.map((t) => format(t)), size: 70 }],
      series: [
        { value: (_u, v) => (v === null ? '–' : formatX(v)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.bars ? `${s.color}88` : undefined,
          width: 2,
          dash: s.dash,
          paths: s.bars ? bars : undefined,
          spanGaps: true,
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
        })),
      ],
    };
    const plot = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, series, format, formatX, height]);
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={title} />
      <details>
        <summary>{title}: table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">–</th>
              {series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {x.map((t, i) => (
              <tr key={t}>
                <th scope="row">{formatX(t)}</th>
                {series.map((s) => (
                  <td key={s.label}>{s.values[i] === null || s.values[i] === undefined ? '–' : format(s.values[i]!)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
