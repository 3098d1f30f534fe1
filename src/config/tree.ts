/** A configuration as plain JSON objects, before the schema reads it: what every source gives and they merge into. */
export type Tree = Record<string, unknown>;

export function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge of plain objects; arrays and scalars from `over` replace those of `base`. */
export function mergeConfig(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isTree(current) && isTree(value) ? mergeConfig(current, value) : value;
  }
  return out;
}
