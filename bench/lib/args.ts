// Command-line handling for the bench scripts that generate and import data files.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/**
 * The script's options, parsed strictly; `--help` (or `-h`) prints `help` and exits 0. The
 * options must declare `help: { type: 'boolean', short: 'h' }` themselves.
 */
export function parseOptions<const Options extends ParseArgsOptionsConfig>(help: string, options: Options, args?: string[]) {
  const { values } = parseArgs({ options, ...(args ? { args } : {}) });
  if ((values as { help?: boolean }).help) {
    console.log(help);
    process.exit(0);
  }
  return values;
}

/** Prints the message (the usage, or what went wrong) and exits 2. */
export function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
