// Recognize tab: drop or pick photos; each is sent to POST /v1/recognitions and shown with its face boxes.
import { api, el, forEachLimited } from './api.js';

const PARALLEL_UPLOADS = 4;

function formatDistance(distance) {
  return typeof distance === 'number' ? distance.toFixed(2) : 'n/a';
}

/** Boxes are in the image's pixels; percentages keep them on the face at any displayed size. */
function drawBoxes(photo, image, faces) {
  const width = image.naturalWidth;
  const height = image.naturalHeight;
  if (!width || !height) return;
  faces.forEach((face, index) => {
    const { x, y, width: w, height: h } = face.box;
    const known = face.label !== 'Unknown';
    const box = el(
      'div',
      { class: `face-box${known ? ' known' : ''}`, 'data-label': face.label, title: `${face.label} (distance ${formatDistance(face.distance)})` },
      el('span', { class: 'face-tag' }, `${index + 1}. ${face.label}`),
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
  const faceCount = result.faces.length === 1 ? '1 face' : `${result.faces.length} faces`;
  view.summary.replaceChildren(el('strong', {}, result.label), ` — ${faceCount}`);
  view.details.replaceChildren(
    ...result.faces.map((face) => el('li', {}, el('span', { class: 'face-name' }, face.label), ` distance ${formatDistance(face.distance)}, score ${face.score.toFixed(2)}`)),
  );
  const meta = [result.worker && `by ${result.worker}`, typeof result.inferenceMs === 'number' && `${Math.round(result.inferenceMs)} ms in the model`];
  view.details.after(el('p', { class: 'hint' }, meta.filter(Boolean).join(', ')));
  const draw = () => drawBoxes(view.photo, view.image, result.faces);
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
