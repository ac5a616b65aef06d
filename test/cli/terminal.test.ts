/**
 * The terminal output as a user sees it (issue 13 "Terminal", issue 14 "the HTTP story"): colour only
 * on a TTY, never with NO_COLOR, forced by FORCE_COLOR; capture strings never print control characters
 * raw, on stdout or stderr; the HTTP line of each notable connection tells the request, its status and
 * what went wrong beside the TCP facts.
 */
import test from 'ava';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { TempDir } from '../helpers/io.js';
import { colourText, colourWanted } from '../../src/report/colour.js';

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

const ESC = '\x1b';
/** An SGR colour sequence, the only escape the CLI itself may write. */
const NOT_SGR = /\x1b(?!\[\d+m)/;
const RACE = 'samples/keepalive-idle-race.pcap';
const HOSTILE_TARGET = '/\x1b[2J\x07';

/**
 * The keep-alive race sample with its third connection's target `/c2/r2` replaced by bytes of the same
 * length that clear the screen and ring the bell. The analyser does not check TCP checksums (offloaded
 * captures have wrong ones), so the capture is otherwise the recorded one.
 */
function hostileCapture(name = 'hostile-target.pcap'): string {
  const bytes = readFileSync(RACE);
  const at = bytes.indexOf('/c2/r2');
  if (at < 0 || bytes.indexOf('/c2/r2', at + 1) >= 0) throw new Error('the sample no longer holds /c2/r2 exactly once');
  const patched = Buffer.from(bytes);
  patched.write(HOSTILE_TARGET, at, 'latin1');
  return tmp.write(name, patched);
}

test('piped output has no escape sequence by default, and none with NO_COLOR even when FORCE_COLOR is set', async (t) => {
  for (const env of [{}, { NO_COLOR: '1' }, { NO_COLOR: '1', FORCE_COLOR: '1' }, { FORCE_COLOR: '0' }, { FORCE_COLOR: 'false' }]) {
    const r = await runCli(['analyze', 'samples/slow-reader-zero-window.pcap'], undefined, env);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /\[CRITICAL\]/);
    t.false(r.stdout.includes(ESC), `stdout with ${JSON.stringify(env)}`);
    t.false(r.stderr.includes(ESC), `stderr with ${JSON.stringify(env)}`);
  }
});

