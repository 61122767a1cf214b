// Reads a Prometheus scrape into a lookup by name and labels (any label order).

export interface Scrape {
  text: string;
  /** The sample's value, or undefined when the scrape has no such series. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** The sum over every series of a name whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number;
}

function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  return out;
}

export function parseScrape(text: string): Scrape {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (m) samples.push({ name: m[1]!, labels: parseLabels(m[2] ?? ''), value: Number(m[3]) });
  }
  const matches = (s: (typeof samples)[number], name: string, labels: Record<string, string>) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  return {
    text,
    value(name, labels = {}) {
      const found = samples.find((s) => matches(s, name, labels) && Object.keys(s.labels).length === Object.keys(labels).length);
      return found?.value;
    },
    sum(name, labels = {}) {
      return samples.filter((s) => matches(s, name, labels)).reduce((a, s) => a + s.value, 0);
    },
  };
}

export async function scrapeMetrics(port: number, token?: string): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseScrape(await res.text());
}
