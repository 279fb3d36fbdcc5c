import type { DoctorReport } from './report.js';

/** The JSON form: the same rows as the table, plus the summary; one document on stdout. */
export function renderJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * One line per check (`ID  STATUS  finding`), the fix indented beneath it, then a summary
 * line. Lines are not wrapped, so the table stays greppable and matches the JSON exactly.
 */
export function renderTable(report: DoctorReport): string {
  const idWidth = Math.max('CHECK'.length, ...report.checks.map((row) => row.id.length)) + 2;
  const statusWidth = 'STATUS'.length + 2;
  const lines = [`metering-gate doctor ${report.gateVersion}`, '', `${'CHECK'.padEnd(idWidth)}${'STATUS'.padEnd(statusWidth)}FINDING`];
  for (const row of report.checks) {
    lines.push(`${row.id.padEnd(idWidth)}${row.status.toUpperCase().padEnd(statusWidth)}${row.finding}`);
    if (row.fix && row.status !== 'skip') lines.push(`${' '.repeat(idWidth + statusWidth)}fix: ${row.fix}`);
  }
  const count = (status: string) => report.checks.filter((row) => row.status === status).length;
  const tally = `${count('pass')} passed, ${count('warn')} warned, ${count('fail')} failed, ${count('skip')} skipped`;
  lines.push('');
  lines.push(report.ok ? `${tally}: exit 0` : `${tally}: exit ${report.exitCode} (${report.errorCode}, first failing check: ${report.firstFailure})`);
  return `${lines.join('\n')}\n`;
}
