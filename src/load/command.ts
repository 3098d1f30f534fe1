/**
 * `scaleface load`: the course's workload generator as a CLI command. Sends the images of a folder
 * to the web tier, prints the course's statistics block (plus latency percentiles and throughput)
 * and exits 0 only when every request succeeded (and, with --expected, every answer was correct).
 * Bad options exit 2.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidInputError } from '../domain/errors.js';
import { fileStem, IMAGE_EXTENSIONS, readExpectedLabels } from './expected-labels.js';
import { createProgressBar, type ProgressStream } from './progress.js';
import { formatDiagnostics, toJsonReport } from './report.js';
import { runLoad } from './runner.js';
import { computeLoadStatistics, formatCourseStatistics, isFullySuccessful } from './stats.js';

export const DEFAULT_LOAD_URL = 'http://127.0.0.1:8000/';
export const DEFAULT_LOAD_CONCURRENCY = 10;
/** Above the web tier's default reply timeout (60 s), so a cold start is not cut short. */
export const DEFAULT_LOAD_TIMEOUT_MS = 120_000;
export const EXIT_OK = 0;
export const EXIT_FAILURES = 1;
export const EXIT_BAD_OPTIONS = 2;

/** Where the command writes; defaults to the process's streams and process.exitCode. */
export interface LoadCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressStream;
  setExitCode(code: number): void;
}

/** The options as commander hands them over (strings, unvalidated). */
export interface RawLoadOptions {
  /** Unset: LoadCommandOptions.defaultUrl. */
  readonly url?: string;
  readonly token?: string;
  readonly dir?: string;
  readonly requests?: string;
  readonly concurrency: string;
  readonly expected?: string;
  readonly timeout: string;
  readonly json?: string | boolean;
}

export type JsonTarget = { readonly kind: 'stdout' } | { readonly kind: 'file'; readonly path: string };

export interface LoadCommandSettings {
  readonly url: string;
  /** Never written to the report. */
  readonly token?: string;
  readonly dir: string;
  readonly files: readonly string[];
  readonly requests: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly expectedLabels?: ReadonlyMap<string, string>;
  readonly json?: JsonTarget;
}

const processIo: LoadCommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode(code) {
    process.exitCode = code;
  },
};

function parseCount(value: string, option: string): number {
  const trimmed = value.trim();
  const parsed = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidInputError(`${option} must be a whole number of at least 1, got '${value}'`);
  }
  return parsed;
}

function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(`--url is not a valid URL: '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidInputError(`--url must be http:// or https://, got '${value}'`);
  return url.toString();
}

/** The .jpg/.jpeg/.png files directly inside `dir`, sorted by name (numbers in natural order). */
export async function listImageFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new InvalidInputError(`--dir is not a folder: ${dir}`);
    names = await readdir(dir);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(`--dir folder not found or unreadable: ${dir}`, { cause: error });
  }
  const images = names.filter((name) => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase()));
  images.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const files: string[] = [];
  for (const name of images) {
    const path = join(dir, name);
    if ((await stat(path)).isFile()) files.push(path);
  }
  if (files.length === 0) throw new InvalidInputError(`--dir ${dir} contains no ${IMAGE_EXTENSIONS.join('/')} images`);
  return files;
}

function parseJsonTarget(value: string | boolean | undefined): JsonTarget | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true || value === '-') return { kind: 'stdout' };
  return { kind: 'file', path: resolve(value) };
}

/** Validates the raw options and gathers the files and expected labels; throws InvalidInputError. */
export async function resolveLoadSettings(raw: RawLoadOptions, defaultUrl = DEFAULT_LOAD_URL, defaultToken?: string): Promise<LoadCommandSettings> {
  if (raw.dir === undefined || raw.dir.trim() === '') throw new InvalidInputError('--dir <folder> is required: the folder of images to send');
  const url = parseUrl(raw.url ?? defaultUrl);
  const concurrency = parseCount(raw.concurrency, '--concurrency');
  const timeoutMs = parseCount(raw.timeout, '--timeout');
  const requests = raw.requests === undefined ? undefined : parseCount(raw.requests, '--requests');
  const files = await listImageFiles(raw.dir);
  const expectedLabels = raw.expected === undefined ? undefined : await readExpectedLabels(raw.expected);
  const token = raw.token !== undefined && raw.token !== '' ? raw.token : defaultToken;
  return {
    url,
    ...(token === undefined ? {} : { token }),
    dir: raw.dir,
    files,
    requests: requests ?? files.length,
    concurrency,
    timeoutMs,
    expectedLabels,
    json: parseJsonTarget(raw.json),
  };
}

