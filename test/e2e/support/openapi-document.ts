/** Reading a served OpenAPI document in tests: its operations, and the top-level fields of a success schema. */

export interface DocumentedOperation {
  route: string;
  op: any;
}

export function operationsOf(doc: any): DocumentedOperation[] {
  return Object.entries<any>(doc.paths).flatMap(([path, item]) => Object.entries<any>(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));
}

/** The schema behind a $ref (#/components/schemas/X), or the schema itself. */
function resolve(doc: any, schema: any): any {
  if (!schema?.$ref) return schema;
  const name = String(schema.$ref).replace('#/components/schemas/', '');
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`${schema.$ref} is not in components.schemas`);
  return resolve(doc, target);
}

/** The top-level property names of a JSON schema (following $ref and allOf), sorted. */
export function topLevelFields(doc: any, schema: any): string[] {
  const resolved = resolve(doc, schema);
  const own = Object.keys(resolved?.properties ?? {});
  const inherited = (resolved?.allOf ?? []).flatMap((part: any) => topLevelFields(doc, part));
  return [...new Set([...own, ...inherited])].sort();
}

/**
 * What is wrong with the success answers of one operation ([] when nothing): it needs a 2xx; a 204 has no body;
 * every other 2xx names its content types, each with a schema, and a JSON one has properties.
 */
export function successProblems(doc: any, { route, op }: DocumentedOperation): string[] {
  const success = Object.entries<any>(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
  if (success.length === 0) return [`${route}: no 2xx response`];
  return success.flatMap(([status, response]) => {
    const content = Object.entries<any>(response.content ?? {});
    if (status === '204') return content.length === 0 ? [] : [`${route} 204: has a body`];
    if (content.length === 0) return [`${route} ${status}: no content type`];
    return content.flatMap(([type, media]) => {
      if (!media.schema) return [`${route} ${status} ${type}: no schema`];
      if (type === 'application/json' && topLevelFields(doc, media.schema).length === 0) return [`${route} ${status} ${type}: a schema with no properties`];
      return [];
    });
  });
}

/** The top-level fields the document promises for `route`'s JSON answer with `status`. */
export function documentedFields(doc: any, route: string, status: string): string[] {
  const found = operationsOf(doc).find((operation) => operation.route === route);
  if (!found) throw new Error(`${route} is not in the document`);
  const schema = found.op.responses?.[status]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${route} has no JSON ${status} answer in the document`);
  return topLevelFields(doc, schema);
}
