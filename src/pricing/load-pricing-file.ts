/*
 * Reads a pricing file from disk. The one module under src/pricing that does I/O, kept apart so
 * the rest stays pure; it runs once at start-up, never on a request path.
 */
import { readFileSync, statSync } from 'node:fs';
import { parsePricingFile, type PricingFileResult } from './pricing-file';

/** A pricing file larger than this is refused rather than read. */
export const MAX_PRICING_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Reads, parses and validates the pricing file at `path`. Never throws: failures come back as
 * errors. Messages name the entry (`models["x"].input: …`), not the file: prefix the path when logging.
 */
export function loadPricingFile(path: string): PricingFileResult {
  try {
    const size = statSync(path).size;
    if (size > MAX_PRICING_FILE_BYTES) {
      return { errors: [`${size} bytes is more than the ${MAX_PRICING_FILE_BYTES} allowed`], warnings: [] };
    }
    return parsePricingFile(readFileSync(path, 'utf8'), '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const reason = code ?? (error instanceof Error ? error.message : String(error));
    return { errors: [`cannot be read (${reason})`], warnings: [] };
  }
}
