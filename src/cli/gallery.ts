/**
 * `scaleface gallery reindex`: recomputes every descriptor of the configured gallery from its stored photos
 * with the model this installation runs, and records that model. What a gallery enrolled with another model
 * (or before galleries recorded one) needs before workers accept it again.
 *
 * Runs in this process on the configured storage backend: no web tier or worker is needed. Safe while
 * `scaleface up` runs: the descriptors are rewritten first and the manifest last, so workers switch to the
 * new gallery when they see the manifest change.
 */
import type { Command } from 'commander';
import { loadConfig, resourceNames, type Config } from '../config/index.js';
import type { ReindexSummary, SubjectReindex } from '../recognition/enrollment.js';
import { currentModelIdentity, describeModel } from '../recognition/model-identity.js';

export interface GalleryCommandIo {
  /** One line of the report. */
  line(text: string): void;
}

function subjectLine(report: SubjectReindex): string {
  const skipped = report.skipped.length === 0 ? '' : `, ${report.skipped.length} skipped`;
  const head = `reindexed ${report.subject}: ${report.photos} photo(s), ${report.examples} descriptor(s)${skipped}`;
  return [head, ...report.skipped.map((s) => `  skipped ${s.photo}: ${s.reason}`)].join('\n');
}

/** Reindexes the gallery bucket of `config`, reporting each subject and a summary through `io`. */
export async function reindexGallery(config: Config, io: GalleryCommandIo): Promise<ReindexSummary> {
  const bucket = resourceNames(config).galleryBucket;
  const model = currentModelIdentity();
  io.line(`reindexing gallery "${bucket}" with ${describeModel(model)}`);
  // Imported here, not above: the AWS SDK and sharp would slow down every other command's start.
  const { createObjectStore } = await import('../adapters/storage/index.js');
  const { GalleryAdmin } = await import('../recognition/enrollment.js');
  const { lazyFaceEmbedder } = await import('../recognition/embedder.js');
  // The model loads on the first photo only: an empty gallery needs none.
  const { faceRuntimeOf } = await import('../system/backends.js');
  const admin = new GalleryAdmin(await createObjectStore(config), bucket, lazyFaceEmbedder(faceRuntimeOf(config)), undefined, model);
  const summary = await admin.reindex((report) => io.line(subjectLine(report)));
  io.line(
    `${summary.subjects} subject(s), ${summary.photos} photo(s), ${summary.examples} descriptor(s), ` +
      `${summary.skipped.length} photo(s) skipped`,
  );
  return summary;
}

/** Adds `gallery` and its sub-commands to `program`; `fail` reports an error and exits. */
export function registerGalleryCommand(program: Command, fail: (error: unknown) => never): void {
  const gallery = program.command('gallery').description('maintain the gallery of enrolled subjects');
  gallery
    .command('reindex')
    .description(
      'recompute every descriptor from the stored photos with the model this installation runs ' +
        '(needed after a model change; safe while `scaleface up` runs). Exits 1 when photos were skipped',
    )
    .option('-d, --data-dir <dir>', 'folder of the embedded queue and buckets (with the local storage backend)')
    .action(async (opts: { dataDir?: string }) => {
      const run = async () => reindexGallery(loadConfig({ dataDir: opts.dataDir }), { line: (text) => console.log(text) });
      const summary = await run().catch(fail);
      process.exit(summary.skipped.length === 0 ? 0 : 1);
    });
}
