// Verify tab: are two photos, or a photo and an enrolled subject, the same person? POST /v1/verifications.
import { api, el } from './api.js';

function showVerdict(output, result, against) {
  const verdict = result.same ? 'Same person' : 'Not the same person';
  const comparison = result.same ? `${result.distance.toFixed(3)} ≤ ${result.threshold}` : `${result.distance.toFixed(3)} > ${result.threshold}`;
  output.className = `verdict ${result.same ? 'same' : 'different'}`;
  output.setAttribute('role', 'status');
  output.dataset.same = String(result.same);
  const faces = `faces found: ${result.faces.source} in the photo${result.faces.target === undefined ? '' : `, ${result.faces.target} in the second`}; the largest of each is compared`;
  output.replaceChildren(
    el('strong', {}, verdict),
    el('p', {}, `Distance ${comparison} (the threshold of this service's rule) against ${against}.`),
    el('p', { class: 'hint' }, faces, result.worker ? ` · by ${result.worker}` : ''),
  );
}

function showFailure(output, error) {
  output.className = 'verdict failed';
  output.setAttribute('role', 'alert');
  output.dataset.same = '';
  output.replaceChildren(el('strong', {}, 'Cannot verify: '), error.message);
}

export function startVerify() {
  const form = document.getElementById('verify-form');
  const source = document.getElementById('verify-source');
  const target = document.getElementById('verify-target');
  const subject = document.getElementById('verify-subject');
  const output = document.getElementById('verify-result');
  const submit = document.getElementById('verify-submit');
  const fields = document.getElementById('verify-fields');
  const notice = document.getElementById('verify-unavailable');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const byPhoto = form.elements['verify-against'].value === 'photo';
    const body = new FormData();
    body.append('source', source.files[0], source.files[0].name);
    if (byPhoto) body.append('target', target.files[0], target.files[0].name);
    else body.append('subject', subject.value.trim());
    const against = byPhoto ? `the second photo's face` : `${subject.value.trim()}'s enrolled photos`;
    submit.disabled = true;
    output.className = 'verdict pending';
    output.replaceChildren('Comparing…');
    try {
      showVerdict(output, await api('/v1/verifications', { method: 'POST', body }), against);
    } catch (error) {
      showFailure(output, error);
    } finally {
      submit.disabled = false;
    }
  });
  const sync = () => {
    const byPhoto = form.elements['verify-against'].value === 'photo';
    target.required = byPhoto;
    target.closest('.field').hidden = !byPhoto;
    subject.required = !byPhoto;
    subject.closest('.field').hidden = byPhoto;
  };
  form.addEventListener('change', sync);
  sync();
  return {
    useModel(kind) {
      const face = kind === undefined || kind === 'face';
      fields.disabled = !face;
      notice.hidden = face;
      notice.textContent = face ? '' : `This service serves the ${kind} model: verification needs the face model (scaleface up --model face).`;
    },
  };
}
