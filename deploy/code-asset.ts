/**
 * The project as the instances receive it: an allow-list of what the boot script needs (`npm ci` reads the
 * package files; the services run dist/src; the web page is served from src/web/ui; the objects
 * model reads its ImageNet classifier from assets/, found by src/domain/shipped-files.ts), copied
 * to a staging folder so that nothing else lying in the project folder (data, .env, node_modules, test
 * output) is ever uploaded.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';

/** Files and folders (relative to the project folder) shipped to the instances. */
export const CODE_FILES = ['package.json', 'package-lock.json', 'dist/src', 'src/web/ui', 'assets'] as const;
/** Without these the boot script fails: refuse to synthesize instead. */
const REQUIRED = ['package.json', 'package-lock.json', 'dist/src/cli/main.js', 'src/web/ui/index.html'];

/** `alsoRequired`: files the deployment's settings need besides those every boot needs (a model's weights). */
export function codeAsset(scope: Construct, id: string, projectDir: string, alsoRequired: readonly string[] = []): Asset {
  const missing = [...REQUIRED, ...alsoRequired].filter((file) => !existsSync(join(projectDir, file)));
  if (missing.length > 0) {
    throw new Error(`the project in ${projectDir} lacks ${missing.join(', ')}: run \`npm ci && npm run build\` first`);
  }
  const staging = mkdtempSync(join(tmpdir(), 'scaleface-code-'));
  try {
    for (const file of CODE_FILES) {
      if (existsSync(join(projectDir, file))) cpSync(join(projectDir, file), join(staging, file), { recursive: true });
    }
    // The asset is fingerprinted and copied into the cloud assembly here, so the staging folder can go.
    return new Asset(scope, id, { path: staging });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
