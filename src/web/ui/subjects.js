// Subjects tab: list the enrolled subjects (with a picture, a count and a search), add example photos to a new
// or existing name, delete one. Under a model other than face there is nothing to enroll: the form is disabled.
import { api, apiImageUrl, el, forEachLimited } from './api.js';

const PARALLEL_THUMBNAILS = 4;

function subjectRow(subject, onDelete) {
  const remove = el('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${subject.name}`, onclick: () => onDelete(subject.name) }, 'Delete');
  const picture = el('img', { class: 'thumb', alt: '', width: 48, height: 48 });
  return el(
    'tr',
    { 'data-subject': subject.name },
    el('td', { class: 'thumb-cell' }, picture),
    el('th', { scope: 'row' }, subject.name),
    el('td', { class: 'photos' }, subject.photos),
    el('td', {}, subject.descriptors),
    el('td', {}, remove),
  );
}

/** Each row's picture, a few at a time; a subject without a stored photo keeps the empty frame. */
function loadThumbnails(rows) {
  void forEachLimited(rows, PARALLEL_THUMBNAILS, async (row) => {
    const picture = row.querySelector('img.thumb');
    try {
      picture.src = await apiImageUrl(`/v1/subjects/${encodeURIComponent(row.dataset.subject)}/thumbnail`);
      picture.alt = `Photo of ${row.dataset.subject}`;
    } catch {
      picture.classList.add('none');
    }
  });
}

/** Says in `status` what came of an enrollment: what was stored, or (styled as an error) why nothing was. */
function report(status, text, failed, reasons = []) {
  status.classList.toggle('error', failed);
  status.setAttribute('role', failed ? 'alert' : 'status');
  status.replaceChildren(text, ...(reasons.length ? [el('ul', {}, reasons.map((reason) => el('li', {}, reason)))] : []));
}

async function enroll(name, photosInput, status) {
  const body = new FormData();
  for (const file of photosInput.files) body.append('photos', file, file.name);
  report(status, `Enrolling ${photosInput.files.length} photo(s) for ${name}… (the model looks at each photo and copies of it)`, false);
  try {
    const result = await api(`/v1/subjects/${encodeURIComponent(name)}/examples`, { method: 'POST', body });
    const notes = result.photos.filter((p) => p.note).map((p) => `${p.fileName}: ${p.note}.`);
    report(status, `Enrolled ${result.photos.length} photo(s) for ${result.subject}; ${result.examples} descriptors in all.`, false, notes);
    photosInput.value = '';
  } catch (error) {
    const refused = (error.details?.photos ?? []).filter((p) => p.status === 'refused').map((p) => `${p.fileName}: ${p.reason ?? 'refused'}`);
    report(status, refused.length ? `Nothing was enrolled for ${name}: ${refused.length} photo(s) cannot be used.` : `Enrollment failed: ${error.message}`, true, refused);
  }
}

/** Shows the rows whose name contains the search (any case), and says how many that is. */
function applySearch(tableBody, query, countLine, total) {
  const wanted = query.trim().toLocaleLowerCase();
  let shown = 0;
  for (const row of tableBody.rows) {
    const match = row.dataset.subject.toLocaleLowerCase().includes(wanted);
    row.hidden = !match;
    if (match) shown += 1;
  }
  countLine.textContent = wanted === '' ? `${total.subjects} subject(s), ${total.photos} photo(s)` : `${shown} of ${total.subjects} subject(s) match “${query.trim()}”`;
}

/** The table of subjects: rows with pictures, the count and the search. */
function subjectsList() {
  const tableBody = document.querySelector('#subjects-table tbody');
  const names = document.getElementById('subject-names');
  const listStatus = document.getElementById('subjects-status');
  const search = document.getElementById('subject-search');
  const countLine = document.getElementById('subject-count');
  let total = { subjects: 0, photos: 0 };

  async function refresh() {
    try {
      const { subjects } = await api('/v1/subjects');
      const rows = subjects.map((s) => subjectRow(s, remove));
      tableBody.replaceChildren(...rows);
      names.replaceChildren(...subjects.map((s) => el('option', { value: s.name })));
      total = { subjects: subjects.length, photos: subjects.reduce((sum, s) => sum + s.photos, 0) };
      applySearch(tableBody, search.value, countLine, total);
      listStatus.textContent = subjects.length ? '' : 'Nobody is enrolled yet.';
      loadThumbnails(rows);
    } catch (error) {
      clear();
      listStatus.textContent = `Cannot list subjects: ${error.message}`;
    }
  }

  async function remove(name) {
    if (!confirm(`Delete ${name} and all of their photos?`)) return;
    try {
      const result = await api(`/v1/subjects/${encodeURIComponent(name)}`, { method: 'DELETE' });
      listStatus.textContent = `Deleted ${result.subject} (${result.removedPhotos} photo(s)).`;
    } catch (error) {
      listStatus.textContent = `Delete failed: ${error.message}`;
    }
    await refresh();
    document.dispatchEvent(new Event('scaleface:gallery'));
  }

  function clear() {
    tableBody.replaceChildren();
    countLine.textContent = '';
    listStatus.textContent = '';
  }

  search.addEventListener('input', () => applySearch(tableBody, search.value, countLine, total));
  return { refresh, clear };
}

export function startSubjects() {
  const form = document.getElementById('enroll-form');
  const fields = document.getElementById('enroll-fields');
  const unavailable = document.getElementById('enroll-unavailable');
  const list = subjectsList();
  let faceModel = true;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fields.disabled = true;
    try {
      await enroll(document.getElementById('subject-name').value.trim(), document.getElementById('subject-photos'), document.getElementById('enroll-status'));
    } finally {
      fields.disabled = !faceModel;
    }
    await list.refresh();
    document.dispatchEvent(new Event('scaleface:gallery'));
  });

  return {
    refresh: () => (faceModel ? list.refresh() : Promise.resolve()),
    /** Under another model subjects do not apply: the form is disabled and says what to run instead. */
    useModel(kind) {
      faceModel = kind === undefined || kind === 'face';
      fields.disabled = !faceModel;
      unavailable.hidden = faceModel;
      document.getElementById('subjects-list').hidden = !faceModel;
      if (faceModel) unavailable.replaceChildren();
      else unavailable.replaceChildren(`Enrollment needs the face model; this service runs the ${kind} model (start it with `, el('code', {}, '--model face'), ').');
      if (!faceModel) list.clear();
    },
  };
}
