import type { Schema } from '../../src/admin-api/schemas.js';

// A validator for the subset of JSON Schema the admin API's schemas use (src/admin-api/schemas.ts):
// type (one or a list), properties, required, additionalProperties: false, items, enum. Enough to
// hold real answers to the OpenAPI document without a schema library.

/** Where `value` breaks `schema` (the subset above: type, properties, required, additionalProperties, items, enum), or [] when it fits. */
export function violations(schema: Schema, value: unknown, at = '$'): string[] {
  const types = schema.type === undefined ? undefined : [schema.type].flat();
  if (types && !types.some((t) => typeOk(t, value))) return [`${at}: expected ${types.join(' or ')}, got ${value === null ? 'null' : typeof value}`];
  if (schema.enum && !schema.enum.includes(value as string)) return [`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`];
  const out: string[] = [];
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => out.push(...violations(schema.items as Schema, v, `${at}[${i}]`)));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const k of schema.required ?? []) if (!(k in o)) out.push(`${at}.${k}: missing`);
    for (const [k, v] of Object.entries(o)) {
      const p = schema.properties?.[k];
      if (p) out.push(...violations(p, v, `${at}.${k}`));
      else if (schema.additionalProperties === false) out.push(`${at}.${k}: not in the schema`);
    }
  }
  return out;
}

function typeOk(t: string, v: unknown): boolean {
  if (t === 'null') return v === null;
  if (t === 'integer') return Number.isInteger(v);
  if (t === 'array') return Array.isArray(v);
  if (t === 'object') return v !== null && typeof v === 'object' && !Array.isArray(v);
  return typeof v === t;
}
