// Detect tab: every face of a photo with its box, its 68 landmarks, 5 key points and a quality score; no gallery.
import { api, el, forEachLimited } from './api.js';

const PARALLEL_UPLOADS = 2;

/** A dot at a point of the image, placed in percent so that it stays on the face at any displayed size. */
function dot(point, width, height, kind) {
  const mark = el('span', { class: kind });
  Object.assign(mark.style, { left: `${(point.x / width) * 100}%`, top: `${(point.y / height) * 100}%` });
  return mark;
}

function drawFaces(photo, image, faces) {
  const width = image.naturalWidth;
  const height = image.naturalHeight;
  if (!width || !height) return;
  faces.forEach((face, index) => {
    const { x, y, width: w, height: h } = face.box;
    const box = el('div', { class: 'face-box known detect-box', title: `quality ${face.quality.toFixed(2)}` }, el('span', { class: 'face-tag' }, `${index + 1}. q ${face.quality.toFixed(2)}`));
    Object.assign(box.style, { left: `${(x / width) * 100}%`, top: `${(y / height) * 100}%`, width: `${(w / width) * 100}%`, height: `${(h / height) * 100}%` });
    photo.append(box, ...face.landmarks.map((p) => dot(p, width, height, 'landmark')), ...face.keyPoints.map((p) => dot(p, width, height, 'key-point')));
  });
}

async function detectOne(file, list) {
  const url = URL.createObjectURL(file);
  const image = el('img', { src: url, alt: `Uploaded photo ${file.name}` });
  const photo = el('div', { class: 'photo' }, image);
  const summary = el('p', { class: 'result-label' }, 'Detecting…');
  const details = el('ol', { class: 'faces' });
  const card = el('li', { class: 'result pending', 'data-file': file.name, 'aria-busy': 'true' }, photo, el('div', { class: 'result-text' }, el('h3', {}, file.name), summary, details));
  list.prepend(card);
  const body = new FormData();
  body.append('inputFile', file, file.name);
  try {
    const result = await api('/v1/detections', { method: 'POST', body });
    card.classList.remove('pending');
    card.removeAttribute('aria-busy');
    card.dataset.faces = String(result.faces.length);
    summary.replaceChildren(el('strong', {}, result.faces.length === 1 ? '1 face' : `${result.faces.length} faces`));
    details.replaceChildren(...result.faces.map((face) => el('li', {}, `score ${face.score.toFixed(2)}, quality ${face.quality.toFixed(2)}, ${Math.round(face.box.width)}×${Math.round(face.box.height)} px`)));
    const draw = () => drawFaces(photo, image, result.faces);
    if (image.complete) draw();
    else image.addEventListener('load', draw, { once: true });
  } catch (error) {
    card.classList.remove('pending');
    card.classList.add('failed');
    card.removeAttribute('aria-busy');
    summary.setAttribute('role', 'alert');
    summary.replaceChildren(el('strong', {}, 'Failed: '), error.message);
  }
}

export function startDetect() {
  const input = document.getElementById('detect-files');
  const list = document.getElementById('detections');
  const notice = document.getElementById('detect-unavailable');
  input.addEventListener('change', () => {
    const files = [...input.files];
    input.value = '';
    void forEachLimited(files, PARALLEL_UPLOADS, (file) => detectOne(file, list));
  });
  return {
    useModel(kind) {
      const face = kind === undefined || kind === 'face';
      input.disabled = !face;
      notice.hidden = face;
      notice.textContent = face ? '' : `This service serves the ${kind} model: detection with landmarks needs the face model (scaleface up --model face).`;
    },
  };
}
