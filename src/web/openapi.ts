import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The multipart file field a route reads; documents the request body in the OpenAPI document. */
    multipartField?: string;
    /** True when the field may carry several files. */
    multipartMany?: boolean;
    /** A form of several named parts instead (file or text, with a description), documented as it is. */
    multipartForm?: { readonly required: readonly string[]; readonly parts: Readonly<Record<string, { kind: 'file' | 'files' | 'text'; description: string }>> };
  }
}

const binary = { type: 'string', format: 'binary' } as const;

/** Adds a multipart request body to the document of routes that read files (Fastify does not validate those bodies). */
function documentMultipart(schema: Record<string, unknown>, field: string, many: boolean): Record<string, unknown> {
  const file = many ? { type: 'array', items: binary } : binary;
  return {
    ...schema,
    consumes: ['multipart/form-data'],
    body: { type: 'object', required: [field], properties: { [field]: file } },
  };
}

type MultipartForm = NonNullable<import('fastify').FastifyContextConfig['multipartForm']>;

function documentForm(schema: Record<string, unknown>, form: MultipartForm): Record<string, unknown> {
  const properties = Object.fromEntries(
    Object.entries(form.parts).map(([name, part]) => [name, part.kind === 'file' ? { ...binary, description: part.description } : part.kind === 'files' ? { type: 'array', items: binary, description: part.description } : { type: 'string', description: part.description }]),
  );
  return { ...schema, consumes: ['multipart/form-data'], body: { type: 'object', required: [...form.required], properties } };
}

/** Registers @fastify/swagger; call before any route so that every route is in `app.swagger()`. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Scaleface',
        description: 'Elastic face recognition: upload photos, learn who is in them; app-tier workers scale from 0 with the load.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: "web.authToken (the deployment's admin), or on a collection's routes an API key of the collection" },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: "An API key of the collection the route names (or web.authToken)" },
        },
      },
      tags: [
        { name: 'recognition' },
        { name: 'jobs' },
        { name: 'faces', description: 'Face model only: verification and detection, through the app tier like recognition' },
        { name: 'subjects', description: 'Enrollment: the token, or a key of the collection with the enroll scope (admin to delete)' },
        {
          name: 'collections',
          description: 'Every face route exists for the default collection (/v1/recognitions, /v1/subjects, ...) and under '
            + '/v1/collections/{collection}/... for the others. Unknown collection: 404; missing or invalid key: 401; a key without the scope: 403',
        },
        { name: 'status' },
        { name: 'observability' },
      ],
    },
    transform: ({ schema, url, route }) => {
      const field = route.config?.multipartField;
      const form = route.config?.multipartForm;
      let transformed = schema && field ? documentMultipart(schema as Record<string, unknown>, field, route.config?.multipartMany === true) : schema;
      if (schema && form) transformed = documentForm(schema as Record<string, unknown>, form) as typeof schema;
      return { schema: transformed as typeof schema, url };
    },
  });
}
