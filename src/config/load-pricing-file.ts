/*
 * Reads the pricing file from disk and builds the price book from it: the only file I/O of the
 * instrumentation, kept out of src/pricing so that pricing stays pure. It runs at start-up (and
 * on setConfig), never on a request path.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { PriceBook } from '../pricing/price-book';
import { parsePricingFile, type PricingFile, type PricingFileResult } from '../pricing/pricing-file';

/** A pricing file larger than this is refused rather than read (the built-in table is ~30 KiB as JSON). */
export const MAX_PRICING_FILE_BYTES = 1024 * 1024;

/**
 * Opened without waiting: a FIFO nobody writes to would otherwise block the open, and with it the
 * app's start-up. (O_NONBLOCK is 0 where the platform has none; the file-type check still applies.)
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function fileType(stats: ReturnType<typeof fstatSync>): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

/** At most `max + 1` bytes from `fd`: one more than allowed says the file grew past the limit. */
function readAtMost(fd: number, max: number): Buffer {
  const buffer = Buffer.allocUnsafe(max + 1);
  let length = 0;
  while (length < buffer.length) {
    const read = readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
  }
  return buffer.subarray(0, length);
}

/**
 * Reads, parses and validates the pricing file at `path`: a regular file of at most
 * MAX_PRICING_FILE_BYTES. Never throws and never blocks on a FIFO or reads a device: failures come
 * back as errors, which never quote the file's content (it may not be a pricing file at all, and
 * hold a key). Messages name the entry (`models["x"].input: …`), not the file: prefix the path when logging.
 */
export function loadPricingFile(path: string): PricingFileResult {
  let fd: number | undefined;
  try {
    fd = openSync(path, OPEN_FLAGS);
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { errors: [`is not a regular file (${fileType(stats)})`], warnings: [] };
    const tooBig = { errors: [`is larger than the ${MAX_PRICING_FILE_BYTES} bytes allowed`], warnings: [] };
    if (stats.size > MAX_PRICING_FILE_BYTES) return tooBig;
    const bytes = readAtMost(fd, MAX_PRICING_FILE_BYTES);
    if (bytes.length > MAX_PRICING_FILE_BYTES) return tooBig;
    return parsePricingFile(bytes.toString('utf8'), '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    // The code (ENOENT, EACCES) only: a message could carry more than the path we print anyway.
    return { errors: [`cannot be read (${code ?? 'unknown error'})`], warnings: [] };
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // nothing more to do
      }
    }
  }
}

/** Where the price book's problems are said (the instrumentation's diag logger). */
export interface PricingLog {
  error(message: string): void;
  warn(message: string): void;
}

/**
 * The prices in force: the built-in table, the pricing file at `path` (when given), then `overrides`
 * (prices given in code). What the file or the overrides get wrong is logged, prefixed with where it is.
 */
export function loadPriceBook(
  path: string | undefined,
  overrides: PricingFile | undefined,
  log: PricingLog,
): PriceBook {
  let fileConfig: PricingFile | undefined;
  if (path) {
    const loaded = loadPricingFile(path);
    for (const error of loaded.errors) log.error(`pricing file ${path}: ${error}`);
    for (const warning of loaded.warnings) log.warn(`pricing file ${path}: ${warning}`);
    fileConfig = loaded.file;
  }
  const book = PriceBook.create({ pricingFile: fileConfig, overrides });
  for (const problem of book.problems) log.warn(`pricing: ${problem}`);
  return book;
}
