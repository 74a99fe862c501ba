/* Finds the metric names a PromQL expression reads, without a PromQL parser. */

/**
 * Names of this project's and the GenAI conventions' metrics (and `llm_relay:` recording rules) that
 * an expression selects. Label names are not counted: matcher braces and the label lists of
 * `by`/`without`/`on`/`ignoring`/`group_left`/`group_right` are removed first.
 */
export function metricNamesIn(expr: string): string[] {
  const withoutLabels = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = withoutLabels.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter(n => n.startsWith('gen_ai_') || n.startsWith('llm_relay')))];
}