function warnAboutUnlabelledFiles(settings: LoadCommandSettings, io: LoadCommandIo): void {
  if (settings.expectedLabels === undefined) return;
  const labels = settings.expectedLabels;
  const missing = settings.files.filter((file) => !labels.has(fileStem(file)));
  if (missing.length === 0) return;
  const sample = missing.slice(0, 5).map((file) => fileStem(file)).join(', ');
  io.stderr.write(`warning: ${missing.length} image(s) have no row in the expected-results CSV (e.g. ${sample})\n`);
}

/** Runs the load, prints the results, writes the JSON report if asked; returns the exit code. */
export async function executeLoad(settings: LoadCommandSettings, io: LoadCommandIo): Promise<number> {
  warnAboutUnlabelledFiles(settings, io);
  io.stderr.write(
    `Sending ${settings.requests} requests to ${settings.url} from ${settings.files.length} images, concurrency ${settings.concurrency}\n`,
  );
  const progress = createProgressBar({ stream: io.stderr });
  const run = await runLoad({ ...settings, onProgress: (done, total) => progress.update(done, total) });
  progress.finish();
  const stats = computeLoadStatistics(run.outcomes, { durationMs: run.durationMs, expectedLabels: settings.expectedLabels });
  const humanOut = settings.json?.kind === 'stdout' ? io.stderr : io.stdout;
  humanOut.write(`${[formatCourseStatistics(stats), ...formatDiagnostics(stats)].join('\n')}\n`);
  if (settings.json !== undefined) {
    const { token: _token, ...described } = settings;
    const report = toJsonReport(stats, { ...described, files: settings.files.length, startedAt: run.startedAt });
    const text = `${JSON.stringify(report, null, 2)}\n`;
    if (settings.json.kind === 'stdout') io.stdout.write(text);
    else await writeFile(settings.json.path, text);
  }
  return isFullySuccessful(stats) ? EXIT_OK : EXIT_FAILURES;
}

const HELP_AFTER = `
Sends every image in --dir as a multipart upload (field "inputFile") to the web tier, like the
course's workload generator, and prints its statistics block plus latency percentiles (nearest rank,
over successful requests) and throughput. A request succeeds when the answer is HTTP 200 with the body
"<file name without extension>:<label>". With --expected, each label is checked against the CSV
(columns Image,Results). Connection errors are retried up to 3 times and reported apart.

Examples:
  scaleface load --dir examples/new
  scaleface load --dir <folder of images> --expected <labels.csv> --requests 1000 --concurrency 100 --json report.json

Exit codes: 0 every request succeeded (and every answer was correct), 1 otherwise, 2 bad options.`;

export interface LoadCommandOptions {
  /** The URL without --url (the CLI: SCALEFACE_URL, else the configured port); default DEFAULT_LOAD_URL. */
  readonly defaultUrl?: () => string;
  /** The token without --token (the CLI: the service's own, SCALEFACE_AUTH_TOKEN). */
  readonly defaultToken?: () => string | undefined;
  /** Run once before the load; throws (with a message naming the URL) when nothing answers there. */
  readonly preflight?: (url: string) => Promise<void>;
}

/** Adds `load` to the program. `io` is for tests; the default writes to the process's streams. */
export function registerLoadCommand(program: Command, io: LoadCommandIo = processIo, options: LoadCommandOptions = {}): Command {
  const command: Command = program
    .command('load')
    .description('send a folder of face images to the service and report the course statistics')
    .option('-u, --url <url>', `address of the web tier (default: SCALEFACE_URL, else ${DEFAULT_LOAD_URL} with the configured port)`)
    .option('-t, --token <token>', 'bearer token, when the service requires one for uploads (default: SCALEFACE_AUTH_TOKEN)')
    .option('--dir <folder>', 'folder of .jpg/.jpeg/.png images to send (required)')
    .option('--requests <n>', 'number of requests, cycling through the images (default: one per image)')
    .option('--concurrency <n>', 'requests in flight at once', String(DEFAULT_LOAD_CONCURRENCY))
    .option('--expected <csv>', 'CSV with the expected label of each image (columns Image,Results)')
    .option('--timeout <ms>', 'timeout of one request in milliseconds', String(DEFAULT_LOAD_TIMEOUT_MS))
    .option('--json [file]', 'write a JSON report to <file>, or to stdout when no file is given')
    .addHelpText('after', HELP_AFTER);
  command.action(async (raw: RawLoadOptions) => {
    let settings: LoadCommandSettings;
    try {
      settings = await resolveLoadSettings(raw, options.defaultUrl?.() ?? DEFAULT_LOAD_URL, options.defaultToken?.());
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      command.error(`error: ${error.message}`, { exitCode: EXIT_BAD_OPTIONS, code: 'scaleface.load.invalidOption' });
    }
    try {
      await options.preflight?.(settings.url);
    } catch (error) {
      io.stderr.write(`scaleface: ${(error as Error).message}\n`);
      io.setExitCode(EXIT_FAILURES);
      return;
    }
    io.setExitCode(await executeLoad(settings, io));
  });
  return command;
}
