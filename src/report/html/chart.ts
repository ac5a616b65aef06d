/** A d3-node canvas per chart: the SVG is drawn on the server and lands in the file as markup. */
import { D3Node } from 'd3-node';
import type * as d3 from 'd3';
import { trusted, type Html } from './template.js';

export type Svg = d3.Selection<d3.BaseType, unknown, null, undefined>;
type Group = d3.Selection<d3.BaseType, unknown, null, undefined>;

export interface Chart {
  d3: typeof d3;
  svg: Svg;
  /**
   * Puts `markup` (built with the escaping html template) inside the empty group `g` when the chart
   * is done. For the marks a chart has by the thousand (timeline lanes, ladder arrows, segment bars):
   * jsdom spends some 100 µs on an element with its attributes and hover text, a template string
   * about 1 µs; d3 still lays out the chart, its scales place the marks.
   */
  fill(g: Group, markup: Html | readonly Html[]): void;
  done(): Html;
}

/**
 * One d3-node document serves every chart in turn: building a jsdom document costs about 8 ms, and a
 * report draws some thirty charts. A chart's SVG is taken out of the document when it is done; a
 * chart begun while another is still open gets a document of its own.
 */
let shared: D3Node | null = null;
let sharedBusy = false;

/**
 * Lets the shared document go after a report (renderHtmlReport's finally): a chart that threw before
 * done() would otherwise leave it marked busy, with its half-drawn SVG, for the rest of the process.
 */
export function releaseChartDocument(): void {
  shared = null;
  sharedBusy = false;
}

export function chart(width: number, height: number, label: string, className: string): Chart {
  const own = sharedBusy;
  const node = own ? new D3Node() : (shared ??= new D3Node());
  if (!own) sharedBusy = true;
  const svg = node.createSVG(width, height, {
    viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: className,
  });
  svg.attr('width', null).attr('height', null);
  const slots: string[] = [];
  return {
    d3: node.d3, svg,
    fill: (g, markup) => {
      // Set last, so that in the serialised empty group the attribute sits right before `></g>`.
      g.attr('data-slot', slots.length);
      slots.push(Array.isArray(markup) ? (markup as readonly Html[]).map((m) => m.text).join('') : (markup as Html).text);
    },
    done: () => {
      let text = node.svgString();
      if (!own) {
        svg.remove();
        sharedBusy = false;
      }
      if (slots.length > 0) text = text.replace(/ data-slot="(\d+)"><\/g>/g, (_, i: string) => `>${slots[Number(i)]!}</g>`);
      return trusted(text);
    },
  };
}

/** Okabe & Ito's colour-blind-safe palette. */
export const PALETTE = {
  orange: '#E69F00', sky: '#56B4E9', green: '#009E73', yellow: '#F0E442',
  blue: '#0072B2', vermillion: '#D55E00', purple: '#CC79A7', grey: '#8c8c8c',
} as const;

/** A legend of swatches at (x, y), wrapping onto further rows (14 px apart) beyond maxWidth. */
export function legend(svg: Svg, x: number, y: number, items: readonly { label: string; color: string; mark?: 'line' }[], maxWidth = Infinity): void {
  const g = svg.append('g').attr('class', 'legend').attr('transform', `translate(${x},${y})`);
  let dx = 0;
  let dy = 0;
  for (const item of items) {
    const w = 22 + item.label.length * 6.2;
    if (dx > 0 && dx + w > maxWidth) {
      dx = 0;
      dy += 14;
    }
    if (item.mark === 'line') g.append('line').attr('x1', dx).attr('x2', dx + 12).attr('y1', dy + 5).attr('y2', dy + 5).attr('stroke', item.color).attr('stroke-width', 3);
    else g.append('rect').attr('x', dx).attr('y', dy).attr('width', 12).attr('height', 10).attr('fill', item.color);
    g.append('text').attr('x', dx + 16).attr('y', dy + 9).text(item.label);
    dx += w;
  }
}
