/**
 * @module A chart over time drawn with uPlot (a canvas, ~21 KB gzip, in the admin chunk only), with
 * what a canvas cannot say said in words: a summary sentence under it, a legend naming each series
 * with its own colour and dash pattern (colour is never the only signal), and every figure in a
 * table behind a toggle. The canvas itself is hidden from assistive technology, which reads those.
 */
import 'uplot/dist/uPlot.min.css';
import { createEffect, For, onCleanup, onMount } from 'solid-js';
import uPlot from 'uplot';
import { COLOURS, DASHES, SeriesSwatch } from './OnHandChart.tsx';
import type { ChartData } from './overview-data.ts';

const HEIGHT = 200;

const colourOf = (index: number) => COLOURS[index % COLOURS.length]!;
const dashOf = (index: number) => DASHES[index % DASHES.length]!;

/** uPlot's columns: x first, then each series' values. */
const aligned = (data: ChartData): uPlot.AlignedData => [data.x, ...data.series.map((s) => s.values)];

function options(props: TimeChartProps, width: number): uPlot.Options {
  return {
    width,
    height: HEIGHT,
    // Our legend and table say what the canvas shows; uPlot's own would repeat it.
    legend: { show: false },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
    axes: [{}, { label: props.unit, values: (_u, ticks) => ticks.map((tick) => props.format(tick)) }],
    series: [
      {},
      ...props.data.series.map((series, index) => ({
        label: series.label,
        stroke: colourOf(index),
        width: 2,
        ...(props.kind === 'bars'
          ? {
              fill: `${colourOf(index)}cc`,
              paths: uPlot.paths.bars?.({ size: [0.7, 40] }),
              points: { show: false },
            }
          : { dash: dashOf(index) ? dashOf(index).split(' ').map(Number) : undefined }),
      })),
    ],
  };
}

export interface TimeChartProps {
  /** What the chart shows; the table's caption too. */
  title: string;
  data: ChartData;
  kind: 'bars' | 'lines';
  /** The y axis' unit ("orders", "events / min"). */
  unit: string;
  /** A figure as text, for the axis and the table. */
  format: (value: number) => string;
  /** A figure of one series as text in the table, when it differs from `format` (a currency). */
  formatCell?: (value: number, series: string) => string;
  /** One sentence on what the chart says. */
  summary: string;
  /** An x position (Unix seconds) as text, for the table's first column. */
  when: (seconds: number) => string;
}

export function TimeChart(props: TimeChartProps) {
  let box!: HTMLDivElement;
  let plot: uPlot | undefined;
  let drawnSeries = '';

  // A new set of series (a currency or event type appears) needs a new plot; new figures do not.
  const draw = () => {
    const names = props.data.series.map((s) => s.label).join('\n');
    if (plot && names === drawnSeries) {
      plot.setData(aligned(props.data));
      return;
    }
    plot?.destroy();
    drawnSeries = names;
    plot = new uPlot(options(props, box.clientWidth || 600), aligned(props.data), box);
  };

  onMount(() => {
    createEffect(draw);
    if (typeof ResizeObserver === 'undefined') return;
    const resize = new ResizeObserver(() => plot?.setSize({ width: box.clientWidth, height: HEIGHT }));
    resize.observe(box);
    onCleanup(() => resize.disconnect());
  });
  onCleanup(() => plot?.destroy());

  return (
    <figure class="chart overview-chart">
      <div ref={box} class="overview-canvas" aria-hidden="true" />
      <figcaption>
        <p class="overview-summary">{props.summary}</p>
        <ul class="chart-legend" aria-label={`Series in ${props.title}`}>
          <For each={props.data.series}>
            {(series, index) => (
              <li>
                <SeriesSwatch index={index()} thick={props.kind === 'bars'} />
                {series.label}
              </li>
            )}
          </For>
        </ul>
      </figcaption>
      <details class="chart-table">
        <summary>{props.title} as a table</summary>
        <table class="table">
          <caption class="visually-hidden">{props.title}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <For each={props.data.series}>
                {(series) => (
                  <th scope="col" class="num">
                    {series.label}
                  </th>
                )}
              </For>
            </tr>
          </thead>
          <tbody>
            <For each={props.data.x}>
              {(x, row) => (
                <tr>
                  <th scope="row">{props.when(x)}</th>
                  <For each={props.data.series}>
                    {(series) => (
                      <td class="num">
                        {(props.formatCell ?? props.format)(series.values[row()] ?? 0, series.label)}
                      </td>
                    )}
                  </For>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </details>
    </figure>
  );
}
