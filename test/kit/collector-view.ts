/*
 * Stands in for an OpenTelemetry Collector's `prometheus` exporter (path b) in the live test: no
 * Collector binary can be installed where the tests run, so at each scrape this server reads the
 * apps' own endpoints (path a) and serves the same data the way the Collector writes it
 * (exposition.ts). Both paths thus carry the same real measurements.
 */

import { type Server, type ServerResponse, createServer } from 'node:http';
import { COLLECTOR_CONTENT_TYPE, collectorExposition } from './exposition.ts';

export interface CollectorView {
  metricsUrl: string;
  /** Host and port, for a scrape target. */
  address: string;
  close(): Promise<void>;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return text;
}

/** Answers one scrape; a failed app scrape or conversion becomes a 503, which Prometheus reports as the scrape error. */
async function answer(appMetricsUrls: string[], res: ServerResponse): Promise<void> {
  try {
    const body = collectorExposition(await Promise.all(appMetricsUrls.map(scrape)));
    res.writeHead(200, { 'content-type': COLLECTOR_CONTENT_TYPE }).end(body);
  } catch (error) {
    res.writeHead(503, { 'content-type': 'text/plain' }).end(String(error));
  }
}

export async function startCollectorView(appMetricsUrls: string[]): Promise<CollectorView> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') res.writeHead(404).end();
    else void answer(appMetricsUrls, res);
  });
  const address = await new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const bound = server.address();
      resolve(typeof bound === 'object' && bound ? `127.0.0.1:${bound.port}` : '');
    });
  });
  return {
    address,
    metricsUrl: `http://${address}/metrics`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
