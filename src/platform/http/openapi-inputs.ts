/**
 * What a caller must send, said the way OpenAPI means it. A route's schemas serve validation,
 * where a field with a `default` is listed as required (Ajv fills it in before the check, and the
 * handler's type may rely on it), and a POST without a body is validated as `{}` (server.ts). Read
 * as a contract, both overstate: a generated client would have to send `page=1` and an empty body.
 * So the published document (never the schemas Fastify validates with) says instead:
 *
 * - a query, path or header parameter with a default is not required;
 * - a body property with a default is not required (at any depth);
 * - a request body none of whose properties is required may be left out.
 */
export function callerView<T extends object>(document: T): T {
  // A copy: the document's schemas may be the very objects the routes validate with.
  const copy = JSON.parse(JSON.stringify(document)) as { paths?: Record<string, Record<string, unknown>> };
  for (const item of Object.values(copy.paths ?? {})) {
    for (const operation of Object.values(item)) {
      if (typeof operation !== 'object' || operation === null) continue;
      const { parameters, requestBody } = operation as Operation;
      for (const parameter of parameters ?? []) {
        if (parameter.required && parameter.in !== 'path' && parameter.schema?.default !== undefined) parameter.required = false;
      }
      if (!requestBody) continue;
      const schemas = Object.values(requestBody.content ?? {}).flatMap((media) => (media.schema ? [media.schema] : []));
      for (const schema of schemas) optionalDefaults(schema);
      if (schemas.length > 0 && schemas.every((schema) => schema.type === 'object' && (schema.required ?? []).length === 0)) {
        requestBody.required = false;
      }
    }
  }
  return copy as T;
}

interface Schema {
  type?: unknown;
  default?: unknown;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}

interface Operation {
  parameters?: { in?: string; required?: boolean; schema?: Schema }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
}

function optionalDefaults(schema: Schema): void {
  const properties = schema.properties ?? {};
  if (schema.required) {
    schema.required = schema.required.filter((name) => properties[name]?.default === undefined);
    if (schema.required.length === 0) delete schema.required;
  }
  for (const child of [
    ...Object.values(properties),
    ...(schema.items ? [schema.items] : []),
    ...(schema.anyOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.allOf ?? []),
  ]) {
    optionalDefaults(child);
  }
}
