// OpenAPI 3.0 document types, and the conversion of the published JSON Schemas (2020-12) to its Schema
// Object dialect. The document itself: api-document.ts.

/** A Schema Object (OpenAPI 3.0 dialect: `nullable`, no type arrays, no `const`). */
export type JsonSchema = { [keyword: string]: unknown };

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiMedia {
  schema: JsonSchema;
}

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, { description?: string; required?: boolean; schema: JsonSchema }>;
  content?: Record<string, OpenApiMedia>;
}

export interface OpenApiOperation {
  summary: string;
  description?: string;
  tags?: string[];
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; description?: string; content: Record<string, OpenApiMedia> };
  responses: Record<string, OpenApiResponse>;
  security?: Array<Record<string, string[]>>;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type OpenApiPathItem = { servers?: OpenApiServer[]; summary?: string; description?: string } & { [M in HttpMethod]?: OpenApiOperation };

export interface OpenApiServer {
  url: string;
  description?: string;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers: OpenApiServer[];
  security: Array<Record<string, string[]>>;
  tags?: Array<{ name: string; description?: string }>;
  components: { securitySchemes: Record<string, JsonSchema>; schemas: Record<string, JsonSchema> };
  paths: Record<string, OpenApiPathItem>;
}

const isNullOnly = (s: unknown): boolean => typeof s === 'object' && s !== null && Object.keys(s).length === 1 && (s as JsonSchema).type === 'null';

/**
 * A JSON Schema 2020-12 (the subset schemas/fnol.schema.json uses: type arrays with "null", `const`,
 * `anyOf` with a `{type: "null"}` branch, `$schema`/`$id`) as an OpenAPI 3.0 Schema Object, so the API
 * document reuses the published FNOL schema instead of a hand-kept copy. Throws on a construct it
 * cannot express, rather than describing something else.
 */
export function toOpenApi30(s: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  let nullable = false;
  for (const [k, v] of Object.entries(s)) {
    if (k === '$schema' || k === '$id') continue;
    if (k === 'const') out.enum = [v];
    else if (k === 'type' && Array.isArray(v)) {
      const types = v.filter((t) => t !== 'null');
      if (types.length !== 1) throw new Error(`toOpenApi30: type ${JSON.stringify(v)} has no OpenAPI 3.0 form`);
      out.type = types[0];
      nullable ||= types.length < v.length;
    } else if (k === 'type' && v === 'null') throw new Error('toOpenApi30: a lone {type: "null"} has no OpenAPI 3.0 form');
    else if (k === 'anyOf' || k === 'oneOf') {
      const branches = v as JsonSchema[];
      const rest = branches.filter((b) => !isNullOnly(b));
      nullable ||= rest.length < branches.length;
      if (rest.length === 1 && branches.length === 2) Object.assign(out, toOpenApi30(rest[0]!));
      else out[k] = rest.map(toOpenApi30);
    } else if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, JsonSchema>).map(([p, ps]) => [p, toOpenApi30(ps)]));
    else if (k === 'items') out.items = toOpenApi30(v as JsonSchema);
    else out[k] = v;
  }
  if (nullable) {
    if (out.type === undefined) throw new Error('toOpenApi30: nullable needs a type in OpenAPI 3.0');
    out.nullable = true;
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
  }
  return out;
}
