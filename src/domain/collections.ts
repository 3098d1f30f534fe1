/**
 * Collections: a deployment's separate galleries, each with its own API keys. The rules every entry point shares:
 * what a collection may be called, where its gallery lives in the gallery bucket, and the scopes a key may hold.
 */
import { InvalidInputError } from './errors.js';

/** The collection of the routes that name none (`POST /`, `/v1/recognitions`, ...); it always exists. */
export const DEFAULT_COLLECTION = 'default';

const COLLECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Where the gallery of every collection but the default lives; the default one stays at the bucket's root. */
export const COLLECTION_GALLERIES_PREFIX = 'collections/';

/** The name as given when valid; InvalidInputError saying the rule otherwise. */
export function validateCollectionName(name: string): string {
  if (!COLLECTION_NAME.test(name)) {
    throw new InvalidInputError(
      `collection name ${JSON.stringify(name.slice(0, 80))} is not valid: 1..64 characters of a-z, 0-9, "-" and "_", starting with a letter or digit`,
    );
  }
  return name;
}

/** The key prefix of a collection's gallery in the gallery bucket: '' for the default collection. */
export function collectionGalleryPrefix(collection: string): string {
  return collection === DEFAULT_COLLECTION ? '' : `${COLLECTION_GALLERIES_PREFIX}${validateCollectionName(collection)}/`;
}

/** What an API key may do in its collection; `admin` grants the other two as well. */
export const KEY_SCOPES = ['recognize', 'enroll', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/** Spellings accepted for a scope besides its own name. */
const SCOPE_ALIASES: Readonly<Record<string, KeyScope>> = { recognise: 'recognize' };

/** The scopes as given (aliases resolved, duplicates dropped, in KEY_SCOPES order); InvalidInputError naming an unknown one. */
export function parseScopes(scopes: readonly string[]): KeyScope[] {
  if (scopes.length === 0) throw new InvalidInputError(`a key needs at least one scope of ${KEY_SCOPES.join(', ')}`);
  const chosen = new Set<KeyScope>();
  for (const given of scopes) {
    const scope = SCOPE_ALIASES[given] ?? given;
    if (!(KEY_SCOPES as readonly string[]).includes(scope)) {
      throw new InvalidInputError(`unknown scope ${JSON.stringify(given.slice(0, 40))}: a key's scopes are ${KEY_SCOPES.join(', ')}`);
    }
    chosen.add(scope as KeyScope);
  }
  return KEY_SCOPES.filter((scope) => chosen.has(scope));
}

/** Whether a key holding `held` may do what needs `needed`. */
export function scopeGrants(held: readonly KeyScope[], needed: KeyScope): boolean {
  return held.includes('admin') || held.includes(needed);
}
