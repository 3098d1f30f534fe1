/**
 * Every face route exists twice: under `/v1` for the default collection (the paths clients and the page always used)
 * and under `/v1/collections/{collection}`. A route plugin registers its routes once per prefix; its collection guard
 * (auth.ts) resolves `request.collection` from the path.
 */
import { Type, type TObject, type TProperties } from 'typebox';

export interface CollectionPrefix {
  /** `/v1` or `/v1/collections/:collection`. */
  readonly base: string;
  /** Whether the path names its collection. */
  readonly named: boolean;
}

export const DEFAULT_PREFIX: CollectionPrefix = { base: '/v1', named: false };
export const NAMED_PREFIX: CollectionPrefix = { base: '/v1/collections/:collection', named: true };
export const COLLECTION_PREFIXES: readonly CollectionPrefix[] = [DEFAULT_PREFIX, NAMED_PREFIX];

/** The path parameter's bounds; its rule is the domain's (validateCollectionName), applied by the guard. */
export const collectionParam = Type.String({ minLength: 1, maxLength: 64, description: 'The collection: 1..64 of a-z, 0-9, "-", "_"' });

/**
 * The route's params schema with the collection parameter when the path names it. Typed as the route's own params:
 * handlers read the collection from `request.collection`, never from the params.
 */
export function paramsWithCollection<P extends TProperties>(prefix: CollectionPrefix, properties: P): TObject<P> {
  return (prefix.named ? Type.Object({ collection: collectionParam, ...properties }) : Type.Object(properties)) as TObject<P>;
}

/** The params schema of a route with no parameter of its own: only the collection, when the path names it. */
export function collectionOnlyParams(prefix: CollectionPrefix): { params?: TObject } {
  return prefix.named ? { params: Type.Object({ collection: collectionParam }) } : {};
}

/** The summary; the named form says so (the old paths keep theirs). */
export function summaryIn(prefix: CollectionPrefix, summary: string): string {
  return prefix.named ? `${summary}, in the collection the path names` : summary;
}
