// The collection the page works in: every face request goes to that collection's routes (api.js inCollection).
import { api, getCollection, setCollection, DEFAULT_COLLECTION, el } from './api.js';

const NAME_RULE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Fills the suggestions from GET /v1/collections, which only the deployment's token may read; others type the name. */
async function loadOptions(options, hint) {
  try {
    const { collections } = await api('/v1/collections');
    options.replaceChildren(...collections.map((c) => el('option', { value: c.name })));
    hint.textContent = `${collections.length} collection${collections.length === 1 ? '' : 's'}`;
  } catch {
    options.replaceChildren(el('option', { value: DEFAULT_COLLECTION }));
    hint.textContent = 'type the name of your key’s collection';
  }
}

export function startCollectionPicker() {
  const form = document.getElementById('collection-form');
  const input = document.getElementById('collection-input');
  const options = document.getElementById('collection-options');
  const hint = document.getElementById('collection-hint');
  input.value = getCollection();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = input.value.trim() || DEFAULT_COLLECTION;
    if (!NAME_RULE.test(name)) {
      hint.textContent = 'a collection name is 1–64 of a-z, 0-9, "-", "_"';
      return;
    }
    input.value = name;
    setCollection(name);
    document.dispatchEvent(new Event('scaleface:collection'));
  });
  const refresh = () => loadOptions(options, hint);
  void refresh();
  return { refresh };
}
