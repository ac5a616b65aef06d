#!/usr/bin/env python3
"""Read the key TCP facts off every capture in samples/ with tshark and write
samples/facts.json (and print a Markdown summary to stdout).

usage: python3 samples/record/facts.py [--md]
Does not need root.  Needs tshark/capinfos (Wireshark 4.0.x was used).

Definitions used in facts.json
  client / server : the SYN (without ACK) sender of a tcp.stream is "client",
                    its peer is "server" ("unknown" if the SYN is not captured).
  firstFin*       : per stream (ascending tcp.stream), the first frame with FIN
                    set and who sent it; streams without any FIN are skipped
                    (see streams[] for the per-stream view).
  crossedFinStreams: streams whose two FINs crossed (simultaneous close).
  rst*            : every frame with RST set, in frame order.
  zeroWindowFrames: Wireshark tcp.analysis.zero_window (receiver advertises 0).
  zeroWindowStartFrame(s): start of the zero-window run that never reopens
                    (the stall); earlier zero windows that reopened are listed
                    in transientZeroWindowFrames.
  dataAfterPeerFin: payload frames a side sent after the peer's FIN had
                    already been captured (e.g. a request on a socket the
                    server already closed), with the delay since that FIN.
  httpExchanges   : every HTTP request tshark dissects, with its response
                    frame (http.response_in) and http.time (seconds).  These
                    are tshark's view: where tshark frames a capture wrongly
                    (pipelined HEAD, see stories.json 'exchanges') the story's
                    own list is the truth.
  durationSeconds : time of the last TCP frame; captureDurationSeconds: time
                    of the last frame of any kind (e.g. the ICMP end marker).
  probeFrames     : tcp.analysis.zero_window_probe or tcp.analysis.keep_alive
                    frames that are sent while the peer's window is zero
                    (Linux persist probes are 0-byte segments at snd_una-1,
                    which Wireshark labels "TCP Keep-Alive").
  keepAliveFrames : all tcp.analysis.keep_alive frames.
  retransmissionFrames: tcp.analysis.retransmission (incl. fast/spurious),
                    interval = time since the previous transmission of the
                    same sequence number by the same sender.
  All frame numbers are tshark frame.number (1-based), times are
  frame.time_relative seconds.
"""
import json, os, subprocess, sys
from collections import defaultdict

SAMPLES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FIELDS = ['frame.number', 'frame.time_relative', 'frame.interface_id', 'tcp.stream',
          'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport',
          'tcp.flags.syn', 'tcp.flags.ack', 'tcp.flags.fin', 'tcp.flags.reset',
          'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len', 'tcp.window_size']
FLAGS = ['retransmission', 'fast_retransmission', 'spurious_retransmission',
         'zero_window', 'zero_window_probe', 'zero_window_probe_ack', 'keep_alive',
         'keep_alive_ack', 'window_full', 'reused_ports', 'window_update', 'out_of_order',
         'duplicate_ack', 'lost_segment', 'ack_lost_segment']


def tshark(path, *args):
    out = subprocess.run(['tshark', '-n', '-r', path, *args], check=True,
                         capture_output=True, text=True).stdout
    return [l.split('\t') for l in out.splitlines() if l]


