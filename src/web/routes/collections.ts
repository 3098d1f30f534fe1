import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { KEY_SCOPES } from '../../domain/collections.js';
import { errors, nullable, type TypedApp } from '../schemas.js';
import { collectionParam, NAMED_PREFIX } from './collection-prefixes.js';

const collectionSchema = Type.Object({
  name: Type.String(),
  createdAt: nullable(Type.Number({ description: 'Epoch ms; null for the default collection, which always exists' })),
});

const scopeList = Type.Array(Type.String({ enum: [...KEY_SCOPES] }), {
  description: 'recognize: recognitions and jobs; enroll: subjects, enrollment, thumbnails; admin: all of them, deleting subjects, and the collection\'s keys',
});

const keySchema = Type.Object({
  id: Type.String({ description: 'Names the key in listings and revocations (not a credential)' }),
  collection: Type.String(),
  scopes: scopeList,
  name: Type.Optional(Type.String()),
  createdAt: Type.Number(),
});

const createdKeySchema = Type.Object({
  ...keySchema.properties,
  key: Type.String({ description: 'The credential: `Authorization: Bearer <key>` or `x-api-key: <key>`. Shown only in this answer; the service keeps its SHA-256' }),
});

const newKeyBody = Type.Object({
  scopes: Type.Array(Type.String({ maxLength: 20 }), { minItems: 1, maxItems: 3, description: `Of ${KEY_SCOPES.join(', ')} ("recognise" is recognize)` }),
  name: Type.Optional(Type.String({ maxLength: 100, description: 'What the key is for' })),
});

const keyParams = Type.Object({ collection: collectionParam, id: Type.String({ maxLength: 64 }) });
const collectionParams = Type.Object({ collection: collectionParam });

function keyRoutes(app: TypedApp): void {
  const base = `${NAMED_PREFIX.base}/keys`;
  app.post(
    base,
    {
      onRequest: app.authGuards.collection('admin'),
      schema: {
        summary: "Create an API key of the collection; the answer is the only time the key is shown",
        tags: ['collections'],
        params: collectionParams,
        body: newKeyBody,
        response: { 201: createdKeySchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const created = await app.collectionAccess.createKey(request.collection, request.body);
      return reply.status(201).send({ ...created, scopes: [...created.scopes] });
    },
  );
  app.get(
    base,
    {
      onRequest: app.authGuards.collection('admin'),
      schema: { summary: "The collection's keys (never the keys themselves)", tags: ['collections'], params: collectionParams, response: { 200: Type.Object({ keys: Type.Array(keySchema) }), ...errors(401, 403, 404) } },
    },
    async (request) => ({ keys: (await app.collectionAccess.listKeys(request.collection)).map((key) => ({ ...key, scopes: [...key.scopes] })) }),
  );
  app.delete(
    `${base}/:id`,
    {
      onRequest: app.authGuards.collection('admin'),
      schema: {
        summary: 'Revoke a key: within web.accessCacheMs no web process takes it any more',
        tags: ['collections'],
        params: keyParams,
        response: { 200: Type.Object({ id: Type.String(), collection: Type.String(), revoked: Type.Boolean() }), ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const revoked = await app.collectionAccess.revokeKey(request.collection, request.params.id);
      return { id: revoked.id, collection: revoked.collection, revoked: true };
    },
  );
}

/**
 * The deployment's collections (its admin token only: web.authToken) and each one's API keys (the admin token, or a
 * key of the collection with the admin scope).
 */
export const collectionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/collections',
    {
      onRequest: app.authGuards.admin,
      schema: {
        summary: 'Create a collection: a gallery of its own, with its own API keys (the deployment\'s admin)',
        tags: ['collections'],
        body: Type.Object({ name: Type.String({ maxLength: 200, description: '1..64 of a-z, 0-9, "-", "_", starting with a letter or digit' }) }),
        response: { 201: collectionSchema, ...errors(400, 401, 409) },
      },
    },
    async (request, reply) => reply.status(201).send(await app.collectionAccess.createCollection(request.body.name)),
  );
  app.get(
    '/v1/collections',
    {
      onRequest: app.authGuards.admin,
      schema: { summary: 'Every collection, the default one first (the deployment\'s admin)', tags: ['collections'], response: { 200: Type.Object({ collections: Type.Array(collectionSchema) }), ...errors(401) } },
    },
    async () => ({ collections: await app.collectionAccess.listCollections() }),
  );
  keyRoutes(app);
};
