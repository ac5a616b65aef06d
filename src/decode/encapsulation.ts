/**
 * What a frame's TCP segment was wrapped in (VXLAN, GRE, MPLS …), outermost first, and the capture-wide
 * counts of frames per encapsulation. A stack is interned once per distinct (kind, id) sequence, so a
 * tunnelled segment carries one small integer; plain traffic carries 0 and costs nothing.
 */

/** Encapsulation kinds; the names are what the JSON and the terminal show. */
export const enum Encap {
  Mpls = 0,
  LlcSnap = 1,
  IpInIp = 2,
  Ipv6InIp = 3,
  Gre = 4,
  Erspan2 = 5,
  Erspan3 = 6,
  Vxlan = 7,
  Geneve = 8,
  GtpU = 9,
  Teredo = 10,
  Ayiya = 11,
  GreInUdp = 12,
  MplsInUdp = 13,
  Erspan1 = 14,
  Ipv4InIpv6 = 15,
  Ipv6InIpv6 = 16,
}

export const ENCAP_NAMES = [
  'mpls', 'llc-snap', 'ip-in-ip', '6in4', 'gre', 'erspan-ii', 'erspan-iii', 'vxlan', 'geneve', 'gtp-u', 'teredo',
  'ayiya', 'gre-in-udp', 'mpls-in-udp', 'erspan-i', '4in6', 'ip6-in-ip6',
] as const;

export type EncapName = (typeof ENCAP_NAMES)[number];

/** What the id of a layer is, in its description ("vxlan vni 42"); '' = the layer has none. */
const ID_LABELS: readonly string[] = [
  'label', '', '', '', 'key', 'session', 'session', 'vni', 'vni', 'teid', '', '', 'key', 'label', '', '', '',
];

/** Layers a frame may nest before it counts as malformed: real overlays stack two or three. */
const MAX_ENCAP_DEPTH = 12;

/** Layer id meaning "none" (a GRE header without key, IP-in-IP). */
export const NO_ID = -1;

/** The layers of the frame being decoded (reused; reset per frame). */
export class EncapStack {
  depth = 0;
  /** Set when a push was refused: the frame nests deeper than the bound (reset with depth). */
  overflowed = false;
  readonly kinds = new Uint8Array(MAX_ENCAP_DEPTH);
  /** Ids as numbers (-1 = none); MPLS keeps its whole label stack as one layer per label. */
  readonly ids = new Float64Array(MAX_ENCAP_DEPTH);

  /** False when the frame nests deeper than MAX_ENCAP_DEPTH (then it is malformed). */
  push(kind: Encap, id: number): boolean {
    if (this.depth >= MAX_ENCAP_DEPTH) {
      this.overflowed = true;
      return false;
    }
    this.kinds[this.depth] = kind;
    this.ids[this.depth] = id;
    this.depth++;
    return true;
  }
}

/** Per-thread table of distinct stacks: id 0 = no encapsulation. */
export class EncapTable {
  private readonly byHash = new Map<number, number[]>();
  private readonly stacks: { kinds: number[]; ids: number[] }[] = [{ kinds: [], ids: [] }];
  private readonly names: string[][] = [[]];
  /** Frames whose TCP segment was found inside each kind (a frame with two layers of one kind counts once). */
  readonly framesByKind = new Float64Array(ENCAP_NAMES.length);

  intern(stack: EncapStack): number {
    if (stack.depth === 0) return 0;
    let h = stack.depth;
    for (let i = 0; i < stack.depth; i++) h = Math.imul(h ^ (stack.kinds[i]! * 0x9e3779b1 + stack.ids[i]!), 0x85ebca6b) ^ (h >>> 15);
    const candidates = this.byHash.get(h);
    if (candidates !== undefined) {
      for (const id of candidates) if (this.same(id, stack)) return id;
    }
    const id = this.stacks.length;
    this.stacks.push({ kinds: Array.from(stack.kinds.subarray(0, stack.depth)), ids: Array.from(stack.ids.subarray(0, stack.depth)) });
    this.names.push(describe(stack));
    if (candidates === undefined) this.byHash.set(h, [id]);
    else candidates.push(id);
    return id;
  }

  /** Counts a decoded frame's layers (once per kind). */
  count(stack: EncapStack): void {
    let seen = 0;
    for (let i = 0; i < stack.depth; i++) {
      const k = stack.kinds[i]!;
      if ((seen & (1 << k)) === 0) this.framesByKind[k]!++;
      seen |= 1 << k;
    }
  }

  /** The layers of stack `id`, outermost first, as shown to users ("vxlan vni 42", "mpls label 100"). */
  describe(id: number): readonly string[] {
    return this.names[id] ?? [];
  }

  countsByName(): Partial<Record<EncapName, number>> {
    const out: Partial<Record<EncapName, number>> = {};
    ENCAP_NAMES.forEach((name, i) => {
      if (this.framesByKind[i]! > 0) out[name] = this.framesByKind[i]!;
    });
    return out;
  }

  private same(id: number, stack: EncapStack): boolean {
    const s = this.stacks[id]!;
    if (s.kinds.length !== stack.depth) return false;
    for (let i = 0; i < stack.depth; i++) if (s.kinds[i] !== stack.kinds[i] || s.ids[i] !== stack.ids[i]) return false;
    return true;
  }
}

function describe(stack: EncapStack): string[] {
  const out: string[] = [];
  for (let i = 0; i < stack.depth; i++) {
    const kind = stack.kinds[i]!;
    const id = stack.ids[i]!;
    const label = ID_LABELS[kind] ?? '';
    const name = ENCAP_NAMES[kind] ?? `encapsulation ${kind}`;
    if (id === NO_ID || label === '') out.push(name);
    else if (kind === Encap.GtpU) out.push(`${name} ${label} 0x${id.toString(16).padStart(8, '0')}`);
    else out.push(`${name} ${label} ${id}`);
  }
  return out;
}
