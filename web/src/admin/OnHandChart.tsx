/**
 * @module On hand over time per location, drawn from movements as an inline SVG step chart: each
 * location a line with its own colour and dash pattern, named in a legend, with the same figures
 * as a table for screen readers and anyone who prefers numbers. Hand-drawn on purpose: a chart
 * library would weigh more than the admin screens it serves, and a step line is a few path commands.
 */
import { createMemo, For, Show } from 'solid-js';
import type { Movement } from '../lib/api.ts';
import { formatDateTime } from '../lib/time.ts';

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 16, bottom: 28, left: 44 };
export const COLOURS = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c', '#0e7490'];
export const DASHES = ['', '6 4', '2 3', '10 3 2 3', '4 2', '1 4'];

interface Point {
  at: number;
  onHand: number;
}

export interface Series {
  locationId: string;
  name: string;
  points: Point[];
}

/** Each location's on hand after each of its movements, oldest first, starting from its first `before`. */
export function seriesOf(movements: readonly Movement[], nameOf: (id: string) => string): Series[] {
  const byLocation = new Map<string, Movement[]>();
  for (const movement of movements) {
    const list = byLocation.get(movement.locationId) ?? [];
    list.push(movement);
    byLocation.set(movement.locationId, list);
  }
  return [...byLocation.entries()]
    .map(([locationId, list]) => {
      const sorted = [...list].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      const first = sorted[0]!;
      return {
        locationId,
        name: nameOf(locationId),
        points: [
          { at: Date.parse(first.at), onHand: first.before },
          ...sorted.map((m) => ({ at: Date.parse(m.at), onHand: m.after })),
        ],
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A legend's sample of series `index`: its colour and dash pattern (thick: a bar's colour). */
export function SeriesSwatch(props: { index: number; thick?: boolean }) {
  return (
    <svg width="28" height="10" aria-hidden="true">
      <line
        x1="0"
        x2="28"
        y1="5"
        y2="5"
        stroke={COLOURS[props.index % COLOURS.length]}
        stroke-width={props.thick ? 8 : 2.5}
        stroke-dasharray={(!props.thick && DASHES[props.index % DASHES.length]) || undefined}
      />
    </svg>
  );
}

export function OnHandChart(props: { series: Series[]; title: string }) {
  const bounds = createMemo(() => {
    const points = props.series.flatMap((s) => s.points);
    const times = points.map((p) => p.at);
    const start = Math.min(...times);
    const end = Math.max(...times, start + 1);
    const top = Math.max(1, ...points.map((p) => p.onHand));
    return { start, end, top };
  });
  const x = (at: number) =>
    PAD.left + ((at - bounds().start) / (bounds().end - bounds().start)) * (WIDTH - PAD.left - PAD.right);
  const y = (onHand: number) => PAD.top + (1 - onHand / bounds().top) * (HEIGHT - PAD.top - PAD.bottom);
  const path = (points: Point[]) => {
    let d = `M${x(points[0]!.at).toFixed(1)},${y(points[0]!.onHand).toFixed(1)}`;
    for (const point of points.slice(1)) d += `H${x(point.at).toFixed(1)}V${y(point.onHand).toFixed(1)}`;
    return `${d}H${x(bounds().end).toFixed(1)}`;
  };
  const ticks = () => [0, Math.round(bounds().top / 2), bounds().top];

  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${props.title}: see the table below for the figures`}
        class="chart-svg"
      >
        <For each={ticks()}>
          {(tick) => (
            <g class="chart-grid">
              <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
              <text x={PAD.left - 6} y={y(tick) + 4} text-anchor="end">
                {tick}
              </text>
            </g>
          )}
        </For>
        <text class="chart-axis" x={PAD.left} y={HEIGHT - 8}>
          {formatDateTime(new Date(bounds().start).toISOString())}
        </text>
        <text class="chart-axis" x={WIDTH - PAD.right} y={HEIGHT - 8} text-anchor="end">
          {formatDateTime(new Date(bounds().end).toISOString())}
        </text>
        <For each={props.series}>
          {(series, index) => (
            <g>
              <path
                d={path(series.points)}
                fill="none"
                stroke={COLOURS[index() % COLOURS.length]}
                stroke-width="2.5"
                stroke-dasharray={DASHES[index() % DASHES.length] || undefined}
              />
              {/* A dot per movement: steps close in time stay visible, and a pointer shows the figure. */}
              <For each={series.points.slice(1)}>
                {(point) => (
                  <circle
                    cx={x(point.at)}
                    cy={y(point.onHand)}
                    r="3.5"
                    fill={COLOURS[index() % COLOURS.length]}
                  >
                    <title>
                      {series.name}: {point.onHand} on hand,{' '}
                      {formatDateTime(new Date(point.at).toISOString())}
                    </title>
                  </circle>
                )}
              </For>
            </g>
          )}
        </For>
      </svg>
      <figcaption>
        <ul class="chart-legend" aria-label="Locations in the chart">
          <For each={props.series}>
            {(series, index) => (
              <li>
                <SeriesSwatch index={index()} />
                {series.name}: {series.points.at(-1)!.onHand} on hand now
              </li>
            )}
          </For>
        </ul>
      </figcaption>
      <details class="chart-table">
        <summary>On hand over time as a table</summary>
        <table class="table">
          <caption class="visually-hidden">{props.title}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Location</th>
              <th scope="col" class="num">
                On hand
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={props.series.flatMap((s) => s.points.map((point) => ({ ...point, name: s.name })))}>
              {(point) => (
                <tr>
                  <td>
                    <time dateTime={new Date(point.at).toISOString()}>
                      {formatDateTime(new Date(point.at).toISOString())}
                    </time>
                  </td>
                  <td>{point.name}</td>
                  <td class="num">{point.onHand}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </details>
      <Show when={props.series.length === 0}>
        <p class="muted">No movements to chart.</p>
      </Show>
    </figure>
  );
}