def encapsulations(path):
    out = subprocess.run(['capinfos', '-E', '-T', path], check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()[1:]
    return lines[0].split('\t')[1] if lines else ''


def interfaces(path):
    out = subprocess.run(['capinfos', '-I', path], capture_output=True, text=True).stdout
    ifs = []
    for block in out.split('Interface #')[1:]:
        d = {}
        for line in block.splitlines():
            if '=' in line:
                k, v = line.split('=', 1)
                d[k.strip()] = v.strip()
        ifs.append({'encapsulation': d.get('Encapsulation', ''), 'name': d.get('Name', '')})
    return ifs


def analyse(path):
    rows = tshark(path, '-Y', 'tcp', '-T', 'fields', '-E', 'separator=/t',
                  *sum((['-e', f] for f in FIELDS), []))
    allf = tshark(path, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_relative')
    total = len(allf)
    http = tshark(path, '-2', '-Y', 'http.request', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream',
                  '-e', 'http.request.method', '-e', 'http.request.uri', '-e', 'http.response_in')
    resp = {int(r[0]): r for r in tshark(path, '-2', '-Y', 'http.response', '-T', 'fields', '-e', 'frame.number',
                                          '-e', 'http.response.code', '-e', 'http.time')}
    pk = []
    for r in rows:
        d = dict(zip(FIELDS, r))
        src = d['ip.src'] or d['ipv6.src']
        dst = d['ip.dst'] or d['ipv6.dst']
        pk.append({'frame': int(d['frame.number']), 't': float(d['frame.time_relative']),
                   'iface': int(d['frame.interface_id'] or 0),
                   'stream': int(d['tcp.stream']), 'src': f"{src}:{d['tcp.srcport']}",
                   'dst': f"{dst}:{d['tcp.dstport']}",
                   'syn': d['tcp.flags.syn'] in ('1', 'True'), 'ack': d['tcp.flags.ack'] in ('1', 'True'),
                   'fin': d['tcp.flags.fin'] in ('1', 'True'), 'rst': d['tcp.flags.reset'] in ('1', 'True'),
                   'seq': int(d['tcp.seq_raw']), 'ackno': int(d['tcp.ack_raw'] or 0), 'len': int(d['tcp.len']), 'win': int(d['tcp.window_size'] or 0)})
    flagged = {}
    for f in FLAGS:
        flagged[f] = [int(r[0]) for r in tshark(path, '-Y', f'tcp.analysis.{f}', '-T', 'fields', '-e', 'frame.number')]
    byframe = {p['frame']: p for p in pk}
    streams = defaultdict(list)
    for p in pk:
        streams[p['stream']].append(p)
    client_of = {}
    for s, ps in streams.items():
        syn = next((p for p in ps if p['syn'] and not p['ack']), None)
        client_of[s] = syn['src'] if syn else None

    def who(p):
        c = client_of[p['stream']]
        if c is None:
            return 'unknown'
        return 'client' if p['src'] == c else 'server'

    sinfo = []
    for s in sorted(streams):
        ps = streams[s]
        syn = next((p for p in ps if p['syn'] and not p['ack']), None)
        fins = [p for p in ps if p['fin']]
        rsts = [p for p in ps if p['rst']]
        peer = None
        if syn:
            peer = syn['dst']
        else:
            peer = next((p['dst'] for p in ps if p['src'] != ps[0]['src']), ps[0]['dst'])
        # first FIN of each direction
        firsts = {}
        for p in fins:
            firsts.setdefault(p['src'], p)
        # payload sent by one side after the other side's FIN was seen
        after_fin = []
        fin_seen = {}
        for p in ps:
            other_fin = [src for src in fin_seen if src != p['src']]
            if p['len'] > 0 and other_fin:
                after_fin.append({'frame': p['frame'], 'sender': who(p), 'peerFinFrame': fin_seen[other_fin[0]],
                                  'secondsAfterPeerFin': round(p['t'] - byframe[fin_seen[other_fin[0]]]['t'], 6)})
            if p['fin']:
                fin_seen.setdefault(p['src'], p['frame'])
        # crossed FINs (simultaneous close): the first FIN of the second
        # direction does not acknowledge the first direction's FIN
        dirs = list(firsts.values())
        crossed = (len(dirs) >= 2 and dirs[1]['ack'] and
                   (dirs[1]['ackno'] - (dirs[0]['seq'] + dirs[0]['len'])) % 2**32 == 0)
        sinfo.append({
            'stream': s, 'client': client_of[s] or ps[0]['src'], 'server': peer,
            'clientKnown': client_of[s] is not None,
            'firstFrame': ps[0]['frame'], 'lastFrame': ps[-1]['frame'], 'packets': len(ps),
            'synFrame': syn['frame'] if syn else None,
            'firstFinFrame': fins[0]['frame'] if fins else None,
            'firstFinSender': who(fins[0]) if fins else None,
            'finFrames': [{'frame': p['frame'], 'sender': who(p)} for p in fins],
            'finsCrossed': crossed,
            'finDirections': [{'frame': p['frame'], 'sender': who(p)} for p in firsts.values()],
            'rstFrames': [{'frame': p['frame'], 'sender': who(p)} for p in rsts],
            'dataAfterPeerFin': after_fin,
            'payloadBytes': {'client': sum(p['len'] for p in ps if who(p) != 'server'),
                             'server': sum(p['len'] for p in ps if who(p) == 'server')},
        })

    def times(frames):
        return [round(byframe[f]['t'], 6) for f in frames]

    def intervals(ts):
        return [round(b - a, 6) for a, b in zip(ts, ts[1:])]

    # retransmissions with interval to previous transmission of same seq
    retr = sorted(set(flagged['retransmission'] + flagged['fast_retransmission'] + flagged['spurious_retransmission']))
    retr_info = []
    for f in retr:
        p = byframe[f]
        prev = [q for q in streams[p['stream']] if q['frame'] < f and q['src'] == p['src'] and q['seq'] == p['seq']
                and (q['len'] > 0 or q['fin'] or q['syn'])]
        retr_info.append({'frame': f, 'time': round(p['t'], 6), 'stream': p['stream'], 'sender': who(p),
                          'sinceLastTransmission': round(p['t'] - prev[-1]['t'], 6) if prev else None,
                          'originalFrame': prev[0]['frame'] if prev else None})
    # probes sent while the peer's advertised window is zero
    last_win = {}
    probes = []
    cand = set(flagged['zero_window_probe'] + flagged['keep_alive'])
    for p in pk:
        if p['frame'] in cand and last_win.get((p['stream'], p['dst'])) == 0:
            probes.append(p['frame'])
        if not p['syn']:
            last_win[(p['stream'], p['src'])] = p['win']
    zw = zw_all = flagged['zero_window']
    # sustained zero window: per sender, the start of the last run of zero-window
    # advertisements that is never followed by a non-zero window from that sender
    sustained = []
    transient = []
    for (stream, sender) in sorted({(byframe[f]['stream'], byframe[f]['src']) for f in zw_all}):
        ps = [p for p in streams[stream] if p['src'] == sender and not p['syn']]
        start = None
        for p in ps:
            if p['win'] == 0 and start is None:
                start = p['frame']
            elif p['win'] != 0:
                start = None
        if start is not None:
            sustained.append(start)
        transient += [f for f in zw_all if byframe[f]['stream'] == stream and byframe[f]['src'] == sender
                      and (start is None or f < start)]
    exchanges = []
    for r in http:
        rq = int(r[0])
        # several requests in one frame (pipelining): tshark joins each field's
        # occurrences with commas; one exchange per occurrence, in order
        methods, uris = r[2].split(','), r[3].split(',')
        rs_all = r[4].split(',') if len(r) > 4 and r[4] else []
        for i, (method, uri) in enumerate(zip(methods, uris)):
            rs = int(rs_all[i]) if i < len(rs_all) else None
            exchanges.append({'requestFrame': rq, 'stream': int(r[1]), 'method': method, 'uri': uri,
                              'requestTime': round(byframe[rq]['t'], 6),
                              'responseFrame': rs, 'status': int(resp[rs][1].split(',')[0]) if rs in resp else None,
                              'responseSeconds': round(float(resp[rs][2].split(',')[0]), 6) if rs in resp and resp[rs][2] else None})
    firsts = [si for si in sinfo if si['firstFinFrame'] is not None]
    rst_all = [p for p in pk if p['rst']]
    res = {
        'encapsulation': encapsulations(path),
        'interfaces': interfaces(path),
        'packets': total,
        'tcpPackets': len(pk),
        'streams': len(streams),
        'durationSeconds': round(max((p['t'] for p in pk), default=0), 3),
        'captureDurationSeconds': round(max((float(r[1]) for r in allf), default=0), 3),
        'firstFinFrames': [si['firstFinFrame'] for si in firsts],
        'firstFinSenders': [si['firstFinSender'] for si in firsts],
        'firstFinStreams': [si['stream'] for si in firsts],
        'crossedFinStreams': [si['stream'] for si in sinfo if si['finsCrossed']],
        'rstFrames': [p['frame'] for p in rst_all],
        'rstSenders': [who(p) for p in rst_all],
        'rstStreams': [p['stream'] for p in rst_all],
        'dataAfterPeerFinFrames': [a['frame'] for si in sinfo for a in si['dataAfterPeerFin']],
        'zeroWindowFrames': zw,
        'zeroWindowSenders': [who(byframe[f]) for f in zw],
        'zeroWindowStartFrame': sustained[0] if sustained else None,
        'zeroWindowStartFrames': sustained,
        'transientZeroWindowFrames': transient,
        'probeFrames': probes,
        'probeSenders': [who(byframe[f]) for f in probes],
        'probeTimes': times(probes),
        'probeIntervals': intervals(times(probes)),
        'keepAliveFrames': flagged['keep_alive'],
        'zeroWindowProbeFrames': flagged['zero_window_probe'],
        'retransmissionFrames': [r['frame'] for r in retr_info],
        'retransmissionSenders': [r['sender'] for r in retr_info],
        'retransmissionIntervals': [r['sinceLastTransmission'] for r in retr_info],
        'retransmissions': retr_info,
        'windowFullFrames': flagged['window_full'],
        'reusedPortsFrames': flagged['reused_ports'],
        'httpExchanges': exchanges,
        'streamDetails': sinfo,
    }
    return res


def main():
    files = []
    for root, _, names in os.walk(SAMPLES):
        for n in names:
            if n.endswith(('.pcap', '.pcapng')):
                files.append(os.path.relpath(os.path.join(root, n), SAMPLES))
    files.sort(key=lambda f: (f.count('/'), f))
    facts = {}
    notes_path = os.path.join(os.path.dirname(__file__), 'stories.json')
    stories = json.load(open(notes_path)) if os.path.exists(notes_path) else {}
    for f in files:
        facts[f] = {'story': stories.get(f, {}).get('story', ''),
                    **{k: v for k, v in stories.get(f, {}).items() if k != 'story'},
                    **analyse(os.path.join(SAMPLES, f))}
    with open(os.path.join(SAMPLES, 'facts.json'), 'w') as fh:
        json.dump(facts, fh, indent=1)
        fh.write('\n')
    if '--md' in sys.argv:
        for f, d in facts.items():
            print(f"### {f}\n")
            print(f"packets {d['packets']}, tcp.streams {d['streams']}, {d['encapsulation']}, {d['durationSeconds']} s\n")
            for si in d['streamDetails']:
                print(f"- stream {si['stream']} {si['client']} -> {si['server']}: frames {si['firstFrame']}-{si['lastFrame']}, "
                      f"first FIN {si['firstFinFrame']} ({si['firstFinSender']}), "
                      f"RST {[(r['frame'], r['sender']) for r in si['rstFrames']]}"
                      + (f", data after peer FIN {[(a['frame'], a['sender'], a['secondsAfterPeerFin']) for a in si['dataAfterPeerFin']]}" if si['dataAfterPeerFin'] else ''))
            for k in ('zeroWindowStartFrame', 'transientZeroWindowFrames', 'zeroWindowFrames', 'probeFrames', 'probeIntervals', 'retransmissionFrames', 'retransmissionIntervals', 'reusedPortsFrames'):
                if d[k]:
                    print(f"- {k}: {d[k]}")
            print()


if __name__ == '__main__':
    main()
