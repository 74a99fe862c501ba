'use strict';

/**
 * Summarises a Prometheus text exposition: for each metric family with data, how many series it has
 * and, for histograms, how many observations they hold together (the `_count` samples).
 * @param {string} text
 * @returns {Record<string, { series: number, observations?: number }>}
 */
function summarizeExposition(text) {
  const families = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = line.slice(0, line.search(/[{ ]/));
    if (name.endsWith('_bucket') || name.endsWith('_sum')) continue;
    const family = name.replace(/_(count|total)$/, '');
    if (family === 'target_info') continue;
    const entry = families.get(family) ?? { series: 0 };
    entry.series++;
    if (name.endsWith('_count'))
      entry.observations = (entry.observations ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    families.set(family, entry);
  }
  return Object.fromEntries([...families].sort(([a], [b]) => (a < b ? -1 : 1)));
}

module.exports = { summarizeExposition };
