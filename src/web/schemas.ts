/** JSON schemas shared by the routes: they validate, shape the answers, and feed the OpenAPI document. */

export const errorSchema = {
  type: 'object',
  description: 'Every error under /v1/',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true, description: 'Structured facts, e.g. per photo of a refused enrollment' },
      },
    },
  },
} as const;

/** The error answers a route may give, by status. */
export function errors(...statuses: number[]): Record<string, typeof errorSchema> {
  return Object.fromEntries(statuses.map((status) => [String(status), errorSchema]));
}

export const faceSchema = {
  type: 'object',
  required: ['box', 'score', 'label', 'distance'],
  properties: {
    box: {
      type: 'object',
      description: "Pixels of the uploaded image (after its EXIF orientation)",
      required: ['x', 'y', 'width', 'height'],
      properties: { x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number' }, height: { type: 'number' } },
    },
    score: { type: 'number', description: 'Detector confidence, 0..1' },
    label: { type: 'string', description: 'Subject name, or Unknown' },
    distance: { type: ['number', 'null'], description: 'Distance to the nearest example of the best subject' },
  },
} as const;

export const recognitionSchema = {
  type: 'object',
  required: ['file', 'label', 'faces', 'inferenceMs', 'worker'],
  properties: {
    file: { type: 'string', description: 'The file name as stored (made safe)' },
    label: { type: 'string', description: "The largest face's label, or NoFace" },
    faces: { type: 'array', items: faceSchema },
    inferenceMs: { type: ['number', 'null'] },
    worker: { type: ['string', 'null'], description: 'The app-tier instance that answered' },
  },
} as const;

export const jobSchema = {
  type: 'object',
  required: ['id', 'status', 'file', 'createdAt'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] },
    file: { type: 'string' },
    createdAt: { type: 'number' },
    finishedAt: { type: 'number' },
    result: recognitionSchema,
    error: errorSchema.properties.error,
  },
} as const;

const nullableDepth = {
  type: 'object',
  properties: { visible: { type: 'number' }, inFlight: { type: 'number' }, delayed: { type: 'number' } },
} as const;

export const statusSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    queue: nullableDepth,
    deadLetterQueue: nullableDepth,
    backlog: { type: 'number' },
    instances: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          id: { type: 'string' },
          state: { type: 'string' },
          ready: { type: 'boolean' },
          busy: { type: 'number' },
          runtime: { type: 'string', description: 'What runs the model: onnx (native) or wasm, with the engine' },
        },
      },
    },
    desired: { type: 'number' },
    maxInstances: { type: 'number' },
    lastDecision: { type: ['object', 'null'], additionalProperties: true },
    launchBackoff: {
      type: ['object', 'null'],
      description: 'Set while launches are held back after instances failed to start: failedStarts, nextLaunchAt, lastFailure',
      additionalProperties: true,
    },
    recentDecisions: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;

/**
 * The name's rules (Unicode letters and digits, NFC) are the domain's (validateSubjectName in
 * src/recognition/gallery-layout.ts), applied by the gallery: the route only bounds the length, so that the
 * API and the gallery accept the same names and refuse the rest with the same message.
 */
export const subjectNameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 256, description: '1..64 letters, digits, spaces or "_-." (Unicode, NFC)' } },
} as const;

export const textSchema = { type: 'string' } as const;
