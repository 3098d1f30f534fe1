import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { NotFoundError } from '../../domain/errors.js';
import { findShippedFolder } from '../../domain/shipped-files.js';
import { errors, stringEnum } from '../schemas.js';

const require = createRequire(import.meta.url);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The page's own files and scripts from node_modules only; inline styles are for uPlot's positioning. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'";

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** The page lives in src/web/ui (not compiled): found from here whether this runs from src/ or dist/src/. */
export function findUiDir(): string {
  const found = findShippedFolder(join('src', 'web', 'ui'), 'index.html');
  if (found === undefined) throw new Error('the web page (src/web/ui/index.html) was not found');
  return found;
}

function loadAssets(uiDir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(uiDir)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) assets.set(name, { body: readFileSync(join(uiDir, name)), type });
  }
  const uplot = dirname(require.resolve('uplot/package.json'));
  assets.set('uplot.js', { body: readFileSync(join(uplot, 'dist', 'uPlot.iife.min.js')), type: CONTENT_TYPES['.js']! });
  assets.set('uplot.css', { body: readFileSync(join(uplot, 'dist', 'uPlot.min.css')), type: CONTENT_TYPES['.css']! });
  return assets;
}

function send(reply: FastifyReply, asset: Asset | undefined, name: string): FastifyReply {
  if (asset === undefined) throw new NotFoundError(`no file ${name}`);
  return reply
    .type(asset.type)
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .send(asset.body);
}

const pageFileParams = Type.Object({ file: Type.String({ pattern: '^[a-z0-9-]+\\.(js|css|html|svg)$' }) });
const libraryFileParams = Type.Object({ file: stringEnum(['uplot.js', 'uplot.css']) });

export interface UiOptions {
  /** Where the page's files are (default: found from this module, see findUiDir). */
  readonly uiDir?: string;
}

/** `GET /` (the page), `GET /ui/{file}` (its scripts and styles), `GET /assets/uplot.js|css` (the chart library). */
export const uiRoutes: FastifyPluginAsyncTypebox<UiOptions> = async (app, options) => {
  const assets = loadAssets(options.uiDir ?? findUiDir());
  const page = { 200: Type.String(), ...errors(404) };
  app.get('/', { schema: { hide: true, summary: 'The web page', response: page } }, async (_request, reply) =>
    send(reply, assets.get('index.html'), 'index.html'),
  );
  app.get('/ui/:file', { schema: { hide: true, params: pageFileParams, response: page } }, async (request, reply) =>
    send(reply, assets.get(request.params.file), request.params.file),
  );
  app.get('/assets/:file', { schema: { hide: true, params: libraryFileParams, response: page } }, async (request, reply) =>
    send(reply, assets.get(request.params.file), request.params.file),
  );
};
