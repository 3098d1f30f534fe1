/**
 * TypeBox helpers that keep the JSON Schema spelling the OpenAPI document always had (`type: [T, 'null']`,
 * `enum`) instead of TypeBox's `anyOf`/`const`: the routes' schemas (src/web/schemas.ts) and the status
 * document's (status-snapshot.ts) both use them.
 */
import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';

/** `{ ...schema, type: [its type, 'null'] }`, typed as the schema's value or null. */
export function nullable<S extends TSchema & { readonly type: string }>(schema: S): TUnsafe<Static<S> | null> {
  return Type.Unsafe<Static<S> | null>({ ...schema, type: [schema.type, 'null'] });
}

/** A string that is one of `values`. */
export function stringEnum<const V extends readonly string[]>(values: V, options: { description?: string } = {}): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}
