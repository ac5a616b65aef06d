// d3-node ships no types: the part this report uses.
declare module 'd3-node' {
  import type * as d3 from 'd3';
  export class D3Node {
    constructor(options?: { styles?: string });
    d3: typeof d3;
    createSVG(width: number, height: number, attrs?: Record<string, string>): d3.Selection<d3.BaseType, unknown, null, undefined>;
    svgString(): string;
  }
}
