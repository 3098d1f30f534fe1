// Talking to the web tier's JSON API, with the access token the user pasted (kept for this tab only).

const TOKEN_KEY = 'scaleface.token';
const COLLECTION_KEY = 'scaleface.collection';
export const DEFAULT_COLLECTION = 'default';
/** The face routes, which exist for the default collection under /v1 and for others under /v1/collections/{name}. */
const FACE_ROUTES = /^\/v1\/(recognitions|jobs|subjects|enrollments|detections|verifications)(\/|$|\?)/;

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** The collection the page works in (kept for this tab only). */
export function getCollection() {
  return sessionStorage.getItem(COLLECTION_KEY) ?? DEFAULT_COLLECTION;
}

export function setCollection(name) {
  if (name && name !== DEFAULT_COLLECTION) sessionStorage.setItem(COLLECTION_KEY, name);
  else sessionStorage.removeItem(COLLECTION_KEY);
}

/** A face route's path in the chosen collection; every other path as it is. */
export function inCollection(path) {
  const collection = getCollection();
  if (collection === DEFAULT_COLLECTION || !FACE_ROUTES.test(path)) return path;
  return `/v1/collections/${encodeURIComponent(collection)}${path.slice('/v1'.length)}`;
}

/** An error answered by the API: `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

async function errorOf(response) {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || 'request failed';
  let details;
  try {
    const body = await response.json();
    if (body?.error) ({ code, message, details } = body.error);
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401) message += ' — paste the access token or the collection\'s key at the top of the page.';
  return new ApiError(response.status, code, message, details);
}

async function send(path, options) {
  const headers = new Headers(options.headers ?? {});
  const token = getToken();
  if (token) headers.set('authorization', `Bearer ${token}`);
  let response;
  try {
    response = await fetch(inCollection(path), { ...options, headers });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', `the service did not answer (${error.message})`);
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

/** fetch() with the token; resolves with the parsed JSON, rejects with an ApiError. */
export async function api(path, options = {}) {
  const response = await send(path, options);
  return response.status === 204 ? undefined : response.json();
}

/** The same for a picture: an object URL of the answer (an <img> cannot send the token itself). */
export async function apiImageUrl(path) {
  return URL.createObjectURL(await (await send(path, {})).blob());
}

/** What the service serves: `/v1/info` (model, subjects enrolled, the face rule); undefined when unreadable. */
export async function serviceInfo() {
  try {
    return await api('/v1/info');
  } catch {
    return undefined;
  }
}

/** Makes an element with attributes and children (strings become text, never HTML). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Runs `work` on every item with at most `limit` at once. */
export async function forEachLimited(items, limit, work) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
