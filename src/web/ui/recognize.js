// Recognize tab: drop or pick photos; each is sent to POST /v1/recognitions and shown with what the model found:
// faces (face model), objects (objects model) or the best labels (a whole-image classifier).
import { api, el, forEachLimited, getCollection, serviceInfo, DEFAULT_COLLECTION } from './api.js';

const PARALLEL_UPLOADS = 4;
/** A box whose top is this close to the photo's top edge carries its tag below it, where the card does not cut it off. */
const TAG_BELOW_UNDER = 0.12;
const SCORE_TITLE = 'how sure the detector is that this is a face or an object, 0 to 1';

/** The face rule (`/v1/info` matchRules), once known: what an `Unknown` face's distance is compared with. */
let matchRules;

function formatDistance(distance) {
  return typeof distance === 'number' ? distance.toFixed(2) : 'n/a';
}

/** Why a face got its name, in words: the distance against the threshold, and for Unknown the nearest subject. */
function faceDetail(face) {
  const score = `score ${face.score.toFixed(2)}`;
  if (typeof face.distance !== 'number') return `nobody enrolled to compare with, ${score}`;
  const threshold = matchRules?.distanceThreshold;
  if (face.label !== 'Unknown') {
    return `distance ${formatDistance(face.distance)}${threshold === undefined ? '' : ` (named: within ${threshold})`}, ${score}`;
  }
  const nearest = face.nearest ? `nearest ${face.nearest}, ` : '';
  if (threshold === undefined) return `${nearest}distance ${formatDistance(face.distance)}, ${score}`;
  const why = face.distance > threshold ? `over the threshold ${threshold}` : `within ${threshold}, but another subject is less than ${matchRules.margin} farther`;
  return `${nearest}distance ${formatDistance(face.distance)} (${why}), ${score}`;
}

/** What one result shows: its faces, else the objects the model located, else its best labels (no box). */
function findingsOf(result) {
  if (result.faces.length > 0 || !result.model || result.model.kind === 'face') {
    return { noun: 'face', items: result.faces.map((face) => ({ ...face, known: face.label !== 'Unknown', detail: faceDetail(face), title: `${face.label} (distance ${formatDistance(face.distance)})` })) };
  }
  if ((result.boxes ?? []).length > 0) {
    // Best first, as the answer is chosen: the top line is the answer's own object.
    const boxes = [...result.boxes].sort((a, b) => b.score - a.score);
    return { noun: 'object', items: boxes.map((found) => ({ ...found, known: true, object: true, detail: `score ${found.score.toFixed(2)}`, title: `${found.label} (score ${found.score.toFixed(2)})` })) };
  }
  return { noun: 'label', items: (result.labels ?? []).slice(0, 5).map((found) => ({ ...found, detail: `score ${found.score.toFixed(2)}` })) };
}

/** Boxes are in the image's pixels; percentages keep them on the face or object at any displayed size. */
function drawBoxes(photo, image, items) {
  const width = image.naturalWidth;
  const height = image.naturalHeight;
  if (!width || !height) return;
  items.filter((item) => item.box).forEach((item, index) => {
    const { x, y, width: w, height: h } = item.box;
    const kind = [item.object ? 'face-box object-box' : 'face-box', item.known && 'known', y / height < TAG_BELOW_UNDER && 'tag-below'];
    const box = el(
      'div',
      { class: kind.filter(Boolean).join(' '), 'data-label': item.label, title: item.title },
      el('span', { class: 'face-tag' }, `${index + 1}. ${item.label}`),
    );
    Object.assign(box.style, {
      left: `${(x / width) * 100}%`,
      top: `${(y / height) * 100}%`,
      width: `${(w / width) * 100}%`,
      height: `${(h / height) * 100}%`,
    });
    photo.append(box);
  });
}

