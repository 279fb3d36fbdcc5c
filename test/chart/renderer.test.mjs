// What the chart tests rely on from Helm's engine, checked on a small chart: toYaml/toJson/
// fromYaml as Helm does them, tpl, include, lookup without a cluster, values merging (null
// deletes, --set integers, file numbers as float64), no env/expandenv, schema refusals. These
// are Helm's own behaviours, so the test holds for `helm template` and tools/helm-render alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyChart, render, renderer, repoRoot } from '../../scripts/chart/chartlib.mjs';

const skip = renderer().skip;
const chart = join(repoRoot, 'test/fixtures/render-semantics');

test('functions, built-ins and values merging behave as in Helm', { skip }, (t) => {
  t.diagnostic(`rendered by ${renderer().name}`);
  const r = render({ chart, release: 'r1', args: ['--set', 'drop=null', '--set', 'n=3', '-n', 'shop'] });
  assert.equal(r.status, 0, r.stderr);
  const [cm] = r.docs;
  assert.equal(cm.metadata.namespace, 'shop');
  assert.deepEqual(cm.data, {
    toYaml: 'b: x\nlist:\n- 1\n- 2\nz: 1',
    toJson: '{"b":"x","list":[1,2],"z":1}',
    fromYaml: '2',
    fromYamlError: 'true',
    tpl: 'kept-r1',
    lookup: '0',
    dropped: 'false',
    setKind: 'int64',
    fileKind: 'float64',
    chart: 'sem-2.0',
    include: 'KEPT',
    missing: '',
  });
  assert.match(r.stdout, /^# Source: sem\/templates\/cm\.yaml$/m);
});

test('env and expandenv are not there; required and fail stop the render with their message', { skip }, () => {
  for (const fn of ['env', 'expandenv']) {
    const copy = copyChart(chart);
    writeFileSync(join(copy, 'templates/env.yaml'), `x: {{ ${fn} "HOME" }}\n`);
    const r = render({ chart: copy });
    assert.notEqual(r.status, 0, fn);
    assert.match(r.stderr, new RegExp(`function "${fn}" not defined`));
  }
  const copy = copyChart(chart);
  writeFileSync(join(copy, 'templates/req.yaml'), 'x: {{ required "set n, please" .Values.n }}\n');
  const r = render({ chart: copy });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /execution error at \(sem\/templates\/req\.yaml:1:\d+\): set n, please/);
});

test('a template that renders YAML that does not parse fails the render', { skip }, () => {
  const copy = copyChart(chart);
  writeFileSync(join(copy, 'templates/bad.yaml'), 'kind: ConfigMap\nmetadata: [unclosed\n');
  const r = render({ chart: copy });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /YAML parse error on sem\/templates\/bad\.yaml/);
});
