// Bulk enrollment on the Subjects tab: a folder with one sub-folder per subject, or a tar / tar.gz, sent to
// POST /v1/enrollments as one job; its progress and every refused photo come from GET /v1/jobs/{id}.
import { api, el } from './api.js';

const POLL_MS = 500;

function formOf(folder, archive) {
  const body = new FormData();
  if (archive.files.length > 0) {
    body.append('archive', archive.files[0], archive.files[0].name);
    return body;
  }
  // webkitRelativePath is `<picked folder>/<subject>/<photo>`: the service drops the shared top folder.
  for (const file of folder.files) body.append('photos', file, file.webkitRelativePath || file.name);
  return body;
}

function showJob(view, job) {
  const { progress, refused, subjects } = job.enrollment;
  view.bar.max = Math.max(1, progress.photos);
  view.bar.value = progress.processed;
  view.status.dataset.state = job.status;
  const done = job.status === 'succeeded';
  view.status.textContent = done
    ? `Done: ${progress.enrolled} photo(s) enrolled for ${subjects.filter((s) => s.enrolled > 0).length} subject(s); ${progress.refused} refused.`
    : `Enrolling: ${progress.processed} of ${progress.photos} photo(s)…`;
  view.refused.replaceChildren(...refused.map((r) => el('li', {}, el('code', {}, r.file), `: ${r.reason}`)));
}

async function follow(id, view, onDone) {
  for (;;) {
    const job = await api(`/v1/jobs/${id}`);
    showJob(view, job);
    if (job.status === 'succeeded' || job.status === 'failed') return onDone();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export function startBulkEnroll(onEnrolled) {
  const form = document.getElementById('bulk-form');
  const folder = document.getElementById('bulk-folder');
  const archive = document.getElementById('bulk-archive');
  const view = { bar: document.getElementById('bulk-progress'), status: document.getElementById('bulk-status'), refused: document.getElementById('bulk-refused') };
  const submit = document.getElementById('bulk-submit');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (folder.files.length === 0 && archive.files.length === 0) {
      view.status.textContent = 'Pick a folder (one sub-folder per subject) or a tar / tar.gz first.';
      return;
    }
    submit.disabled = true;
    view.status.dataset.state = 'sending';
    view.status.textContent = 'Sending…';
    view.refused.replaceChildren();
    try {
      const accepted = await api('/v1/enrollments', { method: 'POST', body: formOf(folder, archive) });
      await follow(accepted.id, view, onEnrolled);
      folder.value = '';
      archive.value = '';
    } catch (error) {
      view.status.dataset.state = 'failed';
      view.status.textContent = `Not enrolled: ${error.message}`;
    } finally {
      submit.disabled = false;
    }
  });
}
