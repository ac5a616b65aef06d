import { open } from 'node:fs/promises';
import { createReadStream, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { getSystemErrorMap } from 'node:util';
import { CaptureError } from './errors.js';

/** Where capture bytes come from: a file, standard input, or either through gunzip. */
export interface ByteSource {
  readonly name: string;
  readonly compressed: boolean;
  /** Set when the input ended because it was damaged (a cut or corrupt gzip stream). */
  readonly damage?: string;
  /** The input's size in bytes as stored (compressed for gzip); null for a stream (standard input). */
  readonly size: number | null;
  /** Bytes taken from the input so far, counted as `size` is: what a progress bar shows against it. */
  consumed(): number;
  /** Read up to `length` bytes into `target` at `offset`; 0 means end of input. */
  read(target: Uint8Array, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** Opens a path, or `-` for standard input; gzip is recognised by its magic bytes, not the name. */
export async function openSource(path: string): Promise<ByteSource> {
  if (path === '-') return streamSourceSniffingGzip('<stdin>', process.stdin);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new CaptureError(path, 0, `cannot open: ${systemErrorText(err)}`);
  }
  const head = new Uint8Array(2);
  let bytesRead: number;
  try {
    ({ bytesRead } = await handle.read(head, 0, 2, 0));
  } catch (err) {
    await handle.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new CaptureError(path, 0, code === 'EISDIR' ? 'is a directory, not a capture file' : `cannot read: ${systemErrorText(err)}`);
  }
  let size: number | null;
  try {
    size = (await handle.stat()).size;
  } catch {
    size = null; // only the progress bar's total is lost
  }
  if (bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    await handle.close();
    const raw = createReadStream(path);
    return streamSource(path, raw.pipe(createGunzip()), true, { size, consumed: () => raw.bytesRead, onClose: () => raw.destroy() });
  }
  let position = 0;
  return {
    name: path,
    compressed: false,
    size,
    consumed: () => position,
    // A synchronous read of a regular file costs only the copy from the page cache; an async one
    // adds a thread-pool round trip per chunk that, measured, left the main thread idle 2/3 of the time.
    async read(target, offset, length) {
      const n = readSync(handle.fd, target, offset, length, position);
      position += n;
      return n;
    },
    close: () => handle.close(),
  };
}

/** Adapts a Node stream (chunks of any size) to pull reads into a caller's buffer. */
interface StreamExtras {
  size?: number | null;
  /** Bytes taken from the underlying input (before gunzip); default: the bytes this source delivered. */
  consumed?: () => number;
  onClose?: () => void;
}

function streamSource(name: string, stream: Readable, compressed: boolean, extras: StreamExtras = {}): ByteSource {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending: Buffer | null = null;
  let pendingPos = 0;
  let done = false;
  let delivered = 0;
  const source: { -readonly [K in keyof ByteSource]: ByteSource[K] } = {
    name,
    compressed,
    size: extras.size ?? null,
    consumed: extras.consumed ?? (() => delivered),
    async read(target, offset, length) {
      while (pending === null || pendingPos >= pending.length) {
        if (done) return 0;
        let r: IteratorResult<Buffer>;
        try {
          r = await chunks.next();
        } catch (err) {
          // What was decompressed so far is still worth analysing: end here and let the reader report it.
          source.damage = `${compressed ? 'the gzip data is damaged or cut short' : 'reading failed'}: ${(err as Error).message}`;
          done = true;
          return 0;
        }
        if (r.done) {
          done = true;
          return 0;
        }
        pending = r.value;
        pendingPos = 0;
      }
      const n = Math.min(length, pending.length - pendingPos);
      target.set(pending.subarray(pendingPos, pendingPos + n), offset);
      pendingPos += n;
      delivered += n;
      return n;
    },
    async close() {
      stream.destroy();
      extras.onClose?.();
    },
  };
  return source;
}

/** Standard input may be gzip too; peek at its first chunk before deciding. */
async function streamSourceSniffingGzip(name: string, input: Readable): Promise<ByteSource> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // The gzip magic is two bytes; a pipe may deliver fewer in its first chunk.
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await it.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  if (head.length === 0) return streamSource(name, Readable.from([]), false);
  let taken = head.length;
  const replay = Readable.from(
    (async function* () {
      yield head;
      for (let r = await it.next(); !r.done; r = await it.next()) {
        taken += r.value.length;
        yield r.value;
      }
    })(),
    { objectMode: false },
  );
  if (head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    return streamSource(name, replay.pipe(createGunzip()), true, { consumed: () => taken });
  }
  return streamSource(name, replay, false);
}

/** "no such file or directory (ENOENT)": the system's words first, the code for searching. */
export function systemErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const known = typeof e?.errno === 'number' ? getSystemErrorMap().get(e.errno) : undefined;
  return known !== undefined ? `${known[1]} (${known[0]})` : e?.code ?? String(err);
}
