#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, modelFromSpec, type ConfigInput } from '../config/index.js';
import { EXIT_QUEUE_LOST, ScalefaceError } from '../domain/errors.js';
import { instanceName } from '../domain/instance-names.js';
import { nativeModuleMismatch } from '../domain/native-modules.js';
import { EXIT_CANNOT_START } from '../ports/instance-pool.js';
import { registerLoadCommand } from '../load/command.js';
import { registerAwsCommand } from './aws.js';
import { enrollFolder } from './enroll.js';
import { registerGalleryCommand } from './gallery.js';
import { registerSimulateCommand } from '../simulation/command.js';
import { MODEL_OPTION_HELP, registerModelCommand } from './model.js';
import { authHeaders, callService, serviceToken, serviceUrl } from './service-client.js';
import { formatStatus } from './status.js';
import type { StatusSnapshot } from '../domain/status-snapshot.js';

/** dist/src/cli/main.js → the package's own package.json, in a clone and in an installed package alike. */
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const URL_HELP = 'web tier URL (default: SCALEFACE_URL, else http://127.0.0.1:<configured port>/)';
const TOKEN_HELP = 'bearer token, when the service requires one (default: SCALEFACE_AUTH_TOKEN)';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
}

function fail(error: unknown): never {
  // Node's own message for a native module of another ABI is buried in whatever wrapped it; every start fails
  // the same way until it is rebuilt, so it exits as a worker that cannot start does (the pool backs off).
  const mismatch = nativeModuleMismatch(error);
  if (mismatch !== undefined) {
    console.error(`scaleface: ${mismatch.code}: ${mismatch.message}`);
    process.exit(EXIT_CANNOT_START);
  }
  const message = error instanceof ScalefaceError ? `${error.code}: ${error.message}` : (error as Error).message;
  console.error(`scaleface: ${message}`);
  const code = error instanceof ScalefaceError ? error.code : undefined;
  process.exit(code === 'CONFIG_INVALID' ? 2 : code === 'QUEUE_LOST' ? EXIT_QUEUE_LOST : 1);
}

const program = new Command('scaleface')
  .description('Elastic image recognition: upload photos over HTTP, learn who (face model) or what (objects, your own model) is in them; workers scale from 0 with the load.')
  .version(PACKAGE_VERSION, '-V, --version', 'print the version')
  .showHelpAfterError()
  // Usage errors (unknown option, missing argument, bad value) exit 2; help and version exit 0.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program
  .command('up')
  .description('start the web tier, the autoscaler and app-tier workers on the configured backends (embedded by default)')
  .option('-p, --port <port>', 'HTTP port (default 8000)', port)
  .option('-d, --data-dir <dir>', 'folder of the embedded queue and buckets (bucket <name> lives in <dir>/buckets/<name>)')
  .option('--max-instances <n>', 'most app-tier instances (default: core count on one machine, 20 on EC2)', positiveInt)
  .option('--host <host>', 'address to listen on (default 127.0.0.1 without an auth token)')
  .option('-m, --model <model>', MODEL_OPTION_HELP)
  .option('--accept-empty-queue', 'start even when the request queue is gone while the buckets hold queued work (that work is forgotten)')
  .action(async (opts: { port?: number; dataDir?: string; maxInstances?: number; host?: string; model?: string; acceptEmptyQueue?: boolean }) => {
    const overrides: ConfigInput = {
      dataDir: opts.dataDir,
      ...(opts.acceptEmptyQueue === true ? { queue: { acceptEmptyQueue: true } } : {}),
      web: { port: opts.port, host: opts.host },
      autoscaler: { maxInstances: opts.maxInstances },
      ...(opts.model === undefined ? {} : { model: modelFromSpec(opts.model) }),
    };
    const { startSystem } = await import('../system/up.js');
    const system = await startSystem(loadConfig(overrides)).catch(fail);
    console.error(`scaleface: serving on ${system.url}  (POST / with field inputFile; GET /v1/status)`);
    const { stopOnSignals } = await import('../system/lifecycle.js');
    stopOnSignals(system.close, { log: system.app.log, stoppingMessage: 'closing: no new connections; requests in flight may finish' });
  });

program
  .command('worker')
  .description('run one app-tier worker: consume the request queue until SIGTERM (started by the autoscaler)')
  .option('-n, --name <name>', 'instance name (default: one made from the process id)')
  .action(async (opts: { name?: string }) => {
    const { runWorker } = await import('../system/worker-process.js');
    await runWorker(loadConfig(), opts.name ?? instanceName(process.pid)).catch((error: unknown) => {
      // A model or gallery that cannot be loaded fails the same way on the next try: say so to the pool.
      const code = error instanceof ScalefaceError ? error.code : undefined;
      if (code === 'MODEL_UNAVAILABLE' || code === 'MODEL_MISMATCH') {
        console.error(`scaleface: ${code}: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(EXIT_CANNOT_START);
      }
      fail(error);
    });
    process.exit(0);
  });

program
  .command('enroll')
  .description('enroll every sub-folder of <dir> as a subject (folder name) with the photos inside, through the web tier\'s bulk enrollment (POST /v1/enrollments)')
  .argument('<dir>', 'folder with one sub-folder per subject')
  .option('-u, --url <url>', URL_HELP)
  .option('-t, --token <token>', TOKEN_HELP)
  .action(async (dir: string, opts: { url?: string; token?: string }) => {
    const config = loadConfig();
    const summary = await enrollFolder(dir, {
      url: serviceUrl(config, opts.url),
      token: serviceToken(config, opts.token),
      onSubject: (name, ok, detail) => console.log(`${ok ? 'enrolled' : 'FAILED  '} ${name}: ${detail}`),
      onProgress: ({ processed, photos }) => console.error(`enrolling: ${processed}/${photos} photos`),
    }).catch(fail);
    if (summary.stopped !== undefined) {
      console.error(`scaleface: stopped after this refusal, which every other subject would get too: ${summary.stopped}`);
    }
    process.exit(summary.failed === 0 ? 0 : 1);
  });

program
  .command('status')
  .description("print a summary of the service: backlog, instances and the autoscaler's last decisions")
  .option('-u, --url <url>', URL_HELP)
  .option('-t, --token <token>', TOKEN_HELP)
  .option('--json', 'print the whole status document (GET /v1/status) as JSON instead')
  .action(async (opts: { url?: string; token?: string; json?: boolean }) => {
    const config = loadConfig();
    const url = serviceUrl(config, opts.url);
    const response = await callService(url, '/v1/status', { headers: authHeaders(serviceToken(config, opts.token)) }).catch(fail);
    const body = await response.text();
    if (!response.ok) fail(new Error(`${url} answered ${response.status} to GET /v1/status: ${body}`));
    const status = JSON.parse(body) as StatusSnapshot;
    console.log(opts.json === true ? JSON.stringify(status, null, 2) : formatStatus(status, url).join('\n'));
    process.exit(0);
  });

registerLoadCommand(program, undefined, {
  defaultUrl: () => serviceUrl(loadConfig()),
  defaultToken: () => serviceToken(loadConfig()),
  preflight: async (url) => {
    await callService(url, '/healthz');
  },
});
registerGalleryCommand(program, fail);
registerModelCommand(program, fail);
registerAwsCommand(program, fail);
registerSimulateCommand(program, fail);

// What an action throws before its own handling (a configuration refused by loadConfig) ends as one line too.
await program.parseAsync(process.argv).catch(fail);
