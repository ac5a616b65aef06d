import { Encap, ENCAP_NAMES, type EncapName } from './encapsulation.js';

/**
 * Which UDP ports carry which overlay. The defaults are the IANA ports, which are also what Wireshark
 * (4.0) and Zeek decode by default: VXLAN 4789 (RFC 7348), Geneve 6081 (RFC 8926), GTP-U 2152
 * (3GPP TS 29.281), Teredo 3544 (RFC 4380), AYIYA 5072, GRE-in-UDP 4754 and MPLS-in-UDP 6635 (RFC 8086,
 * RFC 7510). Overlays on other ports (Linux's legacy VXLAN 8472, Flannel's 8285 …) are added by the
 * user (`--tunnel-port vxlan=8472`). A datagram is taken as an overlay when either port matches.
 */
const DEFAULT_TUNNEL_PORTS: Readonly<Record<UdpTunnelName, readonly number[]>> = {
  vxlan: [4789],
  geneve: [6081],
  'gtp-u': [2152],
  teredo: [3544],
  ayiya: [5072],
  'gre-in-udp': [4754],
  'mpls-in-udp': [6635],
};

export type UdpTunnelName = Extract<EncapName, 'vxlan' | 'geneve' | 'gtp-u' | 'teredo' | 'ayiya' | 'gre-in-udp' | 'mpls-in-udp'>;

export const UDP_TUNNEL_NAMES = Object.keys(DEFAULT_TUNNEL_PORTS) as UdpTunnelName[];

/** Port → Encap kind + 1 (0 = not an overlay port), for one lookup per UDP datagram. */
export type UdpPortTable = Uint8Array;

export interface TunnelOptions {
  /** Extra overlay ports, added to the defaults: `{ vxlan: [8472] }`. */
  tunnelPorts?: Partial<Record<UdpTunnelName, readonly number[]>>;
  /**
   * Also recognise Teredo on any UDP port, from the datagram's shape (an IPv6 header whose length is
   * exactly the rest of the datagram), as Zeek does: after qualification, Teredo clients talk to relays
   * and peers on arbitrary ports. Wireshark 4.0 has this heuristic off by default. Default: true.
   */
  teredoHeuristic?: boolean;
}

export function udpPortTable(options: TunnelOptions = {}): UdpPortTable {
  const table = new Uint8Array(65536);
  for (const name of UDP_TUNNEL_NAMES) {
    const kind = ENCAP_NAMES.indexOf(name) as Encap;
    for (const port of [...DEFAULT_TUNNEL_PORTS[name], ...(options.tunnelPorts?.[name] ?? [])]) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`tunnel port ${port} for ${name} is not a UDP port (1-65535)`);
      table[port] = kind + 1;
    }
  }
  return table;
}

/** Parses `vxlan=8472` (the CLI's --tunnel-port) into options; throws a message for the user. */
export function parseTunnelPort(spec: string, into: Partial<Record<UdpTunnelName, number[]>>): void {
  const m = /^([a-z0-9-]+)[=:](\d{1,5})$/.exec(spec.trim().toLowerCase());
  const name = m?.[1] as UdpTunnelName | undefined;
  if (m === null || name === undefined || !UDP_TUNNEL_NAMES.includes(name)) {
    throw new RangeError(`--tunnel-port takes KIND=PORT with KIND one of ${UDP_TUNNEL_NAMES.join(', ')} (got "${spec}")`);
  }
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new RangeError(`--tunnel-port ${spec}: ${port} is not a UDP port (1-65535)`);
  (into[name] ??= []).push(port);
}
