import { periodsBetween, SavingsReport, SavingsRow } from '@symbiose/domain';
import { stringify } from 'csv-stringify/sync';

/** The report's rows as RFC 4180 CSV (CRLF, quoted where needed) with a header; empty cells are nulls. */
export function savingsCsv(report: SavingsReport): string {
  const columns = [
    ...report.groupBy.filter((k) => k === 'period' || k === 'category' || k === 'region'),
    'energySavedMWh',
    'co2AvoidedTonnes',
    'exchanges',
    'companies',
    'suppressed',
    'partial',
  ];
  return stringify(report.rows as unknown as Record<string, unknown>[], {
    header: true,
    columns,
    record_delimiter: 'windows',
    cast: { boolean: (value: boolean) => (value ? 'true' : 'false') },
  });
}

export function savingsFileName(report: SavingsReport, extension: string): string {
  const region = report.region ? `-${report.region}` : '';
  return `savings-${report.basis}${region}-${report.from}-${report.to}.${extension}`;
}

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** 1, 2 or 5 × 10^k: a tick step giving about `count` ticks over `span`. */
function niceStep(span: number, count = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / magnitude;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}

function formatNumber(x: number): string {
  const abs = Math.abs(x);
  if (abs >= 1e6) return `${Number((x / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((x / 1e3).toPrecision(3))}k`;
  return String(Number(x.toPrecision(4)));
}

const BASIS_TITLE: Record<string, string> = {
  realised: 'realised (verified deliveries)',
  approved: 'approved exchanges (pro-rated estimates)',
  potential: 'potential (allocation plan)',
};

/**
 * A bar chart of CO2 avoided per period, one bar per period of [from, to] (zero when nothing was
 * saved, grey and marked when suppressed), with a title, a y axis in tonnes with gridlines and
 * period labels. `report` must be grouped by period only.
 */
export function savingsSvg(report: SavingsReport): string {
  const periods = periodsBetween(report.from, report.to, report.period);
  const byLabel = new Map<string, SavingsRow>(report.rows.map((r) => [r.period ?? '', r]));
  const bars = periods.map((p) => {
    const row = byLabel.get(p.label);
    return { label: p.label, row, value: row && !row.suppressed ? (row.co2AvoidedTonnes ?? 0) : 0 };
  });
  const width = Math.max(640, Math.min(1600, 120 + bars.length * 28));
  const height = 440;
  const margin = { top: 64, right: 24, bottom: 84, left: 84 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const values = bars.map((b) => b.value);
  const step = niceStep(Math.max(...values, 0) - Math.min(...values, 0) || 1);
  const yMax = Math.max(step, Math.ceil(Math.max(...values, 0) / step) * step);
  const yMin = Math.min(0, Math.floor(Math.min(...values, 0) / step) * step);
  const y = (v: number) => margin.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const slot = plotW / Math.max(bars.length, 1);
  const barW = Math.max(2, slot * 0.7);
  const labelEvery = Math.ceil(bars.length / 24);
  const where = report.region ? `${report.region}, ${report.attribution}-attributed` : 'all regions';
  const title = `CO2 avoided per ${report.period}: ${BASIS_TITLE[report.basis] ?? report.basis}`;
  const subtitle = `${where}, ${report.from} to ${report.to}; total ${
    report.totals.suppressed ? 'suppressed' : `${formatNumber(report.totals.co2AvoidedTonnes ?? 0)} t CO2`
  }`;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${xml(`${title} (${subtitle})`)}</title>`,
    `<style>text{font-family:Helvetica,Arial,sans-serif;fill:#222}.bar{fill:#2a7f62}.bar.suppressed{fill:#c8c8c8}` +
      `.grid{stroke:#e3e3e3}.axis{stroke:#444}</style>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="26" font-size="17" font-weight="bold">${xml(title)}</text>`,
    `<text x="${margin.left}" y="46" font-size="12">${xml(subtitle)}</text>`,
  );
  for (let v = yMin; v <= yMax + step / 2; v += step) {
    const yy = y(v).toFixed(1);
    parts.push(
      `<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${yy}" y2="${yy}"/>`,
      `<text x="${margin.left - 8}" y="${yy}" font-size="11" text-anchor="end" dominant-baseline="middle">${xml(
        formatNumber(v),
      )}</text>`,
    );
  }
  parts.push(
    `<text transform="translate(20 ${margin.top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle">` +
      `CO2 avoided (t CO2, net)</text>`,
  );
  bars.forEach((b, i) => {
    const x = margin.left + i * slot + (slot - barW) / 2;
    const suppressed = b.row?.suppressed === true;
    const top = suppressed ? margin.top : y(Math.max(b.value, 0));
    const bottom = suppressed ? margin.top + plotH : y(Math.min(b.value, 0));
    const tip = suppressed
      ? `${b.label}: suppressed (fewer than 3 companies)`
      : `${b.label}: ${formatNumber(b.value)} t CO2${b.row?.partial ? ' (publishable part)' : ''}`;
    parts.push(
      `<rect class="bar${suppressed ? ' suppressed' : ''}" data-period="${xml(b.label)}" data-value="${
        suppressed ? '' : b.value
      }" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(
        0,
        bottom - top,
      ).toFixed(1)}"><title>${xml(tip)}</title></rect>`,
    );
    if (i % labelEvery === 0) {
      const lx = (x + barW / 2).toFixed(1);
      const ly = margin.top + plotH + 14;
      parts.push(
        `<text x="${lx}" y="${ly}" font-size="11" text-anchor="end" transform="rotate(-45 ${lx} ${ly})">${xml(
          b.label,
        )}</text>`,
      );
    }
  });
  parts.push(
    `<line class="axis" x1="${margin.left}" x2="${width - margin.right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}"/>`,
    `<line class="axis" x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 8}" font-size="12" text-anchor="middle">${xml(
      report.period,
    )}${report.basis === 'realised' ? ' (unverified deliveries not included)' : ''}</text>`,
    `</svg>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${parts.join('\n')}\n`;
}
