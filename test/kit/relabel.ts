/* Prometheus `metric_relabel_configs` replace actions on `__name__`, applied the way Prometheus does. */

export interface NameRelabel {
  source_labels?: string[];
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: string;
}

/**
 * Applies the `replace` rules that read and write `__name__` to one metric name. Prometheus anchors
 * the regex at both ends and expands `$1`/`${1}` in the replacement; a rule whose regex does not
 * match leaves the name as it is.
 */
export function relabelName(name: string, rules: NameRelabel[]): string {
  let current = name;
  for (const rule of rules) {
    if ((rule.action ?? 'replace') !== 'replace') continue;
    if (rule.source_labels?.join(';') !== '__name__' || rule.target_label !== '__name__') continue;
    const match = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`).exec(current);
    if (!match) continue;
    current = (rule.replacement ?? '$1').replace(
      /\$\{(\d+)\}|\$(\d+)/g,
      (_, a?: string, b?: string) => match[Number(a ?? b)] ?? '',
    );
  }
  return current;
}
