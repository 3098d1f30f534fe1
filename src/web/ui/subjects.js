// Subjects tab: list the enrolled subjects, add example photos to a new or existing name, delete one.
import { api, el } from './api.js';

function subjectRow(subject, onDelete) {
  const remove = el('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${subject.name}`, onclick: () => onDelete(subject.name) }, 'Delete');
  return el(
    'tr',
    { 'data-subject': subject.name },
    el('th', { scope: 'row' }, subject.name),
    el('td', { class: 'photos' }, subject.photos),
    el('td', {}, subject.descriptors),
    el('td', {}, remove),
  );
}

/** Sends the chosen photos for `name` and says in `status` what came of it. */
async function enroll(name, photosInput, status) {
  const body = new FormData();
  for (const file of photosInput.files) body.append('photos', file, file.name);
  status.textContent = `Enrolling ${photosInput.files.length} photo(s) for ${name}… (the model looks at each photo and copies of it)`;
  try {
    const result = await api(`/v1/subjects/${encodeURIComponent(name)}/examples`, { method: 'POST', body });
    const notes = result.photos.filter((p) => p.note).map((p) => ` ${p.fileName}: ${p.note}.`).join('');
    status.textContent = `Enrolled ${result.photos.length} photo(s) for ${result.subject}; ${result.examples} descriptors in all.${notes}`;
    photosInput.value = '';
  } catch (error) {
    status.textContent = `Enrollment failed: ${error.message}`;
  }
}

export function startSubjects() {
  const form = document.getElementById('enroll-form');
  const nameInput = document.getElementById('subject-name');
  const photosInput = document.getElementById('subject-photos');
  const submit = document.getElementById('enroll-submit');
  const enrollStatus = document.getElementById('enroll-status');
  const tableBody = document.querySelector('#subjects-table tbody');
  const names = document.getElementById('subject-names');
  const listStatus = document.getElementById('subjects-status');

  async function refresh() {
    try {
      const { subjects } = await api('/v1/subjects');
      tableBody.replaceChildren(...subjects.map((s) => subjectRow(s, remove)));
      names.replaceChildren(...subjects.map((s) => el('option', { value: s.name })));
      listStatus.textContent = subjects.length ? '' : 'Nobody is enrolled yet.';
    } catch (error) {
      tableBody.replaceChildren();
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
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await enroll(nameInput.value.trim(), photosInput, enrollStatus);
    } finally {
      submit.disabled = false;
    }
    await refresh();
  });

  void refresh();
  return { refresh };
}
