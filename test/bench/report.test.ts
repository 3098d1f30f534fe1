import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { formatModelsTable, formatResultTable } from '../../bench/report-table.js';
import { axisTop, escapeXml, niceCeiling, polylineSegments, renderSvgReport } from '../../bench/report-svg.js';
import { NUMERIC_FIELDS, buildBenchResult, invalidNumericFields } from '../../bench/result.js';
import { chooseResultName, dateStamp, writeResultFiles } from '../../bench/results-writer.js';
import { TIMELINE, measurements, sample } from './fixtures.js';

describe('buildBenchResult', () => {
  const result = buildBenchResult(measurements());

  test('every headline field is present and a finite number', () => {
    for (const field of NUMERIC_FIELDS) assert.equal(typeof result[field], 'number', field);
    assert.deepEqual(invalidNumericFields(result), []);
  });

  test('the model is recorded (face when not said); the side-by-side table has one row per model', () => {
    assert.equal(result.model, 'face');
    const objects = buildBenchResult(measurements({ model: 'objects' }));
    const table = formatModelsTable([result, objects]).split('\n');
    assert.match(table[1]!, /^model\s+\(a\) limit img\/s\s+\(a\) one thread ms\/img\s+\(b\) end to end img\/s\s+ratio b\/a\s+overhead\/model CPU\s+worker RSS MB/);
    assert.match(table[2]!, /^face\s+25\.00\s+\S+\s+20\.00\s+0\.800\s/);
    assert.match(table[3]!, /^objects\s+25\.00/);
  });

  test('the derived numbers', () => {
    assert.equal(result.limit_img_per_s, 25);
    assert.equal(result.wasm_limit_img_per_s, 6.25);
    assert.equal(result.limit_over_wasm_limit, 4);
    assert.equal(result.one_worker_limit_img_per_s, 20);
    assert.equal(result.end_to_end_img_per_s, 20);
    assert.equal(result.ratio, 0.8);
    assert.equal(result.added_latency_p50_ms, 25);
    assert.equal(result.avg_latency_s, 4.9);
    assert.equal(result.latency_p99_s, 6);
    assert.equal(result.grader_avg_latency_ok, false);
    assert.equal(result.seconds_per_request, 0.05);
    assert.equal(result.scale_in_s, 2);
    assert.equal(result.scale_in_decision_s, 1.5);
    assert.equal(result.peak_rss_mb, 820.3);
    assert.equal(result.peak_instances, 2);
    assert.equal(result.cold_first_answer_s, 1.25);
    assert.equal(result.correct, 1000);
    assert.equal(result.requests, 1000);
  });

  test('the timeline and the phases are in the document', () => {
    const timeline = result.timeline;
    assert.equal(timeline.t_s.length, TIMELINE.length);
    assert.deepEqual(result.phases_s, { cold: 0.5, load: 10, 'last answer': 20 });
  });

  test('parts that did not run are null, which still validates; anything else does not', () => {
    const skipped = buildBenchResult(measurements({ bare: { engine: 'onnx', singleThreadMedianMs: 70, singleThreadImages: 30, parallel: null }, bareAlternatives: null, coldFirstAnswerS: null }));
    assert.equal(skipped.limit_img_per_s, null);
    assert.equal(skipped.wasm_limit_img_per_s, null);
    assert.equal(skipped.limit_over_wasm_limit, null);
    assert.equal(skipped.ratio, null);
    assert.equal(skipped.cold_first_answer_s, null);
    assert.deepEqual(invalidNumericFields(skipped), []);
    assert.deepEqual(invalidNumericFields({ ...result, ratio: 'fast', peak_rss_mb: Number.NaN, requests: undefined }), ['ratio', 'requests', 'peak_rss_mb']);
  });

  test('the table names every measure and the grader verdict', () => {
    const table = formatResultTable(result);
    for (const text of ['25.00 img/s', '6.25 img/s', '4.00×', 'tfjs-wasm 4.22.0', '20.00 img/s', '0.800', '1.25 s', '25.0 ms', '820 MB', '2.00 s', 'OVER the 2026 grader', 'load average 1.50 1.00 0.50']) {
      assert.ok(table.includes(text), `table shows ${text}:\n${table}`);
    }
  });
});

