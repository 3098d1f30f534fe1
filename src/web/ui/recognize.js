// Recognize tab: drop or pick photos; each is sent to POST /v1/recognitions and shown with what the model found:
// faces (face model), objects (objects model) or the best labels (a whole-image classifier).
import { api, el, forEachLimited } from './api.js';

const PARALLEL_UPLOADS = 4;

function formatDistance(distance) {
  return typeof distance === 'number' ? distance.toFixed(2) : 'n/a';
}

/** What one result shows: its faces, else the objects the model located, else its best labels (no box). */
function findingsOf(result) {
  if (result.faces.length > 0 || !result.model || result.model.kind === 'face') {
    return { noun: 'face', items: result.faces.map((face) => ({ ...face, known: face.label !== 'Unknown', detail: `distance ${formatDistance(face.distance)}, score ${face.score.toFixed(2)}`, title: `${face.label} (distance ${formatDistance(face.distance)})` })) };
  }
  if ((result.boxes ?? []).length > 0) {
    return { noun: 'object', items: result.boxes.map((found) => ({ ...found, known: true, object: true, detail: `score ${found.score.toFixed(2)}`, title: `${found.label} (score ${found.score.toFixed(2)})` })) };
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
    const kind = item.object ? 'face-box object-box' : 'face-box';
    const box = el(
      'div',
      { class: `${kind}${item.known ? ' known' : ''}`, 'data-label': item.label, title: item.title },
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
  view.details.replaceChildren(...items.map((item) => el('li', {}, el('span', { class: 'face-name' }, item.label), ` ${item.detail}`)));
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

export function startRecognize() {
  const zone = document.getElementById('drop-zone');
  const input = document.getElementById('recognize-files');
  const list = document.getElementById('results');
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
}