function resultCard(file) {
  const url = URL.createObjectURL(file);
  const image = el('img', { src: url, alt: `Uploaded photo ${file.name}` });
  const photo = el('div', { class: 'photo' }, image);
  // A file the browser cannot show (not an image, or cut short) gets a line instead of a broken-image strip.
  image.addEventListener('error', () => photo.replaceChildren(el('p', { class: 'photo-missing' }, 'This file cannot be shown as an image.')), { once: true });
  const summary = el('p', { class: 'result-label' }, 'Recognizing…');
  const details = el('ol', { class: 'faces' });
  const card = el('li', { class: 'result pending', 'data-file': file.name, 'aria-busy': 'true' }, photo, el('div', { class: 'result-text' }, el('h3', {}, file.name), summary, details));
  return { card, image, photo, summary, details, url };
}

function showResult(view, result) {
  view.card.classList.remove('pending');
  view.card.dataset.label = result.label;
  view.card.removeAttribute('aria-busy');
  const { noun, items } = findingsOf(result);
  const count = items.length === 1 ? `1 ${noun}` : `${items.length} ${noun}s`;
  view.summary.replaceChildren(el('strong', {}, result.label), ` — ${count}`);
  view.details.replaceChildren(...items.map((item) => el('li', { title: SCORE_TITLE }, el('span', { class: 'face-name' }, item.label), ` ${item.detail}`)));
  const meta = [result.worker && `by ${result.worker}`, typeof result.inferenceMs === 'number' && `${Math.round(result.inferenceMs)} ms in the model`];
  view.details.after(el('p', { class: 'hint' }, meta.filter(Boolean).join(', ')));
  const draw = () => drawBoxes(view.photo, view.image, items);
  if (view.image.complete) draw();
  else view.image.addEventListener('load', draw, { once: true });
}

function showError(view, error) {
  view.card.classList.remove('pending');
  view.card.classList.add('failed');
  view.card.dataset.label = 'error';
  view.card.removeAttribute('aria-busy');
  view.summary.setAttribute('role', 'alert');
  view.summary.replaceChildren(el('strong', {}, 'Failed: '), error.message);
}

async function recognizeOne(file, list) {
  const view = resultCard(file);
  list.prepend(view.card);
  const form = new FormData();
  form.append('inputFile', file, file.name);
  try {
    showResult(view, await api('/v1/recognitions', { method: 'POST', body: form }));
  } catch (error) {
    showError(view, error);
  }
}

function acceptFiles(fileList, list) {
  const files = [...fileList].filter((file) => file.type.startsWith('image/') || file.type === '');
  void forEachLimited(files, PARALLEL_UPLOADS, (file) => recognizeOne(file, list));
}

/** "Model: face · 3 subjects enrolled · …": what answers here, and against how many people. */
function describeModel(info) {
  if (!info?.model) return 'Model: unknown (the service did not say; paste the access token if it needs one).';
  const { kind } = info.model;
  if (kind !== 'face') return `Model: ${kind} — names what it finds in each photo, with the detector's or classifier's score.`;
  const rule = info.matchRules ? ` · a face is named when its nearest subject is within distance ${info.matchRules.distanceThreshold}` : '';
  // /v1/info counts the default collection's subjects; another collection's are listed on the Subjects tab.
  if (getCollection() !== DEFAULT_COLLECTION) return `Model: face · collection ${getCollection()} (its subjects: Subjects tab)${rule}`;
  const count = typeof info.subjects === 'number' ? `${info.subjects} subject${info.subjects === 1 ? '' : 's'} enrolled` : 'subjects not counted';
  const none = info.subjects === 0 ? ' — enroll people on the Subjects tab, or every face is Unknown' : '';
  return `Model: face · ${count}${rule}${none}`;
}

export function startRecognize() {
  const zone = document.getElementById('drop-zone');
  const input = document.getElementById('recognize-files');
  const list = document.getElementById('results');
  const modelLine = document.getElementById('model-line');
  input.addEventListener('change', () => {
    acceptFiles(input.files, list);
    input.value = '';
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    acceptFiles(event.dataTransfer.files, list);
  });
  return {
    async refresh() {
      const info = await serviceInfo();
      matchRules = info?.matchRules;
      modelLine.textContent = describeModel(info);
      modelLine.dataset.model = info?.model?.kind ?? '';
      return info;
    },
  };
}