describe('the SVG report', () => {
  test('polylines: one segment per run of known values, scaled into the box', () => {
    const box = { left: 0, top: 0, width: 100, height: 50, xMax: 10, yMax: 5 };
    assert.deepEqual(polylineSegments([0, 5, 10], [0, 5, 2.5], box), ['0.0,50.0 50.0,0.0 100.0,25.0']);
    assert.deepEqual(polylineSegments([0, 1, 2, 3], [1, null, 2, 3], box), ['0.0,40.0', '20.0,30.0 30.0,20.0']);
    assert.deepEqual(polylineSegments([], [], box), []);
  });

  test('axis tops and escaping', () => {
    assert.deepEqual([0.3, 1, 3, 7, 10, 11, 120, 0].map(niceCeiling), [0.5, 1, 5, 10, 10, 20, 200, 1]);
    assert.deepEqual([34.7, 2, 100, 845, 1, 0, 7].map(axisTop), [35, 2, 100, 1000, 1, 1, 7]);
    assert.equal(escapeXml(`a<b & "c"`), 'a&lt;b &amp; &quot;c&quot;');
  });

  test('a valid SVG with three charts, one line per series, the phases and the headline numbers', async () => {
    const svg = renderSvgReport(buildBenchResult(measurements({ workload: { ...measurements().workload, name: 'demo <crops> & co' } })));
    const metadata = await sharp(Buffer.from(svg)).metadata();
    assert.equal(metadata.format, 'svg');
    assert.equal(metadata.width, 960);
    assert.equal((svg.match(/<polyline /g) ?? []).length, 4, 'instances ×2, backlog, memory');
    for (const text of ['App-tier instances', 'Backlog', 'Resident memory', 'last answer', 'demo &lt;crops&gt; &amp; co', '25.00 img/s', '820 MB']) {
      assert.ok(svg.includes(text), `svg contains ${text}`);
    }
    const firstLine = /<polyline [^>]*points="([^"]+)"/.exec(svg)?.[1] ?? '';
    assert.equal(firstLine.split(' ').length, TIMELINE.length);
  });

  test('an empty timeline still renders', async () => {
    const svg = renderSvgReport(buildBenchResult(measurements({ samples: [], phases: [] })));
    assert.equal((await sharp(Buffer.from(svg)).metadata()).format, 'svg');
    assert.equal((svg.match(/<polyline /g) ?? []).length, 0);
  });

  test('gaps in the status readings split the line', () => {
    const svg = renderSvgReport(buildBenchResult(measurements({ samples: [sample(0, 1, 1, 100), sample(1, null, null, 100), sample(2, 1, 1, 100)] })));
    assert.equal((svg.match(/<polyline /g) ?? []).length, 2 + 2 + 2 + 1);
  });
});

describe('result files', () => {
  const at = new Date(2026, 10, 25, 9, 7, 0);

  test('the date, then the date and time, then a counter', () => {
    assert.equal(dateStamp(at), '2026-11-25');
    assert.equal(chooseResultName(at, new Set(['recognition-accuracy.json'])), '2026-11-25');
    assert.equal(chooseResultName(at, new Set(['2026-11-25.json'])), '2026-11-25-0907');
    assert.equal(chooseResultName(at, new Set(['2026-11-25.svg', '2026-11-25-0907.json'])), '2026-11-25-0907-2');
  });

  test('writes the JSON and the SVG without overwriting an earlier run of the same day', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scaleface-bench-test-'));
    try {
      await writeFile(join(dir, '2026-11-25.json'), '{"earlier":true}');
      const result = buildBenchResult(measurements());
      const written = await writeResultFiles(dir, result, at);
      assert.equal(written.jsonPath, join(dir, '2026-11-25-0907.json'));
      assert.deepEqual((await readdir(dir)).sort(), ['2026-11-25-0907.json', '2026-11-25-0907.svg', '2026-11-25.json']);
      const parsed = JSON.parse(await readFile(written.jsonPath, 'utf8')) as Record<string, unknown>;
      for (const field of NUMERIC_FIELDS) assert.equal(typeof parsed[field], 'number', field);
      assert.deepEqual(parsed.timeline, result.timeline);
      assert.deepEqual(parsed.workload, result.workload);
      assert.equal(await readFile(join(dir, '2026-11-25.json'), 'utf8'), '{"earlier":true}');
      assert.ok((await readFile(written.svgPath, 'utf8')).startsWith('<svg'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('refuses a result whose headline fields are not numbers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scaleface-bench-test-'));
    try {
      const broken = { ...buildBenchResult(measurements()), end_to_end_img_per_s: 'many' };
      await assert.rejects(writeResultFiles(dir, broken, at), /end_to_end_img_per_s/);
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
