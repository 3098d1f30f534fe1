// The page's entry: tabs, the access token, and the three panels.
import { api, getToken, setToken } from './api.js';
import { startDashboard } from './dashboard.js';
import { startRecognize } from './recognize.js';
import { startSubjects } from './subjects.js';
import { startBulkEnroll } from './bulk-enroll.js';
import { startDetect } from './detect.js';
import { startVerify } from './verify.js';
import { startCollectionPicker } from './collection-picker.js';

const tabs = [...document.querySelectorAll('[role="tab"]')];
const listeners = new Map();

function selectTab(tab, focus = false) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute('aria-controls')).hidden = !selected;
  }
  if (focus) tab.focus();
  history.replaceState(null, '', `#${tab.id.replace('tab-', '')}`);
  listeners.get(tab.id)?.();
}

function setUpTabs() {
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const index = (tabs.indexOf(tab) + step + tabs.length) % tabs.length;
      selectTab(tabs[index], true);
    });
  }
  const initial = document.getElementById(`tab-${location.hash.slice(1)}`) ?? tabs[0];
  selectTab(initial);
}

async function describeAuth(hint) {
  try {
    const info = await api('/v1/info');
    const needs = [info.auth.admin && 'the dashboard', info.auth.admin && 'subjects', info.auth.uploads && 'uploads'].filter(Boolean);
    hint.dataset.required = String(needs.length > 0);
    const state = getToken() ? 'token set for this tab' : 'no token set';
    const listed = needs.length > 1 ? `${needs.slice(0, -1).join(', ')} and ${needs.at(-1)}` : needs[0];
    hint.textContent = needs.length ? `Needed for ${listed} (${state}).` : 'This service needs no token.';
  } catch (error) {
    // With a token configured, /v1/info needs it too: a 401 is the answer to "is a token needed?".
    if (error.status === 401) {
      hint.dataset.required = 'true';
      hint.textContent = getToken() ? 'The token set for this tab is not the service’s.' : 'This service needs a token (no token set).';
    } else hint.textContent = `Cannot reach the service: ${error.message}`;
  }
}

function setUpToken() {
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  const hint = document.getElementById('token-hint');
  input.value = getToken();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    void describeAuth(hint).then(() => document.dispatchEvent(new Event('scaleface:token')));
  });
  document.getElementById('token-clear').addEventListener('click', () => {
    input.value = '';
    setToken('');
    void describeAuth(hint).then(() => document.dispatchEvent(new Event('scaleface:token')));
  });
  void describeAuth(hint);
}

setUpToken();
const collections = startCollectionPicker();
const recognize = startRecognize();
const subjects = startSubjects();
const verify = startVerify();
const detect = startDetect();
startBulkEnroll(() => {
  void subjects.refresh();
  document.dispatchEvent(new Event('scaleface:gallery'));
});
/** The model decides what the Subjects tab offers; the gallery's size shows on the Recognize tab. */
async function refreshServiceParts() {
  const info = await recognize.refresh();
  const kind = info?.model?.kind;
  subjects.useModel(kind);
  verify.useModel(kind);
  detect.useModel(kind);
  document.getElementById('bulk-fields').disabled = kind !== undefined && kind !== 'face';
  await subjects.refresh();
}
listeners.set('tab-subjects', () => void subjects.refresh());
listeners.set('tab-recognize', () => void recognize.refresh());
document.addEventListener('scaleface:token', () => {
  void collections.refresh();
  void refreshServiceParts();
});
document.addEventListener('scaleface:collection', () => void refreshServiceParts());
document.addEventListener('scaleface:gallery', () => void recognize.refresh());
void refreshServiceParts();
const dashboard = startDashboard();
listeners.set('tab-dashboard', () => dashboard.resize());
setUpTabs();
