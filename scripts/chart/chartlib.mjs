// Renders charts for the tests through Helm's engine: `helm template` when helm is on PATH,
// else tools/helm-render (scripts/chart/renderer.sh builds it). Kept out of test/ so that
// node --test does not run it as a test file.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import YAML from 'yaml';

export const repoRoot = resolve(new URL('../..', import.meta.url).pathname);
export const chartDir = join(repoRoot, 'helm/metering-gate');

let resolved;
/** { cmd, name } of the renderer, or { skip: reason } when there is none on this machine. */
export function renderer() {
  if (!resolved) {
    const r = spawnSync(join(repoRoot, 'scripts/chart/renderer.sh'), [], { encoding: 'utf8' });
    const cmd = r.stdout.trim();
    // 3: nothing to render with on this machine (the tests skip); anything else is a bug.
    if (r.status === 3) resolved = { skip: r.stderr.trim() };
    else if (r.status === 0 && cmd) resolved = { cmd, name: basename(cmd) === 'helm' ? 'helm template' : 'tools/helm-render', skip: false };
    else throw new Error(`scripts/chart/renderer.sh failed (${r.status}):\n${r.stderr}`);
  }
  return resolved;
}

/**
 * `helm template RELEASE CHART` with values objects (each written to a file and given with
 * -f, in order) and extra flags (--set ...). Returns the exit status, the output and the
 * parsed documents.
 */
export function render({ chart = chartDir, release = 'metering-gate', values = [], args = [] } = {}) {
  const r0 = renderer();
  if (r0.skip) throw new Error(`no chart renderer: ${r0.skip}`);
  const dir = mkdtempSync(join(tmpdir(), 'mg-chart-values-'));
  const files = values.map((v, i) => {
    if (typeof v === 'string') return v;
    const f = join(dir, `values-${i}.yaml`);
    writeFileSync(f, JSON.stringify(v)); // JSON is YAML
    return f;
  });
  const r = spawnSync(r0.cmd, ['template', release, chart, ...files.flatMap((f) => ['-f', f]), ...args], { encoding: 'utf8' });
  const docs = r.status === 0 ? YAML.parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean) : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, docs };
}

/** A copy of a chart directory (to change a template and see the tests catch it). */
export function copyChart(src = chartDir) {
  const dst = join(mkdtempSync(join(tmpdir(), 'mg-chart-copy-')), basename(src));
  cpSync(src, dst, { recursive: true, dereference: true });
  return dst;
}

/** Replace text in a copied chart's file; throws when the pattern no longer matches. */
export function editFile(file, pattern, replacement) {
  const before = readFileSync(file, 'utf8');
  const after = before.replace(pattern, replacement);
  if (after === before) throw new Error(`${file}: ${pattern} matched nothing; the drift test is out of date`);
  writeFileSync(file, after);
}

export const readYaml = (p) => YAML.parse(readFileSync(p, 'utf8'));