test('FORCE_COLOR colours severities and table flags in a pipe; the --out text file stays plain', async (t) => {
  const out = join(tmp.path, 'forced');
  for (const force of ['1', '', 'true', '3']) {
    const r = await runCli(['analyze', 'samples/slow-reader-zero-window.pcap', '--out', out], undefined, { FORCE_COLOR: force });
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /\x1b\[31m\x1b\[1m\[CRITICAL\]\x1b\[22m\x1b\[39m/, `FORCE_COLOR=${force}: severity`);
    t.regex(r.stdout, /\x1b\[33m\x1b\[1m\[WARNING\]/);
    // The slow-reader row: reset, zero window, probes, retransmissions, each letter its colour.
    t.regex(r.stdout, /CLOSED\/CLOSED +\x1b\[31m\x1b\[1mR\x1b\[22m\x1b\[39m\x1b\[33mZ\x1b\[39m\x1b\[35mP\x1b\[39m\x1b\[36mT\x1b\[39m$/m);
    t.regex(r.stdout, /\x1b\[31mwent wrong: body cut after 71,688 bytes/);
    t.false(NOT_SGR.test(r.stdout), 'only colour sequences');
    const file = readFileSync(join(out, 'slow-reader-zero-window.txt'), 'utf8');
    t.false(file.includes(ESC), 'the text report written to a file has no colour');
    // Without the colour, stdout is the file: colour adds sequences and changes nothing else.
    t.is(r.stdout.replace(/\x1b\[\d+m/g, ''), file + '\n');
  }
});

test('the colour decision: NO_COLOR wins, FORCE_COLOR forces (0/false turn it off), else a terminal that is not dumb', (t) => {
  t.true(colourWanted({}, true));
  t.false(colourWanted({}, false));
  t.false(colourWanted({ TERM: 'dumb' }, true));
  t.false(colourWanted({ NO_COLOR: '1' }, true));
  t.false(colourWanted({ NO_COLOR: '1', FORCE_COLOR: '1' }, true));
  t.true(colourWanted({ NO_COLOR: '' }, true), 'an empty NO_COLOR is not set (no-color.org)');
  t.true(colourWanted({ FORCE_COLOR: '1' }, false));
  t.true(colourWanted({ FORCE_COLOR: '' }, false));
  t.false(colourWanted({ FORCE_COLOR: '0' }, true));
  t.false(colourWanted({ FORCE_COLOR: 'false' }, true));
  t.true(colourWanted({ FORCE_COLOR: '1', TERM: 'dumb' }, false));
});

test('colour paints only the shapes it knows: a capture string that looks like a tag or a row is left alone', (t) => {
  const text = [' 1. [WARNING] title [CRITICAL] in a target', '  GET /[WARNING] 7  x CLOSED/CLOSED   R', '    3  a  b  1.000  -  -  FIN_WAIT1/CLOSE_WAIT   RT'].join('\n');
  const out = colourText(text, true).split('\n');
  t.is(out[0], ' 1. \x1b[33m\x1b[1m[WARNING]\x1b[22m\x1b[39m title [CRITICAL] in a target');
  t.is(out[1], '  GET /[WARNING] 7  x CLOSED/CLOSED   R');
  t.is(out[2], '    3  a  b  1.000  -  -  FIN_WAIT1/CLOSE_WAIT   \x1b[31m\x1b[1mR\x1b[22m\x1b[39m\x1b[36mT\x1b[39m');
  t.is(colourText(text, false), text);
});

test('a hostile HTTP target is printed escaped (\\x1b, \\x07), never raw, coloured or not', async (t) => {
  const capture = hostileCapture();
  for (const env of [{}, { FORCE_COLOR: '1' }]) {
    const r = await runCli(['analyze', capture], undefined, env);
    t.is(r.code, 0, r.stderr);
    t.false(NOT_SGR.test(r.stdout), 'no escape but colour');
    t.false(r.stdout.includes('\x07'), 'no raw bell');
    t.regex(r.stdout, /GET \/\\x1b\[2J\\x07 at frame 24/, 'in the finding');
    t.regex(r.stdout, /^ {2}conn 1 .*GET \/\\x1b\[2J\\x07 → no response/m, 'in the HTTP line');
  }
});

test('capture file names on stderr are escaped: a damaged file, a missing one, and the files --out wrote', async (t) => {
  const dir = join(tmp.path, 'names');
  const out = join(tmp.path, 'names-out');
  mkdirSync(dir);
  const hostileName = join(dir, `evil${HOSTILE_TARGET.slice(1)}.pcap`);
  copyFileSync(RACE, hostileName);
  const cut = join(dir, `cut${HOSTILE_TARGET.slice(1)}.pcap`);
  writeFileSync(cut, readFileSync(RACE).subarray(0, 10));
  const runs = [
    await runCli(['analyze', hostileName, '--out', out]),
    await runCli(['analyze', cut]),
    await runCli(['analyze', join(dir, `missing${HOSTILE_TARGET.slice(1)}.pcap`)]),
    await runCli(['info', cut]),
  ];
  t.is(runs[0]!.code, 0, runs[0]!.stderr);
  t.regex(runs[0]!.stderr, /wrote .*evil\\x1b\[2J\\x07\.\{json,txt,html,md\}/);
  t.regex(runs[1]!.stderr, /cut\\x1b\[2J\\x07\.pcap/);
  t.regex(runs[2]!.stderr, /missing\\x1b\[2J\\x07\.pcap/);
  t.regex(runs[3]!.stderr, /cut\\x1b\[2J\\x07\.pcap/);
  for (const r of runs) {
    t.false(r.stderr.includes(ESC), r.stderr);
    t.false(r.stdout.includes(ESC), r.stdout);
    t.false(r.stderr.includes('\x07'));
  }
  // The same name on stdout (the capture header) is escaped too.
  t.regex(runs[0]!.stdout, /evil\\x1b\[2J\\x07\.pcap/);
});

test('the HTTP line of each notable connection: the request, its status, what went wrong, and the TCP end', async (t) => {
  const line = async (sample: string, conn: number): Promise<string> => {
    const r = await runCli(['analyze', sample]);
    t.is(r.code, 0, r.stderr);
    const story = r.stdout.slice(r.stdout.indexOf('HTTP on the connections the findings point at'));
    t.not(story, '', `${sample}: an HTTP section`);
    return new RegExp(`^ {2}conn ${conn} {2}.*$`, 'm').exec(story)?.[0] ?? '';
  };
  // The keep-alive race: the second request left after the server's idle FIN and was reset.
  t.is(await line(RACE, 1),
    "  conn 1  2 requests, 1 response; 2. GET /c2/r2 → no response; went wrong: no response to the request of frame 24, sent after the server's FIN #23; TCP: server FIN #23 first (idle), server RST #25");
  t.regex(await line(RACE, 0), /last: 2\. GET \/c1\/r2 → 200 in [\d.]+ ms \(frame 11\), Connection: keep-alive; TCP: server FIN #13 first \(idle\)$/);
  // The slow reader: the download was cut by the server's RST after the client's window stayed at zero.
  t.regex(await line('samples/slow-reader-zero-window.pcap', 0),
    /1\. GET \/big\.bin → 200 in [\d.]+ ms \(frame 8\).*went wrong: body cut after 71,688 bytes of 268,435,456; TCP: server RST #103 first \(mid response\), client window zero in \d+ segments$/);
  // A chunked body cut by a RST.
  t.regex(await line('samples/chunked-reset.pcap', 0), /2\. GET \/cut → 200 .*went wrong: body cut after 51 bytes \(chunked, no last chunk\); TCP: server RST #23 first/);
  // Connection: close — nothing went wrong in HTTP; the server closed first, hence its TIME_WAIT.
  t.regex(await line('samples/connection-close-server-time-wait.pcap', 0), /last: 1\. GET \/close\/1 → 200 .*Connection: close; TCP: server FIN #10 first \(idle\)$/);
});
